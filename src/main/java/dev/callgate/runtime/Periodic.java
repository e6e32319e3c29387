package dev.callgate.runtime;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Runs a piece of reactive work every {@code interval}, never two runs at once (a slow run makes the next tick skip),
 * each on a fresh duplicated Vert.x context flagged safe; a failure is logged and the next tick tries again.
 */
public final class Periodic {

    private static final Logger LOG = Logger.getLogger(Periodic.class);

    private final Vertx vertx;
    private final long timer;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile boolean cancelled;

    private Periodic(Vertx vertx, Duration interval, String what, Supplier<Uni<?>> work) {
        this.vertx = vertx;
        this.timer = vertx.setPeriodic(interval.toMillis(), id -> tick(what, work));
    }

    public static Periodic every(Vertx vertx, Duration interval, String what, Supplier<Uni<?>> work) {
        return new Periodic(vertx, interval, what, work);
    }

    private void tick(String what, Supplier<Uni<?>> work) {
        if (cancelled || !running.compareAndSet(false, true)) {
            return;
        }
        SafeContext.run(vertx, () -> work.get().subscribe().with(ok -> running.set(false), failure -> {
            running.set(false);
            LOG.warnf("%s failed: %s", what, failure.toString());
        }));
    }

    public void cancel() {
        cancelled = true;
        vertx.cancelTimer(timer);
    }
}
