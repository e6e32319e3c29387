package dev.callgate.call.store;

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

import java.time.Duration;
import java.util.List;

/**
 * Prunes what is only kept for a while (on the database's clock, in batches so no sweep holds long locks): outbox rows
 * once published, processed command ids (the dedup window for repeated commands), stored webhook records (the dedup
 * window for Meta's redeliveries, and the call's history) and finished effects. Calls themselves are kept. Parked
 * webhooks expire on their own ({@code call.flow.ParkedWebhookExpiry}). Safe with several instances (plain deletes).
 */
@ApplicationScoped
public class Retention {

    private static final Logger LOG = Logger.getLogger(Retention.class);
    private static final int BATCH = 5000;

    private record Rule(String table, String idColumn, String condition, Duration keep) {
    }

    private final CallConfig config;
    private final Vertx vertx;
    private final MeterRegistry registry;
    private Periodic sweeper;

    public Retention(CallConfig config, Vertx vertx, MeterRegistry registry) {
        this.config = config;
        this.vertx = vertx;
        this.registry = registry;
    }

    void start(@Observes StartupEvent event) {
        if (config.enabled()) {
            sweeper = Periodic.every(vertx, config.retention().interval(), "retention", this::sweep);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (sweeper != null) {
            sweeper.cancel();
        }
    }

    private List<Rule> rules() {
        CallConfig.Retention keep = config.retention();
        return List.of(
                new Rule("outbox", "id", "published_at is not null and published_at", keep.publishedEvents()),
                new Rule("processed_commands", "command_id", "processed_at", keep.processedCommands()),
                new Rule("call_events", "id", "recorded_at", keep.webhookRecords()),
                new Rule("call_transitions", "id", "at", keep.webhookRecords()),
                new Rule("call_effects", "id", "done_at is not null and done_at", keep.finishedEffects()));
    }

    /** One sweep over every table; returns how many rows went. */
    public Uni<Integer> sweep() {
        Uni<Integer> total = Uni.createFrom().item(0);
        for (Rule rule : rules()) {
            total = total.chain(sum -> prune(rule).map(n -> sum + n));
        }
        return total;
    }

    private Uni<Integer> prune(Rule rule) {
        String sql = "delete from " + rule.table() + " where " + rule.idColumn() + " in (select " + rule.idColumn()
                + " from " + rule.table() + " where " + rule.condition()
                + " < now() - make_interval(secs => ?1) limit " + BATCH + ")";
        return Panache.withTransaction(() -> Panache.getSession().chain(s -> s.createNativeQuery(sql)
                        .setParameter(1, rule.keep().toMillis() / 1000.0).executeUpdate()))
                .invoke(n -> {
                    if (n > 0) {
                        LOG.infof("retention: %d row(s) of %s older than %s removed", n, rule.table(), rule.keep());
                        registry.counter("callgate.retention.pruned", "table", rule.table()).increment(n);
                    }
                });
    }
}
