package dev.callgate.call;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callgate.ingress.WebhookRecord;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes {@code callgate.webhooks}: every call event is recorded once in {@code call_events} (a redelivered webhook,
 * same dedup id, is a no-op) and, in the same transaction, applied to its call by {@link CallOrchestrator}. A record
 * that cannot be read goes to {@code callgate.webhooks.dlq} with the reason, and so does a record PostgreSQL refuses
 * for its data ({@link StoreFailures}), at once; any other failure is retried without limit ({@link StoreRetry}) while
 * the records behind it wait.
 */
@ApplicationScoped
public class WebhookEventRecorder {

    static final String CHANNEL = "webhooks-in";
    private static final Logger LOG = Logger.getLogger(WebhookEventRecorder.class);

    private final ObjectMapper mapper;
    private final MeterRegistry registry;
    private final CallOrchestrator orchestrator;
    private final StoreRetry retry;

    public WebhookEventRecorder(ObjectMapper mapper, MeterRegistry registry, CallOrchestrator orchestrator,
                                StoreRetry retry) {
        this.mapper = mapper;
        this.registry = registry;
        this.orchestrator = orchestrator;
        this.retry = retry;
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
        if (record == null || record.dedupId() == null || record.kind() == null || record.receivedAt() == null) {
            registry.counter("callgate.call.events", "kind", "unknown", "result", "unreadable").increment();
            throw new IllegalArgumentException("callgate.webhooks record lacks dedupId, kind or receivedAt");
        }
        WebhookRecord read = record;
        String what = record.kind() + " " + record.event();
        return retry.untilStored(CHANNEL, record.key(), what, () -> orchestrator.onWebhook(read, json))
                .invoke(inserted -> {
                    registry.counter("callgate.call.events", "kind", read.kind().name().toLowerCase(),
                            "result", inserted ? "recorded" : "duplicate").increment();
                    if (inserted) {
                        LOG.infof("call %s: recorded %s", read.key(), what);
                    } else {
                        LOG.debugf("call %s: duplicate %s ignored (dedup %s)", read.key(), what, read.dedupId());
                    }
                })
                .onFailure().invoke(e -> LOG.errorf(e, "call %s: %s not stored; the record goes to the DLQ",
                        read.key(), what))
                .replaceWithVoid();
    }
}
