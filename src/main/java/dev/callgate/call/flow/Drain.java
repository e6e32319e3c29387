package dev.callgate.call.flow;

import dev.callgate.call.CallConfig;
import dev.callgate.call.CallSignal;
import dev.callgate.call.CallState;
import dev.callgate.call.store.Call;
import dev.callgate.cluster.Instance;
import dev.callgate.cluster.MediaPlacement;

import dev.callgate.media.MediaWorkerPool;
import dev.callgate.runtime.SafeContext;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Vertx;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

/**
 * Graceful shutdown (SIGTERM): this instance stops taking new calls — readiness goes DOWN, it says so at once in
 * {@code instances} (so no one places media here), the new calls it still consumes get their media on another live
 * instance with room ({@link MediaPlacement}; only when there is none is a {@code call.initiate} left on Kafka for the
 * instance that takes this partition over) — and lets its active calls finish for up to
 * {@code callgate.calls.drain-timeout}; then it hangs up the rest (terminate at the Cloud API) and waits for them to
 * end before the process goes on stopping.
 */
@ApplicationScoped
public class Drain {

    private static final Logger LOG = Logger.getLogger(Drain.class);
    private static final Duration AFTER_DEADLINE = Duration.ofSeconds(15);

    private final MediaWorkerPool media;
    private final CallOrchestrator orchestrator;
    private final Instance instance;
    private final CallConfig config;
    private final Vertx vertx;
    private final MediaRecovery recovery;
    private volatile boolean draining;

    public Drain(MediaWorkerPool media, CallOrchestrator orchestrator, Instance instance, CallConfig config,
                 Vertx vertx, MediaRecovery recovery) {
        this.recovery = recovery;
        this.media = media;
        this.orchestrator = orchestrator;
        this.instance = instance;
        this.config = config;
        this.vertx = vertx;
    }

    public boolean draining() {
        return draining;
    }

    int activeCalls() {
        return media.activeCalls();
    }

    /** Readiness: DOWN while draining, so no load balancer sends new work here. */
    @Readiness
    @ApplicationScoped
    static class Check implements HealthCheck {

        private final Drain drain;

        Check(Drain drain) {
            this.drain = drain;
        }

        @Override
        public HealthCheckResponse call() {
            boolean draining = drain.draining();
            return HealthCheckResponse.named("calls").status(!draining)
                    .withData("draining", draining).withData("activeCalls", drain.activeCalls()).build();
        }
    }

    /**
     * Takes no new calls from now on (readiness DOWN, media refused here, {@code instances.draining} said at once) and
     * lets the active ones go on — the start of a drain, or of a recycle ({@link Recycle}). Not on an event loop.
     */
    void stopTakingCalls() {
        draining = true;
        media.drain();
        try {
            // say it now, not at the next heartbeat: other instances stop placing new calls' media here
            SafeContext.on(vertx, recovery::heartbeat).await().atMost(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            LOG.warnf("draining: could not tell the other instances yet: %s", e.toString());
        }
    }

    /** Runs first on shutdown, while Kafka, PostgreSQL and the Cloud API client still work. */
    void onShutdown(@Observes @Priority(1) ShutdownEvent event) {
        if (!config.enabled()) {
            return;
        }
        stopTakingCalls();
        long deadline = System.nanoTime() + config.drainTimeout().toNanos();
        if (media.activeCalls() > 0) {
            LOG.infof("draining: %d call(s) may finish within %s; no new calls", media.activeCalls(),
                    config.drainTimeout());
        }
        while (media.activeCalls() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
        List<UUID> live = calls(false);
        if (live.isEmpty()) {
            LOG.info("drained: no calls left");
            return;
        }
        LOG.warnf("drain deadline: hanging up %d call(s)", live.size());
        for (UUID id : live) {
            try {
                SafeContext.on(vertx, () -> orchestrator.signal(id, new CallSignal.HangUp()))
                        .await().atMost(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warnf("call %s could not be hung up in the drain: %s", id, e.toString());
            }
        }
        long end = System.nanoTime() + AFTER_DEADLINE.toNanos();
        while (!calls(true).isEmpty() && System.nanoTime() < end) {
            LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
        }
        int left = calls(true).size();
        if (left > 0) {
            LOG.warnf("drained: %d call(s) terminated but not yet confirmed by Meta", left);
        } else {
            LOG.info("drained: every call ended");
        }
    }

    /** Calls whose media this instance holds and that have not ended; TERMINATING ones too when asked. */
    private List<UUID> calls(boolean terminatingToo) {
        List<CallState> over = terminatingToo ? List.of(CallState.ENDED)
                : List.of(CallState.ENDED, CallState.TERMINATING);
        try {
            return SafeContext.on(vertx, () -> Panache.withSession(() -> Call.<Call>list(
                            "mediaOwner = ?1 and state not in ?2", instance.id(), over)))
                    .map(calls -> calls.stream().map(c -> c.id).toList())
                    .await().atMost(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            LOG.warnf("the drain cannot read the calls: %s", e.toString());
            return List.of();
        }
    }
}
