#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft) for local runs, from Maven Central jars.
#   deployment/local/kafka.sh start|stop|status|consume TOPIC|produce TOPIC
# Listens on 127.0.0.1:${CALLGATE_LOCAL_KAFKA_PORT:-9092}; keeps its jars, config, data, log and PID in
# ${CALLGATE_LOCAL_KAFKA_HOME:-deployment/local/.kafka}. 'start' when it already runs does nothing; 'stop' stops only
# the broker this script started (by its PID file).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
home=${CALLGATE_LOCAL_KAFKA_HOME:-$here/.kafka}
port=${CALLGATE_LOCAL_KAFKA_PORT:-9092}
controller_port=${CALLGATE_LOCAL_KAFKA_CONTROLLER_PORT:-9093}
partitions=${CALLGATE_LOCAL_KAFKA_PARTITIONS:-3}
topics=(callgate.commands callgate.webhooks callgate.events callgate.commands.dlq callgate.webhooks.dlq)
libs=$home/libs
pidfile=$home/kafka.pid
log=$home/kafka.log

say() { echo "kafka.sh: $*" >&2; }

running_pid() {
  [[ -f $pidfile ]] || return 1
  local pid
  pid=$(cat "$pidfile")
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && grep -q 'kafka.Kafka' "/proc/$pid/cmdline" 2>/dev/null; then
    echo "$pid"
    return 0
  fi
  return 1
}

fetch_jars() {
  [[ -f $libs/.complete ]] && return 0
  say "fetching the Kafka broker jars from Maven Central into $libs"
  mkdir -p "$libs"
  "$repo/mvnw" -B -q -f "$here/kafka-broker/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$libs" >&2
  touch "$libs/.complete"
}

tool() { # runs a Kafka command-line tool class quietly
  java -Xmx256m -Dlog4j2.configurationFile="$home/tools-log4j2.properties" -cp "$libs/*" "$@"
}

write_config() {
  mkdir -p "$home/data"
  cat > "$home/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$home/data
num.partitions=$partitions
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
  cat > "$home/log4j2.properties" <<PROPS
rootLogger.level=INFO
rootLogger.appenderRef.out.ref=out
appender.out.type=Console
appender.out.name=out
appender.out.target=SYSTEM_ERR
appender.out.layout.type=PatternLayout
appender.out.layout.pattern=[%d] %p %m (%c)%n
PROPS
  cat > "$home/tools-log4j2.properties" <<PROPS
rootLogger.level=ERROR
rootLogger.appenderRef.out.ref=out
appender.out.type=Console
appender.out.name=out
appender.out.target=SYSTEM_ERR
appender.out.layout.type=PatternLayout
appender.out.layout.pattern=%p %m%n
PROPS
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  if pid=$(running_pid); then
    say "already running (PID $pid) on 127.0.0.1:$port"
    return 0
  fi
  if port_taken "$port" || port_taken "$controller_port"; then
    say "port $port or $controller_port is in use by another process; set CALLGATE_LOCAL_KAFKA_PORT / _CONTROLLER_PORT"
    return 1
  fi
  command -v java >/dev/null || { say "java is not installed"; return 1; }
  fetch_jars
  write_config
  if [[ ! -f $home/data/meta.properties ]]; then
    local cluster_id
    cluster_id=$(tool kafka.tools.StorageTool random-uuid | tail -n 1)
    tool kafka.tools.StorageTool format -t "$cluster_id" -c "$home/server.properties" >/dev/null
  fi
  say "starting the broker on 127.0.0.1:$port (log: $log)"
  nohup java -Xms256m -Xmx512m -Dlog4j2.configurationFile="$home/log4j2.properties" \
    -cp "$libs/*" kafka.Kafka "$home/server.properties" >"$log" 2>&1 </dev/null &
  echo $! > "$pidfile"
  local deadline=$((SECONDS + 90))
  until tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$port" --list >/dev/null 2>&1; do
    if ! running_pid >/dev/null; then
      say "the broker exited; last lines of $log:"; tail -n 30 "$log" >&2; rm -f "$pidfile"; return 1
    fi
    if (( SECONDS > deadline )); then say "the broker did not answer within 90 s; see $log"; return 1; fi
    sleep 1
  done
  for topic in "${topics[@]}"; do
    tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$port" --create --if-not-exists \
      --topic "$topic" --partitions "$partitions" --replication-factor 1 >/dev/null
  done
  say "ready on 127.0.0.1:$port (PID $(cat "$pidfile")); topics: ${topics[*]}"
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    say "not running (no broker started by this script)"
    rm -f "$pidfile"
    return 0
  fi
  say "stopping the broker (PID $pid)"
  kill -TERM "$pid"
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS > deadline )); then say "still running after 30 s; killing"; kill -KILL "$pid"; fi
    sleep 0.5
  done
  rm -f "$pidfile"
  say "stopped"
}

status() {
  local pid
  if pid=$(running_pid); then
    echo "running (PID $pid) on 127.0.0.1:$port"
  else
    echo "not running"
    return 3
  fi
}

# Reads records (key and value, from the beginning) until interrupted: kafka.sh consume callgate.events
consume() {
  fetch_jars
  java -Xmx256m -Dlog4j2.configurationFile="$home/tools-log4j2.properties" -cp "$libs/*" \
    org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "127.0.0.1:$port" --topic "$1" \
    --from-beginning --property print.key=true --property key.separator=' | '
}

# Sends one record per stdin line "key|json": echo 'ref-1|{...}' | kafka.sh produce callgate.commands
produce() {
  fetch_jars
  java -Xmx256m -Dlog4j2.configurationFile="$home/tools-log4j2.properties" -cp "$libs/*" \
    org.apache.kafka.tools.ConsoleProducer --bootstrap-server "127.0.0.1:$port" --topic "$1" \
    --property parse.key=true --property key.separator='|'
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  consume) consume "${2:?topic}" ;;
  produce) produce "${2:?topic}" ;;
  *) echo "usage: $0 start|stop|status|consume TOPIC|produce TOPIC" >&2; exit 2 ;;
esac
