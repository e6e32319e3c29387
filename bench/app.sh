# Sourced by the bench scripts: runs a Callgate process in the background and waits until it is ready.
#   start_app LOG PORT command...   → sets $app (its PID); every process started so is stopped when the script exits
apps=()
stop_apps() {
  local pid
  for pid in "${apps[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${apps[@]}"; do wait "$pid" 2>/dev/null || true; done
  apps=()
}
start_app() {
  local log=$1 port=$2
  shift 2
  "$@" > "$log" 2>&1 &
  app=$!
  apps+=("$app")
  trap stop_apps EXIT
  local deadline=$((SECONDS + 90))
  until curl -fs "http://127.0.0.1:$port/q/health/ready" >/dev/null; do
    kill -0 "$app" 2>/dev/null || { echo "the process exited; see $log" >&2; exit 1; }
    (( SECONDS > deadline )) && { echo "the process was not ready within 90 s; see $log" >&2; exit 1; }
    sleep 1
  done
}
