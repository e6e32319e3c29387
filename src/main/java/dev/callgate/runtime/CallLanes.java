package dev.callgate.runtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A Kafka consumer's records, worked per call: the records of one call (one Kafka key) one after the other in the
 * order they arrived, those of different calls in parallel — a slow record, or one retried while PostgreSQL is away,
 * holds back only its own call.
 *
 * <p>{@link #admit} hands a record over and completes as soon as it is queued on its call's lane, so the channel takes
 * the next record at once; the record is acknowledged when its work succeeded and nacked (the channel's DLQ, with the
 * reason) when it failed. At most {@code maxInFlight} records are admitted and not yet done: past that, {@code admit}
 * completes only when one finishes, so the connector's queue fills and it pauses the partitions — the back-pressure
 * of a database outage. Offsets are committed by the connector's throttled strategy, which commits a partition only
 * up to its oldest record not yet acknowledged: a crash repeats records (the consumers are idempotent), it loses none.
 *
 * <p>Each record's work runs on a fresh safe Vert.x context ({@link SafeContext}), so Hibernate Reactive opens a
 * session of its own for it, with the record's trace context current (the connector's receive span). In-flight
 * records show as {@code callgate_consumer_in_flight{channel}}, records written to the DLQ as
 * {@code callgate_consumer_dead_lettered_total{channel}} (registered at 0, so the first one after a start is seen by
 * Prometheus' {@code increase()} too).
 */
public final class CallLanes {

    private static final Logger LOG = Logger.getLogger(CallLanes.class);

    private final String channel;
    private final int maxInFlight;
    private final Vertx vertx;
    private final Counter deadLettered;
    /** Per call: the completion of its last admitted record; the next record of that call starts after it. */
    private final Map<String, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    private int inFlight;
    private final boolean traced;

    /** @param traced whether a record's trace goes with its work (tracing on) */
    public CallLanes(String channel, int maxInFlight, Vertx vertx, MeterRegistry registry, boolean traced) {
        this.traced = traced;
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("max in-flight records of " + channel + " must be at least 1");
        }
        this.channel = channel;
        this.maxInFlight = maxInFlight;
        this.vertx = vertx;
        Gauge.builder("callgate.consumer.in.flight", this, CallLanes::inFlight).tag("channel", channel)
                .description("records taken from the channel and not yet done").register(registry);
        this.deadLettered = Counter.builder("callgate.consumer.dead.lettered").tag("channel", channel)
                .description("records that failed for good and were written to the channel's DLQ").register(registry);
    }

    /**
     * Nacks a record to the channel's DLQ with the reason and counts it once the DLQ has it: a lane's failed work, and
     * a record the consumer refuses before it reaches a lane (it cannot be read).
     */
    public <T> CompletionStage<Void> deadLetter(Message<T> message, Throwable reason) {
        return message.nack(reason).thenRun(deadLettered::increment);
    }

    /**
     * Queues {@code message}'s work on the lane of {@code key}; the returned Uni completes once it is queued (at once
     * while fewer than the limit are in flight). The work's success acknowledges the message, its failure nacks it.
     *
     * @param key  the call the record belongs to (its Kafka key); records without one share the lane {@code ""}
     * @param work the record's work, subscribed once the call's earlier records are done
     */
    public <T> Uni<Void> admit(Message<T> message, String key, Supplier<Uni<?>> work) {
        String lane = key == null ? "" : key;
        Context caller = Vertx.currentContext();
        // the record's trace (the connector's receive span, current on the message's context) goes with its work
        io.opentelemetry.context.Context trace = !traced ? null
                : io.smallrye.reactive.messaging.TracingMetadata.fromMessage(message)
                .map(io.smallrye.reactive.messaging.TracingMetadata::getCurrentContext)
                .orElseGet(io.opentelemetry.context.Context::current);
        return permit(caller).invoke(() -> queue(message, lane, trace, work));
    }

    /** Records admitted and not yet done. */
    public synchronized int inFlight() {
        return inFlight;
    }

    private <T> void queue(Message<T> message, String lane, io.opentelemetry.context.Context trace,
                           Supplier<Uni<?>> work) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        AtomicReference<CompletableFuture<Void>> before = new AtomicReference<>();
        tails.compute(lane, (k, previous) -> {
            before.set(previous);
            return done;
        });
        Runnable start = () -> SafeContext.run(vertx, trace, () -> {
            Uni<?> attempt;
            try {
                attempt = work.get();
            } catch (RuntimeException e) {
                attempt = Uni.createFrom().failure(e);
            }
            attempt.subscribe().with(
                    ok -> finish(lane, done, message.ack()),
                    failure -> finish(lane, done, deadLetter(message, failure)));
        });
        CompletableFuture<Void> previous = before.get();
        if (previous == null) {
            start.run();
        } else {
            previous.whenComplete((ok, e) -> start.run());
        }
    }

    /** After the acknowledgement (or the DLQ write) is done: frees the lane and a slot, then starts what waits. */
    private void finish(String lane, CompletableFuture<Void> done, CompletionStage<Void> settled) {
        settled.whenComplete((ok, e) -> {
            if (e != null) {
                LOG.errorf(e, "call %s: a record on %s could not be settled", CallLog.key(lane), channel);
            }
            tails.remove(lane, done);
            release();
            done.complete(null);
        });
    }

    private Uni<Void> permit(Context caller) {
        synchronized (this) {
            if (inFlight < maxInFlight) {
                inFlight++;
                return Uni.createFrom().voidItem();
            }
        }
        return Uni.createFrom().emitter(emitter -> {
            Runnable granted = () -> {
                if (caller != null) {
                    caller.runOnContext(v -> emitter.complete(null));
                } else {
                    emitter.complete(null);
                }
            };
            boolean now;
            synchronized (this) {
                now = inFlight < maxInFlight;
                if (now) {
                    inFlight++;
                } else {
                    waiting.add(granted);
                }
            }
            if (now) {
                granted.run();
            }
        });
    }

    /** A slot freed: handed to the first waiter (the count stays), or returned. */
    private void release() {
        Runnable next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                inFlight--;
            }
        }
        if (next != null) {
            next.run();
        }
    }
}
