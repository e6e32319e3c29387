package dev.callgate.call;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.UUID;

/**
 * Writes lifecycle events as outbox rows inside the transition's transaction (Debezium's outbox pattern);
 * {@link OutboxRelay} publishes them to {@code callgate.events} as CloudEvents in structured JSON mode.
 */
@ApplicationScoped
public class CallEventOutbox {

    public static final String TOPIC = "callgate.events";

    private final ObjectMapper mapper;

    public CallEventOutbox(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Adds the event for the call as it stands now; must run inside the transition's transaction. */
    Uni<Void> add(Call call, CallEventType type, Instant now) {
        ObjectNode data = mapper.createObjectNode();
        data.put("callRef", call.callRef);
        data.put("whatsappCallId", call.whatsappCallId);
        data.put("direction", call.direction.name());
        data.put("phoneNumberId", call.phoneNumberId);
        if (call.direction == CallDirection.USER_INITIATED) {
            data.put("from", call.userWaId);
            if (call.deeplinkPayload != null) {
                data.put("deeplinkPayload", call.deeplinkPayload);
            }
            if (call.ctaPayload != null) {
                data.put("ctaPayload", call.ctaPayload);
            }
        } else {
            data.put("to", call.userWaId);
        }
        data.put("state", call.state.name());
        if (call.outcome != null) {
            data.put("outcome", call.outcome.name());
        }
        if (call.failureReason != null) {
            data.put("reason", call.failureReason);
        }
        if (call.errorCode != null) {
            data.put("errorCode", call.errorCode);
            data.put("errorMessage", call.errorMessage);
        }
        if (call.durationSeconds != null) {
            data.put("durationSeconds", call.durationSeconds);
        }
        data.put("createdAt", call.createdAt.toString());
        if (call.startedAt != null) {
            data.put("startedAt", call.startedAt.toString());
        }
        if (call.endedAt != null) {
            data.put("endedAt", call.endedAt.toString());
        }
        if (call.recordingPath != null) {
            data.put("recording", call.recordingPath);
        }
        return add(call.callRef, type.cloudEventType(), data, now);
    }

    /** A command refused before any call existed (invalid, or for an unknown callRef). */
    Uni<Void> refused(String callRef, String commandId, String reason, Instant now) {
        ObjectNode data = mapper.createObjectNode();
        data.put("callRef", callRef);
        data.put("commandId", commandId);
        data.put("reason", reason);
        return add(callRef, "dev.callgate.call.refused", data, now);
    }

    private Uni<Void> add(String key, String type, ObjectNode data, Instant now) {
        ObjectNode event = mapper.createObjectNode();
        event.put("specversion", "1.0");
        event.put("id", UUID.randomUUID().toString());
        event.put("source", "urn:callgate");
        event.put("type", type);
        event.put("subject", key);
        event.put("time", now.toString());
        event.put("datacontenttype", "application/json");
        event.set("data", data);
        String json;
        try {
            json = mapper.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        return Panache.getSession().chain(session -> session.createNativeQuery(
                        "insert into outbox (topic, record_key, payload) values (?1, ?2, cast(cast(?3 as text) as jsonb))")
                .setParameter(1, TOPIC).setParameter(2, key).setParameter(3, json).executeUpdate())
                .replaceWithVoid();
    }
}
