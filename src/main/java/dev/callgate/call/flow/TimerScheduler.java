package dev.callgate.call.flow;

import dev.callgate.call.CallConfig;
import dev.callgate.call.CallTimer;
import dev.callgate.call.store.CallTimers;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import dev.callgate.runtime.Periodic;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.UUID;

/** Looks for due timers in {@code call_timers} and fires them through the orchestrator. */
@ApplicationScoped
public class TimerScheduler {

    private static final Logger LOG = Logger.getLogger(TimerScheduler.class);

    private final CallTimers timers;
    private final CallOrchestrator orchestrator;
    private final Vertx vertx;
    private final CallConfig config;
    private Periodic poller;

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
        poller = Periodic.every(vertx, config.timerPollInterval(), "timer poll", this::poll);
    }

    void stop(@Observes ShutdownEvent event) {
        if (poller != null) {
            poller.cancel();
        }
    }

    private Uni<Void> poll() {
        return timers.due(50)
                .chain(rows -> {
                    Uni<Void> fired = Uni.createFrom().voidItem();
                    for (CallTimers.Due due : rows) {
                        UUID callId = due.callId();
                        CallTimer which = due.timer();
                        fired = fired.chain(() -> orchestrator.fireTimer(callId, which)
                                .onFailure().invoke(e -> LOG.errorf(e, "timer %s of call %s failed", which, callId))
                                .onFailure().recoverWithNull());
                    }
                    return fired;
                });
    }
}
