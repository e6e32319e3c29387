#!/usr/bin/env bash
# Runs Callgate locally: installs what is missing, ensures PostgreSQL and the database, starts the local Kafka
# broker (deployment/local/kafka.sh), then the service in Quarkus dev mode on http://localhost:8080, with the Cloud API
# simulator (docs/simulator.md) unless CALLGATE_CLOUDAPI_BASE_URL names another Graph-compatible endpoint.
# Stop with Ctrl+C (or 'q'); the broker keeps running until 'deployment/local/kafka.sh stop'.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
source "$here/prerequisites.sh"
ensure_prerequisites
"$here/kafka.sh" start
cd "$repo"
if [[ -n ${CALLGATE_CLOUDAPI_BASE_URL:-} ]]; then
  # Another Graph-compatible endpoint was named: use it, and leave the built-in simulator out.
  export CALLGATE_SIMULATOR_ENABLED=false
  echo "run.sh: Cloud API at $CALLGATE_CLOUDAPI_BASE_URL; simulator disabled" >&2
else
  echo "run.sh: Cloud API simulator at http://localhost:8080 (admin: /simulator, docs/simulator.md)" >&2
fi
exec ./mvnw -B quarkus:dev "$@"
