package dev.callgate.call;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callgate.ingress.WebhookRecord;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import java.time.Duration;

/**
 * Consumes {@code callgate.webhooks}: every call event is recorded once in {@code call_events} (a redelivered webhook,
 * same dedup id, is a no-op) and, in the same transaction, applied to its call by {@link CallOrchestrator}. A record that cannot be read goes to {@code callgate.webhooks.dlq} with the reason;
 * a record PostgreSQL refuses for its data ({@link StoreFailures}) goes there at once; any other database failure is
 * retried with backoff before the record is dead-lettered.
 */
@ApplicationScoped
public class WebhookEventRecorder {

    static final String CHANNEL = "webhooks-in";
    private static final Logger LOG = Logger.getLogger(WebhookEventRecorder.class);

    private final ObjectMapper mapper;
    private final MeterRegistry registry;
    private final CallOrchestrator orchestrator;

    public WebhookEventRecorder(ObjectMapper mapper, MeterRegistry registry, CallOrchestrator orchestrator) {
        this.mapper = mapper;
        this.registry = registry;
        this.orchestrator = orchestrator;
    }

    @Incoming(CHANNEL)
    public Uni<Void> record(String json) {
        WebhookRecord record;
        try {
            record = mapper.readValue(json, WebhookRecord.class);
        } catch (JsonProcessingException e) {
            registry.counter("callgate.call.events", "kind", "unknown", "result", "unreadable").increment();
            throw new IllegalArgumentException("unreadable callgate.webhooks record: " + e.getOriginalMessage(), e);
        }
        if (record.dedupId() == null || record.kind() == null || record.receivedAt() == null) {
            registry.counter("callgate.call.events", "kind", "unknown", "result", "unreadable").increment();
            throw new IllegalArgumentException("callgate.webhooks record lacks dedupId, kind or receivedAt");
        }
        return orchestrator.onWebhook(record, json)
                .onFailure(e -> StoreFailures.deterministic(e).isEmpty())
                .invoke(e -> {
                    registry.counter("callgate.call.webhooks.retries").increment();
                    LOG.warnf("call %s: storing %s %s failed, will retry: %s", record.key(), record.kind(),
                            record.event(), e.toString());
                })
                .onFailure(e -> StoreFailures.deterministic(e).isEmpty())
                .retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(5)).atMost(8)
                .onFailure(e -> StoreFailures.deterministic(e).isPresent())
                .transform(e -> new IllegalArgumentException("PostgreSQL refuses this record (SQLSTATE "
                        + StoreFailures.deterministic(e).orElseThrow() + "), a retry cannot help: " + e.getMessage(), e))
                .invoke(inserted -> {
                    registry.counter("callgate.call.events", "kind", record.kind().name().toLowerCase(),
                            "result", inserted ? "recorded" : "duplicate").increment();
                    if (inserted) {
                        LOG.infof("call %s: recorded %s %s", record.key(), record.kind(), record.event());
                    } else {
                        LOG.debugf("call %s: duplicate %s %s ignored (dedup %s)", record.key(), record.kind(),
                                record.event(), record.dedupId());
                    }
                })
                .onFailure().invoke(e -> LOG.errorf(e, "call %s: %s %s not stored; the record goes to the DLQ",
                        record.key(), record.kind(), record.event()))
                .replaceWithVoid();
    }
}
