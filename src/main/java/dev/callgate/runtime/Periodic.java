package dev.callgate.runtime;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Runs a piece of reactive work every {@code interval}, never two runs at once (a slow run makes the next tick skip),
 * each on a fresh duplicated Vert.x context flagged safe; a failure is logged and the next tick tries again. While
 * the work keeps failing (PostgreSQL away) it is logged at WARN on the first failure and then at most every 30 s, with
 * how many failed meanwhile, and once at INFO when it works again — an outage does not flood the log.
 */
public final class Periodic {

    private static final Logger LOG = Logger.getLogger(Periodic.class);

    private final Vertx vertx;
    private final long timer;
    private static final long QUIET_NANOS = Duration.ofSeconds(30).toNanos();

    private final AtomicBoolean running = new AtomicBoolean();
    /** A nudge came while a run was going on: run again when it ends. */
    private final AtomicBoolean again = new AtomicBoolean();
    private final String what;
    private final Supplier<Uni<?>> work;
    private volatile boolean cancelled;
    /** Failed runs since the last success, and when the last WARN was logged (ticks never overlap). */
    private long failures;
    private long warnedAt;

    private Periodic(Vertx vertx, Duration interval, String what, Supplier<Uni<?>> work) {
        this.vertx = vertx;
        this.what = what;
        this.work = work;
        this.timer = vertx.setPeriodic(interval.toMillis(), id -> tick(what, work));
    }

    public static Periodic every(Vertx vertx, Duration interval, String what, Supplier<Uni<?>> work) {
        return new Periodic(vertx, interval, what, work);
    }

    /**
     * Runs the work now, outside the schedule (something told us there is work); if a run is going on, once more right
     * after it, so what that run may have missed is not left for the next tick.
     */
    public void nudge() {
        if (cancelled) {
            return;
        }
        again.set(true);
        tick(what, work);
    }

    private void tick(String what, Supplier<Uni<?>> work) {
        if (cancelled || !running.compareAndSet(false, true)) {
            return;
        }
        again.set(false);
        SafeContext.run(vertx, () -> work.get().subscribe().with(ok -> {
            if (failures > 0) {
                LOG.infof("%s works again after %d failed run(s)", what, failures);
                failures = 0;
            }
            running.set(false);
            if (again.get()) {
                tick(what, work);
            }
        }, failure -> {
            failures++;
            long now = System.nanoTime();
            if (failures == 1 || now - warnedAt >= QUIET_NANOS) {
                warnedAt = now;
                LOG.warnf("%s failed (%d run(s) in a row): %s", what, failures, failure.toString());
            } else {
                LOG.debugf("%s failed: %s", what, failure.toString());
            }
            running.set(false);
        }));
    }

    public void cancel() {
        cancelled = true;
        vertx.cancelTimer(timer);
    }
}
