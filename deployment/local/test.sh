#!/usr/bin/env bash
# Runs Callgate's tests: the same prerequisites as run.sh (Java, libpulse0, PostgreSQL and its databases), then
# ./mvnw -B verify -Pfaults — the default suite and the fault campaign (docs/reliability.md). The tests start their own Kafka broker inside the test JVM; set CALLGATE_TEST_KAFKA_BOOTSTRAP
# to run them against an external broker instead.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
source "$here/prerequisites.sh"
ensure_prerequisites
cd "$repo"
exec ./mvnw -B verify -Pfaults "$@"
