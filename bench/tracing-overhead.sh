#!/usr/bin/env bash
# What tracing costs on the hot path (issue 14: "off by default, no cost when off"): signed webhooks/s through the
# ingress (the ingress alone, CALLGATE_CALLS_ENABLED=false, as bench/ingress-vs-ideal.sh's 'ingress' variant) for
#   absent  the application built with -Dquarkus.otel.enabled=false (the extension's instrumentation left out)
#   off     the application as shipped, tracing off (the default: OTEL_SDK_DISABLED unset)
#   on      as shipped, OTEL_SDK_DISABLED=false, every request sampled, OTLP export to a port nobody listens on
#           (spans are made, batched and dropped: the cost of tracing without the collector's)
# in interleaved rounds (absent, off, on, absent, off, on, …) against the same local Kafka broker, each after its own
# warm-up, so drift of the machine falls on all three alike. Each run: the closed-loop rate (wrk -c connections), then a
# fixed rate (--rate, below every variant's closed-loop rate) with the CPU the Callgate process spent per request
# (/proc ticks) — steadier than the closed-loop figure, which swings ±15 % between runs on this machine.
#   bench/tracing-overhead.sh [--rounds 3] [--seconds 20] [--warmup 30] [--rate 8000] [--connections 64] [--threads 2]
# Builds twice (./mvnw package, offline when ~/.m2 has everything) into target/bench/app-*; output under target/bench/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
rounds=3 seconds=20 warmup=30 rate=8000 connections=64 threads=2
while (( $# )); do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
source "$repo/deployment/local/prerequisites.sh"
ensure_prerequisites
command -v wrk >/dev/null || apt_install wrk
"$repo/deployment/local/kafka.sh" start
cd "$repo"
out=target/bench
mkdir -p "$out"
build() { # build NAME MAVEN_ARGS...: the packaged application, copied aside
  local name=$1; shift
  ./mvnw -B -q -o package -DskipTests "$@" >&2 || ./mvnw -B -q package -DskipTests "$@" >&2
  rm -rf "$out/app-$name" && cp -r target/quarkus-app "$out/app-$name"
}
build absent -Dquarkus.otel.enabled=false
build shipped
secret=bench-app-secret
port=${BENCH_PORT:-18080}
source "$here/app.sh"
java "$here/WebhookBodies.java" --out "$out/bodies.tsv" --count 20000 --size 2048 --secret "$secret" >&2
kafka_libs=${CALLGATE_LOCAL_KAFKA_HOME:-$repo/deployment/local/.kafka}/libs
bench_topic=callgate.webhooks.bench
java -Xmx256m -Dlog4j2.configurationFile="${kafka_libs%/libs}/tools-log4j2.properties" -cp "$kafka_libs/*" \
  org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092 --create --if-not-exists \
  --topic "$bench_topic" --partitions "${CALLGATE_LOCAL_KAFKA_PARTITIONS:-3}" --replication-factor 1 >/dev/null
url=http://127.0.0.1:$port/webhooks/whatsapp
run() { # run LABEL APP_DIR EXTRA_ENV...: one warmed, measured load; prints wrk's RESULT line
  local label=$1 dir=$2; shift 2
  start_app "$out/app-$label.log" "$port" env CALLGATE_WHATSAPP_APP_SECRET=$secret \
    CALLGATE_WHATSAPP_VERIFY_TOKEN=bench-verify-token CALLGATE_CLOUDAPI_ACCESS_TOKEN=bench-access-token \
    CALLGATE_HTTP_PORT="$port" CALLGATE_CALLS_ENABLED=false CALLGATE_KAFKA_TOPIC_WEBHOOKS=$bench_topic \
    QUARKUS_LOG_LEVEL=WARN "$@" java -Xmx1g -jar "$dir/quarkus-run.jar"
  WEBHOOK_BODIES=$out/bodies.tsv WRK_THREADS=$threads WRK_LABEL=warmup \
    wrk -t"$threads" -c"$connections" -d"${warmup}s" --timeout 10s -s "$here/webhooks.lua" "$url" >/dev/null
  WEBHOOK_BODIES=$out/bodies.tsv WRK_THREADS=$threads WRK_RATE=0 WRK_LABEL=$label \
    wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 10s --latency -s "$here/webhooks.lua" "$url" \
    > "$out/wrk-tracing-$label.txt"
  local t0 t1 fixed hz
  hz=$(getconf CLK_TCK)
  t0=$(awk '{print $14 + $15}' "/proc/$app/stat")
  WEBHOOK_BODIES=$out/bodies.tsv WRK_THREADS=$threads WRK_RATE=$rate WRK_LABEL=$label-fixed \
    wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 10s --latency -s "$here/webhooks.lua" "$url" \
    > "$out/wrk-tracing-$label-fixed.txt"
  t1=$(awk '{print $14 + $15}' "/proc/$app/stat")
  stop_apps
  fixed=$(grep '^RESULT' "$out/wrk-tracing-$label-fixed.txt" | sed 's/^RESULT //')
  echo "$(grep '^RESULT' "$out/wrk-tracing-$label.txt" | sed 's/^RESULT //') | at $rate/s: $fixed" \
    "cpu_ms_per_request=$(awk -v t=$((t1 - t0)) -v hz="$hz" -v n="$(sed -n 's/.* requests=\([0-9]*\).*/\1/p' <<<"$fixed")" \
      'BEGIN { printf "%.4f", t * 1000 / hz / n }')"
}
echo "# machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(java -version 2>&1 | head -n 1); commit $(git rev-parse --short HEAD)"
echo "# wrk -t$threads -c$connections, ${warmup}s warm-up, ${seconds}s closed loop, then ${seconds}s at $rate/s with Callgate's CPU per request; 2 KB signed call-status webhooks"
for ((r = 1; r <= rounds; r++)); do
  echo "round $r absent: $(run absent-$r "$out/app-absent")"
  echo "round $r off:    $(run off-$r "$out/app-shipped")"
  echo "round $r on:     $(run on-$r "$out/app-shipped" OTEL_SDK_DISABLED=false OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:9)"
done
