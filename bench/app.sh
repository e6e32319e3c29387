# Sourced by the bench scripts: runs Callgate in the background and waits until it is ready.
#   start_app LOG PORT command...   → sets $app (the PID); the app is stopped when the script exits
start_app() {
  local log=$1 port=$2
  shift 2
  "$@" > "$log" 2>&1 &
  app=$!
  trap 'kill $app 2>/dev/null; wait $app 2>/dev/null || true' EXIT
  local deadline=$((SECONDS + 90))
  until curl -fs "http://127.0.0.1:$port/q/health/ready" >/dev/null; do
    kill -0 "$app" 2>/dev/null || { echo "the app exited; see $log" >&2; exit 1; }
    (( SECONDS > deadline )) && { echo "the app was not ready within 90 s; see $log" >&2; exit 1; }
    sleep 1
  done
}
