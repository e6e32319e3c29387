package dev.callgate.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.callgate.cloudapi.CallingError;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * The webhooks Meta sends and in which order: a call's webhooks one after another on the call's own line (recorded on
 * the call for its report), a user's permission replies and message statuses on the user's line. Bodies come from
 * {@link WebhookPayloads}; {@link WebhookDelivery} signs, posts and retries. Call methods run under the number's lock.
 */
final class MetaWebhooks {

    private final WebhookPayloads payloads;
    private final WebhookDelivery delivery;

    MetaWebhooks(WebhookPayloads payloads, WebhookDelivery delivery) {
        this.payloads = payloads;
        this.delivery = delivery;
    }

    /** A call event with its SDP; completes once delivered (the connect webhook, for connectBeforeResponse). */
    CompletableFuture<Void> callEvent(SimulatedNumber number, SimulatedCall call, String event, String sdpType,
                                      String sdp) {
        return queue(call, event, payloads.callEvent(number, call, event, sdpType, sdp));
    }

    void callStatus(SimulatedNumber number, SimulatedCall call, String status) {
        queue(call, status, payloads.callStatus(number, call, status));
    }

    void terminate(SimulatedNumber number, SimulatedCall call, String status, CallingError error) {
        queue(call, "terminate", payloads.terminate(number, call, status, error));
    }

    /**
     * After a picked-up call with Meta-native recording or transcription ENABLED ends: {@code call_recording_available}
     * (an ogg/opus audio) and {@code call_transcription_available} (a JSON document) on the {@code calls} field, with
     * media ids (spec §4.6).
     */
    void recordingsAvailable(SimulatedNumber number, SimulatedCall call) {
        if (call.acceptedAt == null) {
            return;
        }
        mediaAvailable(number, call, call.recording, "call_recording_available", "call_recording", "audio",
                "audio/ogg; codecs=opus");
        mediaAvailable(number, call, call.transcription, "call_transcription_available", "call_transcript",
                "document", "application/json");
    }

    private void mediaAvailable(SimulatedNumber number, SimulatedCall call, JsonNode asked, String event,
                                String container, String kind, String mimeType) {
        if (asked == null || !"ENABLED".equals(asked.path("status").asText())) {
            return;
        }
        queue(call, event, payloads.mediaAvailable(number, call, event, container, kind, mimeType));
    }

    /** The user's call permission reply (see {@link WebhookPayloads#permissionReply}), on the user's line. */
    void permissionReply(SimulatedNumber number, String user, String response, boolean permanent, Instant expiresAt,
                         String source, String contextId) {
        ObjectNode envelope = payloads.permissionReply(number, user, response, permanent, expiresAt, source,
                contextId);
        sendForUser(number, user, new WebhookDelivery.Record("permission_reply", envelope.toString()));
    }

    /** A message status webhook, not yet sent: the caller records it, then {@link #sendForUser sends} it. */
    WebhookDelivery.Record messageStatus(SimulatedNumber number, String user, String messageId, String status,
                                         Integer errorCode) {
        ObjectNode envelope = payloads.messageStatus(number, user, messageId, status, errorCode);
        return new WebhookDelivery.Record("message_status " + status, envelope.toString());
    }

    /** Sends on the user's line: behind the earlier replies and statuses to this user from this number. */
    void sendForUser(SimulatedNumber number, String user, WebhookDelivery.Record record) {
        delivery.send("perm:" + number.phoneNumberId + ":" + user, record);
    }

    /**
     * Queues a call's webhook in order. With the reorder switch, the connect webhook is held back until the
     * terminate webhook has been delivered (spec §8.4: terminate before connect).
     */
    private CompletableFuture<Void> queue(SimulatedCall call, String kind, ObjectNode envelope) {
        WebhookDelivery.Record record = new WebhookDelivery.Record(kind, envelope.toString());
        call.webhooks.add(record);
        if (delivery.chaos.reorder() && call.direction == SimulatedCall.Direction.BUSINESS_INITIATED) {
            if ("connect".equals(kind)) {
                call.heldConnect = record;
                return CompletableFuture.completedFuture(null);
            }
            if ("terminate".equals(kind) && call.heldConnect != null) {
                WebhookDelivery.Record held = call.heldConnect;
                call.heldConnect = null;
                return delivery.send(call.id, record).thenCompose(v -> delivery.send(call.id, held));
            }
        }
        return delivery.send(call.id, record);
    }
}
