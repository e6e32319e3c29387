#!/usr/bin/env bash
# Business-initiated calls under load, through the whole service: local Kafka, PostgreSQL, and Callgate built with
# its simulator (dev profile) running as a packaged jar on port 18081. Then a raw webrtc-java loopback baseline in
# the same run (bench/LoopbackBaseline.java): what the PeerConnections alone cost.
#   bench/call-load.sh [CallLoad options, e.g. --calls 40 --concurrency 10 --talk-ms 4000]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
source "$repo/deployment/local/prerequisites.sh"
ensure_prerequisites
"$repo/deployment/local/kafka.sh" start
cd "$repo"
out=target/bench-dev-app
./mvnw -B -q package -DskipTests -Dquarkus.profile=dev -Dquarkus.package.output-directory=bench-dev-app
port=18081
source "$here/app.sh"
start_app target/bench-call-app.log $port \
  java -Xmx1g -Dquarkus.profile=dev -Dquarkus.http.port=$port -Dquarkus.log.level=WARN -jar $out/quarkus-run.jar
echo "# machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; commit $(git rev-parse --short HEAD)"
java "$here/CallLoad.java" --url "http://127.0.0.1:$port" --pid "$app" "$@"
kill $app; wait $app 2>/dev/null || true
trap - EXIT
java -cp "$out/lib/boot/*:$out/lib/main/*:$out/app/*" "$here/LoopbackBaseline.java" "$@"
