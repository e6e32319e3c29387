package dev.callgate.call.flow;

import dev.callgate.call.CallDirection;
import dev.callgate.call.store.Call;
import dev.callgate.contract.CallEventType;
import dev.callgate.outbox.OutboxRelay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.callgate.outbox.EventOutbox;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;

/**
 * Writes lifecycle events as outbox rows inside the transition's transaction (Debezium's outbox pattern);
 * {@link OutboxRelay} publishes them to {@code callgate.events} as CloudEvents in structured JSON mode.
 */
@ApplicationScoped
public class CallEventOutbox {

    private final ObjectMapper mapper;
    private final EventOutbox events;

    public CallEventOutbox(ObjectMapper mapper, EventOutbox events) {
        this.mapper = mapper;
        this.events = events;
    }

    /** Adds the event for the call as it stands now; must run inside the transition's transaction. */
    Uni<Void> add(Call call, CallEventType type, Instant now) {
        return add(call, type, now, null);
    }

    /** As {@link #add(Call, CallEventType, Instant)}, with fields of its own ({@code extra}) in the data. */
    Uni<Void> add(Call call, CallEventType type, Instant now, ObjectNode extra) {
        ObjectNode data = mapper.createObjectNode();
        data.put("callRef", call.callRef);
        data.put("whatsappCallId", call.whatsappCallId);
        data.put("direction", call.direction.name());
        data.put("phoneNumberId", call.phoneNumberId);
        if (call.direction == CallDirection.USER_INITIATED) {
            putIfKnown(data, "from", call.userWaId);
            putIfKnown(data, "fromUserId", call.userId);
            if (call.deeplinkPayload != null) {
                data.put("deeplinkPayload", call.deeplinkPayload);
            }
            if (call.ctaPayload != null) {
                data.put("ctaPayload", call.ctaPayload);
            }
        } else {
            putIfKnown(data, "to", call.userWaId);
            putIfKnown(data, "recipient", call.userId);
        }
        putIfKnown(data, "bizOpaqueCallbackData", call.bizOpaqueCallbackData); // the caller's own value
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
            data.put("recording", recordingHref(call.callRef)); // where to fetch it, never a server file path
        }
        if (call.metaStatus != null) {
            // what Meta's terminate webhook said (its duration is what Meta bills), beside Callgate's own times
            ObjectNode meta = data.putObject("meta");
            meta.put("status", call.metaStatus);
            if (call.metaStartTime != null) {
                meta.put("startTime", call.metaStartTime.toString());
            }
            if (call.metaEndTime != null) {
                meta.put("endTime", call.metaEndTime.toString());
            }
            if (call.metaDurationSeconds != null) {
                meta.put("durationSeconds", call.metaDurationSeconds);
            }
        }
        if (call.metaEndRequested && (type == CallEventType.ENDED || type == CallEventType.RECONCILED)) {
            // Callgate asked Meta to end the call: whether Meta confirmed it (false: terminate keeps being retried)
            data.put("terminateConfirmed", call.metaEndConfirmed());
        }
        if (call.quality != null && type == CallEventType.ENDED) {
            quality(call).ifPresent(q -> data.set("quality", q)); // the last sample written before the call ended
        }
        if (extra != null) {
            data.setAll(extra);
        }
        // the event continues the call's trace: under the transition that published it
        return events.add(call.callRef, type.cloudEventType(), data, now, call.productsTrace());
    }

    private java.util.Optional<com.fasterxml.jackson.databind.JsonNode> quality(Call call) {
        try {
            return java.util.Optional.of(mapper.readTree(call.quality));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            org.jboss.logging.Logger.getLogger(CallEventOutbox.class)
                    .warnf("call %s: its stored quality sample is not JSON; left out of the event", call.callRef);
            return java.util.Optional.empty();
        }
    }

    private static void putIfKnown(ObjectNode data, String field, String value) {
        if (value != null) {
            data.put(field, value);
        }
    }

    /** The REST path of a call's recording: {@code /v1/calls/<callRef, percent-encoded>/recording}. */
    public static String recordingHref(String callRef) {
        return jakarta.ws.rs.core.UriBuilder.fromPath("/v1/calls/{callRef}/recording")
                .build(new Object[]{callRef}, true).toString();
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
        return events.add(key, type, data, now);
    }
}
