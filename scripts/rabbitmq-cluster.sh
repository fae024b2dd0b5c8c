#!/usr/bin/env bash
# A three-node RabbitMQ cluster on this machine, from the installed rabbitmq-server, for `npm run test:cluster`
# and for trying Baton on a cluster by hand. It never touches the machine's own broker (rabbit@… on 5672):
# its nodes have their own names, ports, data and log directories, Erlang cookie and configuration, all under
# one directory, and every rabbitmqctl call names its node.
#
#   scripts/rabbitmq-cluster.sh start DIR [BASE_PORT]   nodes baton-a/b/c@localhost on AMQP BASE_PORT, +1, +2
#                                                       (default 5681) and distribution ports BASE_PORT+100…;
#                                                       prints the comma-separated AMQP URLs for BATON_AMQP_URL
#   scripts/rabbitmq-cluster.sh stop DIR                stops every node of DIR (killing any that will not stop)
#   scripts/rabbitmq-cluster.sh stop-node DIR NODE      stops one node (baton-b@localhost)
#   scripts/rabbitmq-cluster.sh kill-node DIR NODE      kills one node's Erlang VM (SIGKILL): a crashed node
#   scripts/rabbitmq-cluster.sh start-node DIR NODE     starts it again; it rejoins the cluster
#   scripts/rabbitmq-cluster.sh ctl DIR NODE ARGS…      rabbitmqctl against one node
set -euo pipefail

# The release's own scripts: the system wrapper (/usr/sbin/rabbitmq-server) switches to the rabbitmq user and its files.
RABBIT_SBIN=${RABBIT_SBIN:-$(ls -d /usr/lib/rabbitmq/lib/rabbitmq_server-*/sbin 2>/dev/null | tail -1)}
[ -x "$RABBIT_SBIN/rabbitmq-server" ] || { echo "rabbitmq-server not found (set RABBIT_SBIN to its sbin directory)" >&2; exit 69; }

NODES=(baton-a baton-b baton-c)

usage() { sed -n '2,15p' "$0" >&2; exit 64; }

node_env() { # DIR NAME: the environment of one node (or of a rabbitmqctl aimed at it)
  local dir=$1 name=$2
  local index port
  for index in 0 1 2; do [ "${NODES[$index]}" = "$name" ] && break; done
  port=$(( $(cat "$dir/base-port") + index ))
  echo "HOME=$dir"
  echo "RABBITMQ_NODENAME=$name@localhost"
  echo "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1"
  echo "RABBITMQ_NODE_PORT=$port"
  echo "RABBITMQ_DIST_PORT=$(( port + 100 ))"
  echo "RABBITMQ_MNESIA_BASE=$dir/$name/mnesia"
  echo "RABBITMQ_LOG_BASE=$dir/$name/log"
  echo "RABBITMQ_PID_FILE=$dir/$name/pid"
  echo "RABBITMQ_CONFIG_FILE=$dir/$name/rabbitmq.conf"
  echo "RABBITMQ_ADVANCED_CONFIG_FILE=$dir/advanced.config"
  echo "RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins"
  echo "RABBITMQ_CONF_ENV_FILE=$dir/rabbitmq-env.conf"
  echo "ERL_EPMD_ADDRESS=127.0.0.1"
  echo "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}"
}

with_env() { # DIR NAME COMMAND…
  local dir=$1 name=$2; shift 2
  local -a vars=()
  while IFS= read -r line; do vars+=("$line"); done < <(node_env "$dir" "$name")
  env "${vars[@]}" "$@"
}

ctl() { # DIR NAME ARGS…
  local dir=$1 name=$2; shift 2
  with_env "$dir" "$name" "$RABBIT_SBIN/rabbitmqctl" -n "$name@localhost" "$@"
}

start_node() {
  local dir=$1 name=$2
  mkdir -p "$dir/$name/log" "$dir/$name/mnesia"
  local port=$(( $(cat "$dir/base-port") ))
  for index in 0 1 2; do [ "${NODES[$index]}" = "$name" ] && port=$(( port + index )); done
  printf 'listeners.tcp.default = 127.0.0.1:%s\n' "$port" > "$dir/$name/rabbitmq.conf"
  with_env "$dir" "$name" "$RABBIT_SBIN/rabbitmq-server" -detached > "$dir/$name/log/startup.out" 2>&1
  # -detached returns at once; the pid file appears once the node runs, await_startup once it serves.
  for _ in $(seq 1 120); do [ -s "$dir/$name/pid" ] && break; sleep 0.5; done
  ctl "$dir" "$name" await_startup --timeout 120 >/dev/null
}

start() {
  local dir=$1 base=${2:-5681}
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  echo "$base" > "$dir/base-port"
  # A cookie of our own: the nodes must share one to cluster, and it must not be the system broker's.
  [ -f "$dir/.erlang.cookie" ] || { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$dir/.erlang.cookie"; chmod 400 "$dir/.erlang.cookie"; }
  echo '[].' > "$dir/enabled_plugins"
  echo '[].' > "$dir/advanced.config"
  : > "$dir/rabbitmq-env.conf" # instead of /etc/rabbitmq/rabbitmq-env.conf, which names the system node
  for name in "${NODES[@]}"; do start_node "$dir" "$name"; done
  for name in "${NODES[@]:1}"; do
    ctl "$dir" "$name" stop_app >/dev/null
    ctl "$dir" "$name" join_cluster "${NODES[0]}@localhost" >/dev/null
    ctl "$dir" "$name" start_app >/dev/null
  done
  ctl "$dir" "${NODES[0]}" await_online_nodes 3 --timeout 120 >/dev/null 2>&1 || true
  local urls=()
  for index in 0 1 2; do urls+=("amqp://guest:guest@127.0.0.1:$(( base + index ))"); done
  (IFS=,; echo "${urls[*]}")
}

stop_node() {
  local dir=$1 name=$2
  [ -s "$dir/$name/pid" ] || return 0
  local pid; pid=$(cat "$dir/$name/pid")
  ctl "$dir" "$name" stop "$dir/$name/pid" --timeout 60 >/dev/null 2>&1 || true
  # A node that would not stop: its own pid only, never a process found by name.
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$dir/$name/pid"
}

kill_node() {
  local dir=$1 name=$2
  [ -s "$dir/$name/pid" ] || return 0
  kill -KILL "$(cat "$dir/$name/pid")" 2>/dev/null || true
  rm -f "$dir/$name/pid"
}

stop() {
  local dir=$1
  [ -d "$dir" ] || return 0
  # Followers first, so the last node standing does not wait for peers that are gone.
  for name in baton-c baton-b baton-a; do stop_node "$dir" "$name"; done
}

command=${1:-}; shift || true
case "$command" in
  start) [ $# -ge 1 ] || usage; start "$@" ;;
  stop) [ $# -eq 1 ] || usage; stop "$1" ;;
  stop-node) [ $# -eq 2 ] || usage; stop_node "$1" "${2%@*}" ;;
  kill-node) [ $# -eq 2 ] || usage; kill_node "$1" "${2%@*}" ;;
  start-node) [ $# -eq 2 ] || usage; start_node "$1" "${2%@*}" ;;
  ctl) [ $# -ge 3 ] || usage; dir=$1 name=${2%@*}; shift 2; ctl "$dir" "$name" "$@" ;;
  *) usage ;;
esac
