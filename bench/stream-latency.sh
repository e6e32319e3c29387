#!/usr/bin/env bash
# Voice-agent streams: latency added each way and CPU per streamed call (bench/StreamLatency.java), in one JVM with
# the packaged app's classes — real libwebrtc calls of the media pool, AudioPeer phones, a measuring agent on loopback.
# No Kafka, no database, no Quarkus: only the media pool and dev.callgate.stream.AudioStream are exercised.
#   bench/stream-latency.sh [--calls 20] [--seconds 15] [--warmup 3] [--protocols twilio,native24]
# CALLGATE_BENCH_BUILD=0 reuses target/quarkus-app of an earlier build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cd "$repo"
if [[ "${CALLGATE_BENCH_BUILD:-1}" != 0 ]]; then
  ./mvnw -B -q package -DskipTests
fi
echo "# machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr), $(java -version 2>&1 | head -1); commit $(git rev-parse --short HEAD); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
exec java -Xmx1g -Dbench.source="$here/StreamLatency.java" -cp "target/quarkus-app/lib/boot/*:target/quarkus-app/lib/main/*:target/quarkus-app/app/*" \
  "$here/StreamLatency.java" "$@"
