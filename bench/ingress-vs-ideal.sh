#!/usr/bin/env bash
# Signed webhooks/s through Callgate's ingress beside the ideal ingress (bench/IdealIngress.java), in one run, against
# the same local Kafka broker (deployment/local/kafka.sh) — issue 13, first two rows:
#   bench/ingress-vs-ideal.sh [--seconds 20] [--warmup 10] [--connections 64] [--threads 2] [--profile]
#                             [--variants ingress,consumers]   (the ideal always runs: it sets the half rate)
#                             [--profile-drain]   (consumers: a JFR recording of the first drain, from start to end,
#                                                  summarised into target/bench/consumers-drain-profile.txt)
# Callgate needs a long warm-up before its rate settles (C2 still compiling after 35 s of load): use --warmup 90
# for the closed-loop figures; the consumers' variant then builds a large backlog during its warm-up.
# Every variant gets the same wrk load (bench/webhooks.lua: 2 KB signed call-status webhooks from
# bench/WebhookBodies.java, a fresh call id per request for 20,000 requests, then again):
#   ideal      bench/IdealIngress.java: bare Vert.x + HMAC + KafkaProducer (acks=all, idempotent), 200 on the ack
#   ingress    Callgate with CALLGATE_CALLS_ENABLED=false: the ingress alone
#   consumers  Callgate as it runs by default: the ingress and the consumers (callgate.webhooks -> PostgreSQL) in one
# each at full speed (wrk closed loop, -c connections) after a warm-up, then each at half the ideal's full-speed rate
# (webhooks.lua's WRK_RATE) for the latency at a given load. For 'consumers' the script also reports the consumer
# group's lag on callgate.webhooks after each load, and how long the backlog took to drain.
# --profile: only the 'ingress' variant, at full speed: once after the warm-up, then again with a JFR recording
# (settings=profile) of the measured window, summarised by bench/JfrSummary.java into target/bench/ingress-profile.txt.
# Ports: BENCH_IDEAL_PORT (18090), BENCH_PORT (18080). Output (wrk's, the apps' logs, the JFR file) under target/bench/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
seconds=20 warmup=10 connections=64 threads=2 profile=0 profile_drain=0 variants=ingress,consumers
while (( $# )); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --profile) profile=1; shift ;;
    --profile-drain) profile_drain=1; shift ;;
    --variants) variants=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
source "$repo/deployment/local/prerequisites.sh"
ensure_prerequisites
command -v wrk >/dev/null || apt_install wrk
"$repo/deployment/local/kafka.sh" start
cd "$repo"
[[ -f target/quarkus-app/quarkus-run.jar ]] || ./mvnw -B -q package -DskipTests
out=target/bench
mkdir -p "$out"
secret=bench-app-secret
ideal_port=${BENCH_IDEAL_PORT:-18090}
port=${BENCH_PORT:-18080}
source "$here/app.sh"
cp='target/quarkus-app/lib/boot/*:target/quarkus-app/lib/main/*:target/quarkus-app/app/*'
java "$here/WebhookBodies.java" --out "$out/bodies.tsv" --count 20000 --size 2048 --secret "$secret" >&2
kafka_libs=${CALLGATE_LOCAL_KAFKA_HOME:-$repo/deployment/local/.kafka}/libs
kafka_tool() { java -Xmx256m -Dlog4j2.configurationFile="${kafka_libs%/libs}/tools-log4j2.properties" -cp "$kafka_libs/*" "$@"; }
# The ideal and the ingress-only variant publish to a topic of their own with callgate.webhooks's partitions, which no
# consumer reads: their records would otherwise be a backlog for the consumers' variant (and the ideal's raw webhooks
# are not WebhookRecords: the consumer would dead-letter them).
bench_topic=callgate.webhooks.bench
kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092 --create --if-not-exists \
  --topic "$bench_topic" --partitions "${CALLGATE_LOCAL_KAFKA_PARTITIONS:-3}" --replication-factor 1 >/dev/null

# wrk LABEL URL [RATE]: one measured load; prints wrk's report to the log and the RESULT line to stdout
load() {
  local label=$1 url=$2 rate=${3:-0} duration=${4:-$seconds}
  WEBHOOK_BODIES=$out/bodies.tsv WRK_THREADS=$threads WRK_RATE=$rate WRK_LABEL=$label \
    wrk -t"$threads" -c"$connections" -d"${duration}s" --timeout 10s --latency -s "$here/webhooks.lua" "$url" \
    > "$out/wrk-$label.txt"
  grep '^RESULT' "$out/wrk-$label.txt" | sed 's/^RESULT //'
}
warm() {
  WEBHOOK_BODIES=$out/bodies.tsv WRK_THREADS=$threads WRK_LABEL=warmup \
    wrk -t"$threads" -c"$connections" -d"${warmup}s" --timeout 10s -s "$here/webhooks.lua" "$1" >/dev/null
}
rate_of() { sed -n 's/.* rps=\([0-9]*\).*/\1/p' <<<"$1"; }
lag() {
  kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server 127.0.0.1:9092 --describe \
    --group callgate-call-events 2>/dev/null | awk '$2 == "callgate.webhooks" && $6 ~ /^[0-9]+$/ {s += $6} END {print s + 0}'
}
db() { psql -qAtX -h 127.0.0.1 -U "${CALLGATE_DB_USER:-callgate}" callgate -c "$1"; }
# CPU time (clock ticks, user + system) of the processes whose PIDs are given
ticks() { local t=0 p; for p in "$@"; do [[ -r /proc/$p/stat ]] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $t; }
# Waits until the consumer group has no lag left on callgate.webhooks; prints the seconds it took, the records/s and
# the CPU each drained record cost (ms of one core) in Callgate's JVM, in PostgreSQL (all its processes, connections
# that opened during the drain not counted) and in the broker — while draining nothing else runs.
drain() {
  local start=$SECONDS backlog pg broker c0 p0 b0
  backlog=$(lag)
  pg=$(pgrep -d ' ' -x postgres); broker=$(pgrep -d ' ' -f kafka.Kafka || true)
  c0=$(ticks "$app"); p0=$(ticks $pg); b0=$(ticks $broker)
  while (( $(lag) > 0 )); do
    (( SECONDS - start > 600 )) && { echo "lag still $(lag) after 600 s" >&2; break; }
    sleep 2
  done
  local secs=$((SECONDS - start)) hz; hz=$(getconf CLK_TCK)
  if (( backlog > 0 && secs > 0 )); then
    awk -v n="$backlog" -v s="$secs" -v c=$(( $(ticks "$app") - c0 )) -v p=$(( $(ticks $pg) - p0 )) \
      -v b=$(( $(ticks $broker) - b0 )) -v hz="$hz" 'BEGIN {
        printf "%d s (%d records, %.0f records/s; CPU per record: callgate %.3f ms, postgres %.3f ms, broker %.3f ms)",
          s, n, n / s, c * 1000 / hz / n, p * 1000 / hz / n, b * 1000 / hz / n }'
  else
    echo "$secs s"
  fi
}
app() { # app LOG EXTRA_ENV... -- JVM_OPTIONS...
  local log=$1; shift
  local envs=() jvm=()
  while (( $# )) && [[ $1 != -- ]]; do envs+=("$1"); shift; done
  [[ ${1:-} == -- ]] && shift
  jvm=("$@")
  start_app "$log" "$port" env CALLGATE_WHATSAPP_APP_SECRET=$secret CALLGATE_WHATSAPP_VERIFY_TOKEN=bench-verify-token \
    CALLGATE_CLOUDAPI_ACCESS_TOKEN=bench-access-token CALLGATE_HTTP_PORT="$port" QUARKUS_LOG_LEVEL=WARN "${envs[@]}" \
    java -Xmx1g "${jvm[@]}" -jar target/quarkus-app/quarkus-run.jar
}
url=http://127.0.0.1:$port/webhooks/whatsapp
commit=$(git rev-parse --short HEAD 2>/dev/null || echo none)
machine="$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r), $(java -version 2>&1 | head -n 1)"

if (( profile )); then
  app "$out/app-ingress-profile.log" CALLGATE_CALLS_ENABLED=false CALLGATE_KAFKA_TOPIC_WEBHOOKS=$bench_topic -- -XX:FlightRecorderOptions:stackdepth=256
  warm "$url"
  unprofiled=$(load ingress-unprofiled "$url") # also shows whether the warm-up was long enough
  jcmd "$app" JFR.start name=bench settings=profile duration=$((seconds + 2))s filename="$PWD/$out/ingress-only.jfr" >/dev/null
  result=$(load ingress-profiled "$url")
  sleep 4
  stop_apps
  java "$here/JfrSummary.java" "$out/ingress-only.jfr" > "$out/ingress-profile.txt"
  echo "# machine: $machine; commit $commit; wrk -t$threads -c$connections, ${warmup}s warm-up, ${seconds}s measured"
  echo "ingress (after the warm-up, no JFR):   $unprofiled"
  echo "ingress (then under JFR, settings=profile): $result"
  echo "profile summary: $out/ingress-profile.txt, recording: $out/ingress-only.jfr"
  exit 0
fi

echo "# machine: $machine; commit $commit"
echo "# wrk -t$threads -c$connections, ${warmup}s warm-up then ${seconds}s measured per line; 2 KB signed call-status webhooks"

start_app "$out/ideal.log" "$ideal_port" java -Xmx1g -cp "$cp" "$here/IdealIngress.java" --port "$ideal_port" \
  --secret "$secret" --bootstrap 127.0.0.1:9092 --topic "$bench_topic"
ideal_url=http://127.0.0.1:$ideal_port/webhooks/whatsapp
warm "$ideal_url"
ideal=$(load ideal "$ideal_url")
echo "ideal      full speed: $ideal"
half=$(( $(rate_of "$ideal") / 2 ))
echo "ideal      at $half/s: $(load ideal-half "$ideal_url" "$half")"
stop_apps

if [[ ,$variants, == *,ingress,* ]]; then
  app "$out/app-ingress.log" CALLGATE_CALLS_ENABLED=false CALLGATE_KAFKA_TOPIC_WEBHOOKS=$bench_topic
  warm "$url"
  echo "ingress    full speed: $(load ingress "$url")"
  echo "ingress    at $half/s: $(load ingress-half "$url" "$half")"
  stop_apps
fi

[[ ,$variants, == *,consumers,* ]] || exit 0
app "$out/app-consumers.log"
echo "consumers  backlog of earlier runs drained in $(drain)" # it would compete for the CPU
warm "$url"
echo "consumers  full speed: $(load consumers "$url")  lag after: $(lag)"
if (( profile_drain )); then
  jcmd "$app" JFR.start name=drain settings=profile >/dev/null
fi
echo "consumers  lag drained in $(drain)"
if (( profile_drain )); then
  jcmd "$app" JFR.stop name=drain filename="$PWD/$out/consumers-drain.jfr" >/dev/null
  java "$here/JfrSummary.java" "$out/consumers-drain.jfr" > "$out/consumers-drain-profile.txt"
  echo "consumers  drain profile: $out/consumers-drain-profile.txt"
fi
echo "consumers  at $half/s: $(load consumers-half "$url" "$half")  lag after: $(lag)"
echo "consumers  lag drained in $(drain)"
stop_apps
