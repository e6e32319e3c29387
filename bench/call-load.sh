#!/usr/bin/env bash
# Business-initiated calls under load, through the whole service, with Meta's side in a second process:
#   - process 1, the Cloud API simulator (a dev-profile build with calls off: CALLGATE_CALLS_ENABLED=false), on port
#     18082: the Graph API, the users' WebRTC phones, and the webhook ingress its signed webhooks go to;
#   - process 2, Callgate as shipped (the prod build, target/quarkus-app), on port 18081, measured: its RSS is read
#     from /proc while the calls are up.
# Both share local Kafka and PostgreSQL. Then a raw webrtc-java loopback baseline in the same run
# (bench/LoopbackBaseline.java): what the PeerConnections alone cost.
#   bench/call-load.sh [CallLoad options, e.g. --calls 40 --concurrency 10 --talk-ms 4000]
# CALLGATE_BENCH_BUILD=0 reuses the jars of the previous run (for a sweep of several runs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
source "$repo/deployment/local/prerequisites.sh"
ensure_prerequisites
"$repo/deployment/local/kafka.sh" start
cd "$repo"
sim=target/bench-dev-app
if [[ "${CALLGATE_BENCH_BUILD:-1}" != 0 ]]; then
  ./mvnw -B -q package -DskipTests
  ./mvnw -B -q package -DskipTests -Dquarkus.profile=dev -Dquarkus.package.output-directory=bench-dev-app -Dsimulator.packaged=true -Dcallgate.simulator.enabled=true
fi
# As the container runs (USER 185, docs/deployment.md): no CAP_SYS_NICE, so libwebrtc's audio threads get no real-time
# scheduling. As root they would run SCHED_FIFO and starve every other thread on two cores (the event loops, the
# consumers, PostgreSQL, the broker): CALLGATE_BENCH_REALTIME=1 keeps root's real-time audio threads for comparison.
asif=()
if [[ "${CALLGATE_BENCH_REALTIME:-0}" != 1 ]] && [[ $(id -u) == 0 ]]; then
  asif=(setpriv --inh-caps=-sys_nice --bounding-set=-sys_nice)
fi
sim_port=18082
port=18081
source "$here/app.sh"
start_app target/bench-simulator.log $sim_port \
  "${asif[@]}" java -Xmx1g -Dquarkus.profile=dev -Dquarkus.http.port=$sim_port -Dquarkus.log.level=WARN \
  -Dcallgate.calls.enabled=false -jar $sim/quarkus-run.jar
start_app target/bench-call-app.log $port env CALLGATE_HTTP_PORT=$port CALLGATE_INSTANCE_ID=bench \
  CALLGATE_WHATSAPP_APP_SECRET=dev-app-secret CALLGATE_WHATSAPP_VERIFY_TOKEN=dev-verify-token \
  CALLGATE_CLOUDAPI_ACCESS_TOKEN=sim-access-token CALLGATE_CLOUDAPI_BASE_URL=http://127.0.0.1:$sim_port \
  CALLGATE_API_KEY=bench-api-key CALLGATE_MEDIA_MAX_CALLS="${CALLGATE_MEDIA_MAX_CALLS:-200}" QUARKUS_LOG_LEVEL="${CALLGATE_BENCH_LOG_LEVEL:-WARN}" \
  "${asif[@]}" java -Xmx1g ${CALLGATE_BENCH_JAVA_OPTS:-} -jar target/quarkus-app/quarkus-run.jar
echo "# machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; commit $(git rev-parse --short HEAD); media back-end: $([[ ${CALLGATE_MEDIA_SHARED_FACTORY:-false} == true ]] && echo shared factory || echo slot per call); real-time audio threads: $([[ ${#asif[@]} == 0 ]] && echo yes || echo no)"
java "$here/CallLoad.java" --url "http://127.0.0.1:$port" --simulator-url "http://127.0.0.1:$sim_port" \
  --api-key bench-api-key --pid "$app" "$@"
stop_apps
trap - EXIT
${asif[@]+"${asif[@]}"} java -cp "target/quarkus-app/lib/boot/*:target/quarkus-app/lib/main/*:target/quarkus-app/app/*" \
  "$here/LoopbackBaseline.java" "$@"
