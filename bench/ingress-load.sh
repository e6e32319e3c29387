#!/usr/bin/env bash
# Measures the webhook ingress of the packaged application against the local Kafka broker and PostgreSQL.
#   bench/ingress-load.sh [extra WebhookLoad options, e.g. --seconds 30 --concurrency 64]
# Builds the app (tests skipped), starts local Kafka, runs the app in the prod profile with throwaway secrets,
# drives it with bench/WebhookLoad.java (handshake and unsigned baselines, then signed webhooks), and stops the app.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
source "$repo/deployment/local/prerequisites.sh"
ensure_prerequisites
"$repo/deployment/local/kafka.sh" start
cd "$repo"
[[ -f target/quarkus-app/quarkus-run.jar ]] || ./mvnw -B -q package -DskipTests
port=${BENCH_PORT:-18080}
source "$here/app.sh"
start_app target/bench-app.log "$port" env CALLGATE_WHATSAPP_APP_SECRET=bench-app-secret \
  CALLGATE_WHATSAPP_VERIFY_TOKEN=bench-verify-token CALLGATE_CLOUDAPI_ACCESS_TOKEN=bench-access-token \
  CALLGATE_HTTP_PORT="$port" QUARKUS_LOG_LEVEL=WARN java -Xmx1g -jar target/quarkus-app/quarkus-run.jar
db() { psql -qAtX -h 127.0.0.1 -U "${CALLGATE_DB_USER:-callgate}" callgate -c "$1"; }
# Waits until the query's answer stops changing for 3 s (the consumer has drained callgate.webhooks).
settle() { local last=-1 now; while now=$(db "$1"); [[ $now != "$last" ]]; do last=$now; sleep 3; done; }
# A backlog left by an earlier run would compete for the CPU: let the consumer drain it first.
settle "select count(*) from call_events"
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
echo "# machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r); commit $(git rev-parse --short HEAD 2>/dev/null || echo none)"
java "$here/WebhookLoad.java" --url "http://127.0.0.1:$port/webhooks/whatsapp" "$@"

# How fast the consumer (callgate.webhooks -> call_events) records what the ingress published: wait until the table
# stops growing, then report rows per second between the first and the last insert of this run.
settle "select count(*) from call_events where received_at >= '$since' and whatsapp_call_id like 'wacid.bench%'"
db "select 'recorder  events=' || count(*) || '  per_second=' ||
           round(count(*) / greatest(extract(epoch from max(recorded_at) - min(recorded_at)), 0.001))
    from call_events where received_at >= '$since' and whatsapp_call_id like 'wacid.bench%'"
