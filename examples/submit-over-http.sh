#!/usr/bin/env bash
# Submits a job to Baton over HTTP with curl, retries it safely with the same Idempotency-Key, and follows
# its status until it ends.
#
#   BATON_URL=http://127.0.0.1:5002 BATON_TOKEN=<an operator's secret> examples/submit-over-http.sh
#
# BATON_URL    the dashboard (default http://127.0.0.1:5002)
# BATON_TOKEN  an operator token from BATON_DASHBOARD_TOKENS (required)
# WAIT_SECONDS how long to follow the job (default 60; 0: do not follow)
set -euo pipefail

url=${BATON_URL:-http://127.0.0.1:5002}
: "${BATON_TOKEN:?set BATON_TOKEN to an operator token (BATON_DASHBOARD_TOKENS=name:operator:secret)}"
wait_seconds=${WAIT_SECONDS:-60}
key="example-$(date +%s)-$$"
body='{"jobName":"Nightly export","description":"submitted by examples/submit-over-http.sh","processingParameters":{"steps":3,"stepMs":200}}'

submit() {
  # -w appends the status code on its own line; the token travels only in the Authorization header.
  curl -sS -X POST "$url/api/jobs" \
    -H "Authorization: Bearer $BATON_TOKEN" \
    -H 'Content-Type: application/json' \
    -H "Idempotency-Key: $key" \
    --data "$body" \
    -w '\n%{http_code}\n'
}

first=$(submit)
status=$(tail -n 1 <<<"$first")
answer=$(head -n 1 <<<"$first")
echo "submit: HTTP $status $answer"
if [ "$status" != 202 ]; then
  echo "not accepted" >&2
  exit 1
fi
job_id=$(sed -E 's/.*"jobId":"([^"]+)".*/\1/' <<<"$answer")
status_url=$(sed -E 's/.*"statusUrl":"([^"]+)".*/\1/' <<<"$answer")

# A retry (a lost answer, a timeout) with the same key publishes nothing and answers the first result.
again=$(submit)
echo "retry:  HTTP $(tail -n 1 <<<"$again") $(head -n 1 <<<"$again")"

deadline=$((SECONDS + wait_seconds))
state=Queued
while [ "$wait_seconds" -gt 0 ] && [ $SECONDS -lt $deadline ]; do
  state=$(curl -sS -H "Authorization: Bearer $BATON_TOKEN" "$url$status_url" | sed -E 's/^\{"summary":\{[^}]*"status":"([A-Za-z]+)".*/\1/')
  case "$state" in
    Completed | DeadLettered | Cancelled) break ;;
  esac
  sleep 1
done
echo "job $job_id: $state"
