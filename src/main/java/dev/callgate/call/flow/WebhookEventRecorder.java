package dev.callgate.call.flow;

import dev.callgate.call.store.CallEvent;
import dev.callgate.call.store.NulCharacters;

import dev.callgate.runtime.StoreRetry;
import dev.callgate.runtime.StoreFailures;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callgate.contract.WebhookRecord;
import io.micrometer.core.instrument.MeterRegistry;
import dev.callgate.runtime.CallLanes;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Consumes {@code callgate.webhooks}: every call event is recorded once in {@code call_events} (a redelivered webhook,
 * same dedup id, is a no-op) and, in the same transaction, applied to its call by {@link CallOrchestrator}. A record
 * that cannot be read goes to {@code callgate.webhooks.dlq} with the reason, and so does a record PostgreSQL refuses
 * for its data ({@link StoreFailures}), at once; any other failure is retried without limit ({@link StoreRetry}) while
 * that call's later records wait — other calls' records go on in parallel ({@link CallLanes}, at most
 * {@code CALLGATE_CONSUMERS_MAX_IN_FLIGHT} at a time). A record whose JSON carries {@code \u0000} is escaped as it is read
 * ({@link NulCharacters}) and its text as received kept in {@code call_events.original}.
 */
// created at start, not at the first record: its DLQ counter is exported at 0 from the first scrape, so the alerts'
// increase() sees the first record dead-lettered after a start (PrometheusRulesTest)
@io.quarkus.runtime.Startup
@ApplicationScoped
public class WebhookEventRecorder {

    public static final String CHANNEL = "webhooks-in";
    private static final Logger LOG = Logger.getLogger(WebhookEventRecorder.class);

    private final ObjectMapper mapper;
    private final MeterRegistry registry;
    private final CallOrchestrator orchestrator;
    private final StoreRetry retry;
    private final CallLanes lanes;

    public WebhookEventRecorder(ObjectMapper mapper, MeterRegistry registry, CallOrchestrator orchestrator,
                                StoreRetry retry, Vertx vertx, dev.callgate.tracing.CallTracing tracing,
                                @ConfigProperty(name = "callgate.consumers.max-in-flight", defaultValue = "64")
                                int maxInFlight) {
        this.lanes = new CallLanes(CHANNEL, maxInFlight, vertx, registry, tracing.enabled());
        this.mapper = mapper;
        this.registry = registry;
        this.orchestrator = orchestrator;
        this.retry = retry;
    }

    @Incoming(CHANNEL)
    public Uni<Void> consume(Message<String> message) {
        String json = message.getPayload();
        Read read;
        try {
            read = read(json);
        } catch (IllegalArgumentException unreadable) {
            return Uni.createFrom().completionStage(() -> lanes.deadLetter(message, unreadable));
        }
        return lanes.admit(message, read.record().key(), () -> record(read.record(), read.stored(), json));
    }

    /** A record as read, and its text as stored (its strings' {@code \u0000} escaped). */
    private record Read(WebhookRecord record, String stored) {
    }

    /** The record; one that cannot be read fails with the reason. */
    private Read read(String json) {
        WebhookRecord record;
        String stored = json;
        try {
            if (NulCharacters.mayHold(json)) {
                JsonNode tree = mapper.readTree(json);
                JsonNode escaped = NulCharacters.escape(tree);
                if (escaped != tree) {
                    stored = mapper.writeValueAsString(escaped);
                }
                record = mapper.treeToValue(escaped, WebhookRecord.class);
            } else {
                record = mapper.readValue(json, WebhookRecord.class);
            }
        } catch (JsonProcessingException e) {
            registry.counter("callgate.call.events", "kind", "unknown", "result", "unreadable").increment();
            throw new IllegalArgumentException("unreadable callgate.webhooks record: " + e.getOriginalMessage(), e);
        }
        if (record == null || record.dedupId() == null || record.kind() == null || record.receivedAt() == null) {
            registry.counter("callgate.call.events", "kind", "unknown", "result", "unreadable").increment();
            throw new IllegalArgumentException("callgate.webhooks record lacks dedupId, kind or receivedAt");
        }
        return new Read(record, stored);
    }

    /** Stores {@code read} (as {@code payload}) and applies it to its call, retried until stored. */
    private Uni<Void> record(WebhookRecord read, String payload, String json) {
        if (read.kind() == WebhookRecord.Kind.CALL) {
            dev.callgate.runtime.CallLog.name(null, read.callId());
        }
        String what = read.kind() + " " + read.event();
        Uni<Boolean> recorded = retry.untilStored(CHANNEL, read.key(), what,
                () -> orchestrator.onWebhook(read, payload));
        if (!payload.equals(json)) {
            recorded = recorded.call(inserted -> retry.untilStored(CHANNEL, read.key(), what + " (original)",
                    () -> CallEvent.keepOriginal(read.dedupId(), json)));
        }
        return recorded
                .invoke(inserted -> {
                    registry.counter("callgate.call.events", "kind", read.kind().name().toLowerCase(),
                            "result", inserted ? "recorded" : "duplicate").increment();
                    if (inserted) {
                        LOG.infof("call %s: recorded %s", dev.callgate.runtime.CallLog.key(read.key()), what);
                    } else {
                        LOG.debugf("call %s: duplicate %s ignored (dedup %s)", read.key(), what, read.dedupId());
                    }
                })
                .onFailure().invoke(e -> LOG.errorf(e, "call %s: %s not stored; the record goes to the DLQ",
                        dev.callgate.runtime.CallLog.key(read.key()), what))
                .replaceWithVoid();
    }
}
