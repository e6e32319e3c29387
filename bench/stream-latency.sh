#!/usr/bin/env bash
# Voice-agent streams: latency added each way and CPU per streamed call (bench/StreamLatency.java), with the packaged
# app's classes — real libwebrtc calls of the media pool, a measuring agent on loopback, and the AudioPeer phones in a
# second JVM at nice 19 without real-time scheduling (setpriv). No Kafka, no database, no Quarkus: only the media pool
# and dev.callgate.stream.AudioStream are exercised. ~3 minutes; docs/benchmarks.md has the method and the figures.
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
