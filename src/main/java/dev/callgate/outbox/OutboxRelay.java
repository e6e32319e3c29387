package dev.callgate.outbox;

import dev.callgate.call.CallConfig;

import dev.callgate.runtime.SafeContext;
import dev.callgate.tracing.CallTracing;
import dev.callgate.tracing.TraceParent;
import io.opentelemetry.api.trace.Span;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Publishes committed outbox rows to Kafka, oldest first, and marks them published once the broker acknowledged them.
 * One instance relays at a time (a transaction-scoped advisory lock; the others find it taken and leave the batch to
 * it), so the events of a call leave in the order they were written even when several instances run — with
 * {@code skip locked} alone, a second instance would publish a call's later event while the first still held its
 * earlier one. A crash between the ack and the mark republishes a row (consumers dedup on the CloudEvent id).
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final int BATCH = 100;

    private final MutinyEmitter<String> emitter;
    private final Vertx vertx;
    private final CallConfig config;
    private final CallTracing tracing;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    private volatile boolean stopped;
    private long timer = -1;

    public OutboxRelay(@Channel("events-out") MutinyEmitter<String> emitter, Vertx vertx, CallConfig config,
                       CallTracing tracing) {
        this.tracing = tracing;
        this.emitter = emitter;
        this.vertx = vertx;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        if (!config.enabled()) {
            stopped = true;
            return;
        }
        timer = vertx.setPeriodic(200, id -> wakeUp());
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** Publish now (after a commit that added rows); coalesces with a run in progress. */
    public void wakeUp() {
        if (stopped) {
            return;
        }
        if (!running.compareAndSet(false, true)) {
            again.set(true);
            return;
        }
        SafeContext.run(vertx, () ->
                relayBatch().subscribe().with(count -> {
                    running.set(false);
                    if (count == BATCH || again.getAndSet(false)) {
                        wakeUp();
                    }
                }, failure -> {
                    running.set(false);
                    LOG.warnf("outbox relay: %s (will retry)", failure.toString());
                }));
    }

    private Uni<Integer> relayBatch() {
        return Panache.withTransaction(() -> Panache.getSession().chain(session -> session
                .createNativeQuery("select pg_try_advisory_xact_lock(hashtext('callgate:outbox-relay'))",
                        Boolean.class).getSingleResult()
                .chain(relaying -> !relaying ? Uni.createFrom().item(List.<Object[]>of()) : session.createNativeQuery("""
                        select id, topic, record_key, cast(payload as text), trace_parent from outbox
                         where published_at is null order by id limit ?1 for update""", Object[].class)
                .setParameter(1, BATCH)
                .getResultList())
                .chain(rows -> {
                    if (rows.isEmpty()) {
                        return Uni.createFrom().item(0);
                    }
                    List<Uni<Void>> sends = new ArrayList<>();
                    List<Long> ids = new ArrayList<>();
                    for (Object[] row : rows) {
                        ids.add(((Number) row[0]).longValue());
                        sends.add(send((String) row[1], (String) row[2], (String) row[3], (String) row[4]));
                    }
                    return Uni.join().all(sends).andFailFast()
                            .ifNoItem().after(Duration.ofSeconds(10)).fail()
                            .chain(() -> session.createNativeQuery(
                                            "update outbox set published_at = now() where id = any(?1)")
                                    .setParameter(1, ids.toArray(new Long[0])).executeUpdate())
                            .replaceWith(rows.size());
                })));
    }

    /**
     * One record; with tracing on, a producer span under the row's parent (the transition that wrote it) whose
     * {@code traceparent} header lets consumers downstream continue the call's trace.
     */
    private Uni<Void> send(String topic, String key, String cloudEvent, String traceParent) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("content-type", "application/cloudevents+json; charset=UTF-8".getBytes(StandardCharsets.UTF_8));
        Span span = tracing.publish(topic, TraceParent.context(traceParent), headers);
        return emitter.sendMessage(Message.of(cloudEvent).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(key).withHeaders(headers).build()))
                .onTermination().invoke((ok, failure, cancelled) -> CallTracing.end(span, failure));
    }
}
