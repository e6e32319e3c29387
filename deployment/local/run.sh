#!/usr/bin/env bash
# Runs Callgate locally: installs what is missing, ensures PostgreSQL and the database, starts the local Kafka
# broker (deployment/local/kafka.sh), then the service in Quarkus dev mode on http://localhost:8080.
# Stop with Ctrl+C (or 'q'); the broker keeps running until 'deployment/local/kafka.sh stop'.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
source "$here/prerequisites.sh"
ensure_prerequisites
"$here/kafka.sh" start
cd "$repo"
exec ./mvnw -B quarkus:dev "$@"
