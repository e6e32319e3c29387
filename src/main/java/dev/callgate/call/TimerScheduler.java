package dev.callgate.call;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/** Looks for due timers in {@code call_timers} and fires them through the orchestrator. */
@ApplicationScoped
public class TimerScheduler {

    private static final Logger LOG = Logger.getLogger(TimerScheduler.class);

    private final CallTimers timers;
    private final CallOrchestrator orchestrator;
    private final Vertx vertx;
    private final CallConfig config;
    private final AtomicBoolean polling = new AtomicBoolean();
    private long timer = -1;

    public TimerScheduler(CallTimers timers, CallOrchestrator orchestrator, Vertx vertx, CallConfig config) {
        this.timers = timers;
        this.orchestrator = orchestrator;
        this.vertx = vertx;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        timer = vertx.setPeriodic(config.timerPollInterval().toMillis(), id -> poll());
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    private void poll() {
        if (!polling.compareAndSet(false, true)) {
            return;
        }
        SafeContext.run(vertx, () -> timers.due(50)
                .chain(rows -> {
                    Uni<Void> fired = Uni.createFrom().voidItem();
                    for (Object[] row : rows) {
                        UUID callId = (UUID) row[0];
                        CallTimer which = CallTimer.valueOf((String) row[1]);
                        fired = fired.chain(() -> orchestrator.fireTimer(callId, which)
                                .onFailure().invoke(e -> LOG.errorf(e, "timer %s of call %s failed", which, callId))
                                .onFailure().recoverWithNull());
                    }
                    return fired;
                })
                .subscribe().with(ok -> polling.set(false), failure -> {
                    polling.set(false);
                    LOG.warnf("timer poll failed: %s", failure.toString());
                }));
    }
}
