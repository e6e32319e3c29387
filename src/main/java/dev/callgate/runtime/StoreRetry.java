package dev.callgate.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * How a Kafka consumer stores a record: a failure PostgreSQL will repeat ({@link StoreFailures#deterministic}) fails
 * the record at once with its reason (the channel's DLQ); any other failure — the database unreachable, a timeout, a
 * closed connection, a conflict — is transient and the work is retried <em>without limit</em>, with exponential
 * backoff and jitter capped at {@link Config#maxBackoff()}, until it commits. Nothing transient reaches a DLQ.
 *
 * <p>The retry runs inside the record's own Uni, so the record is not acknowledged meanwhile and the later records of
 * its call wait ({@link CallLanes}; once {@code max-in-flight} records wait, the connector pauses the partitions;
 * polling goes on, so the group keeps them). Each attempt runs on the record's Vert.x context, where Hibernate Reactive opens a fresh session.
 *
 * <p>Every failed attempt counts in {@code callgate_consumer_retries_total{channel}}. The first is logged at WARN
 * with the record's key; later ones at WARN at most once per {@link Config#logInterval()} (else DEBUG), and the
 * success after a retry at INFO. A failure that is not the database's (a bug) is retried as well and shows the same
 * way: dead-lettering it could lose a {@code call.terminate}; a fix deployed lets the record through.
 */
@ApplicationScoped
public class StoreRetry {

    private static final Logger LOG = Logger.getLogger(StoreRetry.class);

    private final Config config;
    private final MeterRegistry registry;

    public StoreRetry(Config config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    /** Retries of the Kafka consumers ({@code CALLGATE_CONSUMERS_RETRY_*}). */
    @ConfigMapping(prefix = "callgate.consumers.retry")
    public interface Config {

        /** Wait before the first retry; doubled after each failed attempt. */
        @WithDefault("200ms")
        Duration initialBackoff();

        /** Longest wait between two attempts. */
        @WithDefault("3s")
        Duration maxBackoff();

        /** Random spread of each wait, as a fraction of it (0: none, 0.5: ±50 %). */
        @WithDefault("0.5")
        double jitter();

        /** While a record keeps failing, how often its failure is logged at WARN again. */
        @WithDefault("30s")
        Duration logInterval();
    }

    /**
     * The result of {@code work}, retried until it succeeds or fails deterministically.
     *
     * @param channel the consumer's channel (metric tag, logs)
     * @param key     the record's key (the call), for the logs
     * @param what    what the record is, for the logs
     * @param work    one attempt: called again for every retry
     * @return the work's result; a deterministic failure as an {@link IllegalArgumentException} naming its SQLSTATE
     */
    public <T> Uni<T> untilStored(String channel, String key, String what, Supplier<Uni<? extends T>> work) {
        Context context = io.vertx.core.Vertx.currentContext();
        Attempts attempts = new Attempts(channel, key, what);
        return Uni.createFrom().<T>deferred(work)
                .onFailure(StoreRetry::isTransient).retry().when(failures -> failures.onItem()
                        .transformToUniAndConcatenate(failure -> pause(context, attempts.failed(failure))))
                .onFailure(e -> StoreFailures.deterministic(e).isPresent())
                .transform(e -> new IllegalArgumentException("PostgreSQL refuses this record (SQLSTATE "
                        + StoreFailures.deterministic(e).orElseThrow() + "), a retry cannot help: " + e.getMessage(), e))
                .invoke(attempts::succeeded);
    }

    private static boolean isTransient(Throwable failure) {
        return StoreFailures.deterministic(failure).isEmpty();
    }

    /** Completes after {@code delay}, on the record's context when there is one (the next attempt runs there). */
    private static Uni<Long> pause(Context context, Duration delay) {
        Context on = context != null ? context : io.vertx.core.Vertx.currentContext();
        if (on == null) {
            return Uni.createFrom().item(0L).onItem().delayIt().by(delay);
        }
        return Uni.createFrom().emitter(emitter -> on.owner().setTimer(Math.max(1, delay.toMillis()),
                id -> on.runOnContext(v -> emitter.complete(id))));
    }

    /** The failed attempts of one record: counts, logs, and the next wait. */
    private final class Attempts {
        private final String channel;
        private final String key;
        private final String what;
        private final long firstFailure = System.nanoTime();
        private long failed;
        private long lastWarning;

        Attempts(String channel, String key, String what) {
            this.channel = channel;
            this.key = key;
            this.what = what;
        }

        Duration failed(Throwable failure) {
            failed++;
            registry.counter("callgate.consumer.retries", "channel", channel).increment();
            Duration wait = backoff(failed);
            long now = System.nanoTime();
            if (failed == 1) {
                lastWarning = now;
                LOG.warnf("call %s: %s on %s not stored, retrying until it is (next in %d ms): %s", CallLog.key(key),
                        what, channel, wait.toMillis(), failure.toString());
            } else if (now - lastWarning >= config.logInterval().toNanos()) {
                lastWarning = now;
                LOG.warnf("call %s: %s on %s still not stored after %d attempts in %d s, retrying: %s",
                        CallLog.key(key), what, channel, failed, Duration.ofNanos(now - firstFailure).toSeconds(),
                        failure.toString());
            } else {
                LOG.debugf("call %s: %s on %s attempt %d failed: %s", key, what, channel, failed, failure.toString());
            }
            return wait;
        }

        void succeeded(Object ignored) {
            if (failed > 0) {
                LOG.infof("call %s: %s on %s stored after %d failed attempts in %d ms", CallLog.key(key), what,
                        channel, failed, Duration.ofNanos(System.nanoTime() - firstFailure).toMillis());
            }
        }

        /** initial × 2^(n-1), spread by the jitter, never above the cap. */
        private Duration backoff(long attempt) {
            double base = config.initialBackoff().toMillis() * Math.pow(2, Math.min(attempt - 1, 30));
            double spread = 1 + config.jitter() * (2 * ThreadLocalRandom.current().nextDouble() - 1);
            return Duration.ofMillis((long) Math.min(config.maxBackoff().toMillis(), Math.max(0, base * spread)));
        }
    }
}
