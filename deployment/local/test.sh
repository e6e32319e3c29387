#!/usr/bin/env bash
# Runs Callgate's tests: the same prerequisites as run.sh (Java, libpulse0, PostgreSQL and its databases) and
# Prometheus (its server and promtool check the chart's alerts and dashboard queries), then
# ./mvnw -B verify -Pfaults — the default suite and the fault campaign (docs/reliability.md). The tests start their own Kafka broker inside the test JVM; set CALLGATE_TEST_KAFKA_BOOTSTRAP
# to run them against an external broker instead.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
source "$here/prerequisites.sh"
ensure_prerequisites
ensure_prometheus
cd "$repo"
# As the container runs (USER 185): without CAP_SYS_NICE, so libwebrtc's audio threads get no real-time scheduling. As
# root they would run SCHED_FIFO — a thread or two per call, in the test JVM's simulated phones and in every packaged
# instance an integration test starts — and on two cores they starve the event loops for seconds (TwoInstancesIT saw
# its REST calls stall past 20 s). CALLGATE_TEST_REALTIME=1 keeps root's real-time threads.
if [[ $(id -u) == 0 && "${CALLGATE_TEST_REALTIME:-0}" != 1 ]] && command -v setpriv >/dev/null; then
  exec setpriv --inh-caps=-sys_nice --bounding-set=-sys_nice ./mvnw -B verify -Pfaults "$@"
fi
exec ./mvnw -B verify -Pfaults "$@"
