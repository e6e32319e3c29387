package dev.callgate.simulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.callgate.cloudapi.CallingError;

import java.time.Instant;

/**
 * Every webhook body as Meta shapes it (spec §4): the {@code whatsapp_business_account} envelope with its
 * {@code metadata} and {@code contacts}, call items on the {@code calls} field (connect, terminate, recording and
 * transcription available), call statuses, and on the {@code messages} field message statuses and call permission
 * replies. Builds only; {@link MetaWebhooks} sends. Callers hold the number's lock when they read a call.
 */
final class WebhookPayloads {

    private static final String ERROR_CODES =
            "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/";

    private final ObjectMapper mapper;
    private final String wabaId;

    WebhookPayloads(ObjectMapper mapper, String wabaId) {
        this.mapper = mapper;
        this.wabaId = wabaId;
    }

    /** A call event ({@code connect}) with its SDP session. */
    ObjectNode callEvent(SimulatedNumber number, SimulatedCall call, String event, String sdpType, String sdp) {
        ObjectNode envelope = envelope(number, "calls", contacts(call.userWaId));
        ObjectNode item = callItem(number, call, event);
        item.putObject("session").put("sdp_type", sdpType).put("sdp", sdp);
        value(envelope).putArray("calls").add(item);
        return envelope;
    }

    /** A call status (RINGING, ACCEPTED, REJECTED) on the {@code statuses} array; no contacts. */
    ObjectNode callStatus(SimulatedNumber number, SimulatedCall call, String status) {
        ObjectNode envelope = envelope(number, "calls", null);
        ObjectNode item = value(envelope).putArray("statuses").addObject();
        item.put("id", call.id);
        item.put("timestamp", now());
        item.put("type", "call");
        item.put("status", status);
        putUser(item, "recipient_id", "recipient_user_id", call.userWaId);
        if (call.bizOpaqueCallbackData != null) {
            item.put("biz_opaque_callback_data", call.bizOpaqueCallbackData);
        }
        return envelope;
    }

    /**
     * The terminate: {@code COMPLETED} or {@code FAILED}; {@code start_time}, {@code end_time} and {@code duration}
     * only for a picked-up call; an error beside the call item (Meta's samples) or inside it (Meta's field table).
     */
    ObjectNode terminate(SimulatedNumber number, SimulatedCall call, String status, CallingError error) {
        ObjectNode envelope = envelope(number, "calls", contacts(call.userWaId));
        ObjectNode item = callItem(number, call, "terminate");
        item.put("status", status);
        if (call.acceptedAt != null) {
            item.put("start_time", String.valueOf(call.acceptedAt.getEpochSecond()));
            item.put("end_time", String.valueOf(call.endedAt.getEpochSecond()));
            item.put("duration", Math.max(0, call.endedAt.getEpochSecond() - call.acceptedAt.getEpochSecond()));
        }
        value(envelope).putArray("calls").add(item);
        if (error != null) {
            ObjectNode e = (call.errorsInItem ? item : value(envelope)).putArray("errors").addObject();
            e.put("code", error.code());
            e.put("message", error.name().toLowerCase().replace('_', ' '));
            e.put("href", ERROR_CODES);
            e.putObject("error_data").put("details", call.endReason);
        }
        return envelope;
    }

    /**
     * {@code call_recording_available} / {@code call_transcription_available} (spec §4.6): the call item with a media
     * object ({@code id}, {@code sha256}, {@code mime_type}, {@code url}) under {@code container.kind}.
     */
    ObjectNode mediaAvailable(SimulatedNumber number, SimulatedCall call, String event, String container,
                              String kind, String mimeType) {
        ObjectNode envelope = envelope(number, "calls", contacts(call.userWaId));
        ObjectNode item = callItem(number, call, event);
        ObjectNode media = item.putObject(container).putObject(kind);
        String id = MetaIds.mediaId();
        media.put("id", id);
        media.put("sha256", MetaIds.sha256());
        media.put("mime_type", mimeType);
        media.put("url", "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=" + id);
        value(envelope).putArray("calls").add(item);
        return envelope;
    }

    /**
     * A message status on the {@code messages} field: {@code sent} or {@code delivered} with conversation and
     * pricing, or {@code failed} with {@code errors:[{code,title,message,error_data:{details}}]} for {@code errorCode}.
     */
    ObjectNode messageStatus(SimulatedNumber number, String user, String messageId, String status,
                             Integer errorCode) {
        ObjectNode envelope = envelope(number, "messages", null);
        ObjectNode item = value(envelope).putArray("statuses").addObject();
        item.put("id", messageId);
        item.put("status", status);
        item.put("timestamp", now());
        item.put("recipient_id", user);
        if (errorCode == null) {
            item.putObject("conversation").put("id", MetaIds.conversationId()).putObject("origin")
                    .put("type", "service");
            item.putObject("pricing").put("billable", true).put("pricing_model", "PMP").put("category", "service");
        } else {
            String title = errorCode == 131026 ? "Message undeliverable" : "Message failed to send";
            ObjectNode error = item.putArray("errors").addObject();
            error.put("code", errorCode);
            error.put("title", title);
            error.put("message", title);
            error.putObject("error_data").put("details", errorCode == 131026
                    ? "The recipient's WhatsApp version does not support call permission requests."
                    : "Simulated failure " + errorCode + ".");
            error.put("href", ERROR_CODES);
        }
        return envelope;
    }

    /**
     * The user's {@code call_permission_reply} (an interactive message): {@code response}, {@code is_permanent} on an
     * accept, {@code expiration_timestamp} of a temporary grant, {@code response_source} ({@code user_action} or
     * {@code automatic}), and the request it answers as {@code context}.
     */
    ObjectNode permissionReply(SimulatedNumber number, String user, String response, boolean permanent,
                               Instant expiresAt, String source, String contextId) {
        ObjectNode envelope = envelope(number, "messages", contacts(user));
        ObjectNode message = value(envelope).putArray("messages").addObject();
        putUser(message, "from", "from_user_id", user);
        message.put("id", MetaIds.messageId());
        message.put("timestamp", now());
        if (contextId != null) {
            message.putObject("context").put("from", number.displayPhoneNumber).put("id", contextId);
        }
        message.put("type", "interactive");
        ObjectNode interactive = message.putObject("interactive");
        interactive.put("type", "call_permission_reply");
        ObjectNode reply = interactive.putObject("call_permission_reply");
        reply.put("response", response);
        if ("accept".equals(response)) {
            reply.put("is_permanent", permanent);
        }
        if (expiresAt != null) {
            reply.put("expiration_timestamp", String.valueOf(expiresAt.getEpochSecond()));
        }
        reply.put("response_source", source);
        return envelope;
    }

    // ---- parts ------------------------------------------------------------------------------------------------

    private ObjectNode envelope(SimulatedNumber number, String field, ArrayNode contacts) {
        ObjectNode root = mapper.createObjectNode();
        root.put("object", "whatsapp_business_account");
        ObjectNode change = root.putArray("entry").addObject().put("id", wabaId)
                .putArray("changes").addObject();
        change.put("field", field);
        ObjectNode value = change.putObject("value");
        value.put("messaging_product", "whatsapp");
        ObjectNode metadata = value.putObject("metadata");
        metadata.put("display_phone_number", number.displayPhoneNumber);
        metadata.put("phone_number_id", number.phoneNumberId);
        if (contacts != null) {
            value.set("contacts", contacts);
        }
        return root;
    }

    private static ObjectNode value(ObjectNode envelope) {
        return (ObjectNode) envelope.path("entry").path(0).path("changes").path(0).path("value");
    }

    /**
     * The contact of a webhook (spec §4.2). Every user has a BSUID ({@code user_id}); a user known by phone number
     * also has {@code wa_id}; a user known only by BSUID (a username user) has a {@code profile.username} and no
     * phone number anywhere.
     */
    private ArrayNode contacts(String user) {
        ArrayNode contacts = mapper.createArrayNode();
        ObjectNode contact = contacts.addObject();
        String tail = user.substring(Math.max(0, user.length() - 4));
        ObjectNode profile = contact.putObject("profile").put("name", "Simulated user " + tail);
        if (UserIds.isBsuid(user)) {
            profile.put("username", "@sim_user_" + tail);
        } else {
            contact.put("wa_id", user);
        }
        contact.put("user_id", UserIds.bsuidOf(user));
        return contacts;
    }

    /** Puts the user's phone number under {@code phoneField} (when the user has one) and BSUID under {@code idField}. */
    private static void putUser(ObjectNode item, String phoneField, String idField, String user) {
        if (!UserIds.isBsuid(user)) {
            item.put(phoneField, user);
        }
        item.put(idField, UserIds.bsuidOf(user));
    }

    /**
     * A call item: business number and user on the sides the direction says, the event, the opaque data as given,
     * and on a user-initiated call's connect and terminate the caller's {@code deeplink_payload} and
     * {@code cta_payload}.
     */
    private ObjectNode callItem(SimulatedNumber number, SimulatedCall call, String event) {
        ObjectNode item = mapper.createObjectNode();
        item.put("id", call.id);
        boolean bic = call.direction == SimulatedCall.Direction.BUSINESS_INITIATED;
        if (bic) {
            item.put("from", number.displayPhoneNumber);
            putUser(item, "to", "to_user_id", call.userWaId);
        } else {
            putUser(item, "from", "from_user_id", call.userWaId);
            item.put("to", number.displayPhoneNumber);
        }
        item.put("event", event);
        item.put("timestamp", now());
        item.put("direction", call.direction.name());
        if (call.bizOpaqueCallbackData != null) {
            item.put("biz_opaque_callback_data", call.bizOpaqueCallbackData);
        }
        if (!bic && (event.equals("connect") || event.equals("terminate"))) {
            if (call.deeplinkPayload != null) {
                item.put("deeplink_payload", call.deeplinkPayload);
            }
            if (call.ctaPayload != null) {
                item.put("cta_payload", call.ctaPayload);
            }
        }
        return item;
    }

    private static String now() {
        return String.valueOf(Instant.now().getEpochSecond());
    }
}
