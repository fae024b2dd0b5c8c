#!/usr/bin/env bash
# Tests must leave the work tree as they found it. `.ci/run` calls this twice around `npm test`:
#   scripts/tree-unchanged.sh save FILE     records `git status --porcelain` in FILE
#   scripts/tree-unchanged.sh check FILE    exit 1, listing the changes, when the status differs from FILE
# (A tree that was already dirty before the tests is compared with itself, so local work does not fail CI.)
set -uo pipefail
mode=${1:-}; file=${2:-}
if [ -z "$file" ] || ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "tree-unchanged: usage: tree-unchanged.sh save|check FILE, inside a git work tree" >&2
  exit 2
fi
case "$mode" in
  save) git status --porcelain --untracked-files=all > "$file" ;;
  check)
    now=$(git status --porcelain --untracked-files=all)
    if [ "$now" != "$(cat "$file")" ]; then
      echo "the tests changed the work tree (git status --porcelain, before and after):"
      diff <(cat "$file") <(echo "$now") | sed 's/^/  /'
      exit 1
    fi
    echo "the work tree is as the tests found it" ;;
  *) echo "tree-unchanged: mode must be save or check" >&2; exit 2 ;;
esac
