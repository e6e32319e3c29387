package dev.callgate.call.flow;

import dev.callgate.call.CallConfig;

import dev.callgate.runtime.Periodic;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.List;

/**
 * Drops parked webhooks that never found their call — calls of another app subscribed to the same WABA, stale
 * deliveries, connects Callgate never placed — once they are older than {@code CALLGATE_CALLS_PARKED_WEBHOOK_TTL}
 * (on the database's clock), each logged with its call id and counted. Safe with several instances (one delete).
 * First, each sweep replays the parked webhooks whose call has become known meanwhile (a crash between recording the
 * call id and replaying them leaves them here).
 */
@ApplicationScoped
public class ParkedWebhookExpiry {

    private static final Logger LOG = Logger.getLogger(ParkedWebhookExpiry.class);

    private final CallConfig config;
    private final Vertx vertx;
    private final MeterRegistry registry;
    private final CallOrchestrator orchestrator;
    private Periodic sweeper;

    public ParkedWebhookExpiry(CallConfig config, Vertx vertx, MeterRegistry registry, CallOrchestrator orchestrator) {
        this.orchestrator = orchestrator;
        this.config = config;
        this.vertx = vertx;
        this.registry = registry;
    }

    void start(@Observes StartupEvent event) {
        if (config.enabled()) {
            sweeper = Periodic.every(vertx, config.parkedWebhookSweepInterval(), "expiring parked webhooks",
                    () -> orchestrator.replayParkedOfKnownCalls()
                            .onFailure().invoke(e -> LOG.warnf("replaying parked webhooks failed: %s", e.toString()))
                            .onFailure().recoverWithItem(0)
                            .chain(this::expire));
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (sweeper != null) {
            sweeper.cancel();
        }
    }

    /** One sweep: deletes what has expired and reports it. */
    Uni<Void> expire() {
        return Panache.withTransaction(() -> Panache.getSession().chain(s -> s.createNativeQuery("""
                        delete from parked_webhooks
                        where parked_at < now() - ?1 * interval '1 millisecond'
                        returning whatsapp_call_id, payload->>'kind', payload->>'event'""", Object[].class)
                .setParameter(1, config.parkedWebhookTtl().toMillis()).getResultList()))
                .invoke((List<Object[]> rows) -> rows.forEach(row -> {
                    LOG.warnf("call %s: parked %s %s expired after %s: no call with this id became known (another "
                                    + "app's call on this WABA, a stale delivery, or a call Callgate never placed)",
                            row[0], row[1], row[2], config.parkedWebhookTtl());
                    registry.counter("callgate.call.webhooks.parked.expired").increment();
                }))
                .replaceWithVoid();
    }
}
