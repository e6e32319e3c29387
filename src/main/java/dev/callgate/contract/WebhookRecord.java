package dev.callgate.contract;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;

/**
 * One record of {@code callgate.webhooks}: a single call event, call status, call-permission reply or failed message
 * status cut out of a Meta webhook, with the context a consumer needs to act on it alone. The Kafka key is {@link #key()}.
 *
 * @param schema        version of this record's shape (1)
 * @param dedupId       SHA-256 (hex) of the kind, business number and canonical JSON of the item: the same item
 *                      delivered twice has the same id
 * @param kind          what the item is
 * @param key           the Kafka key: the WhatsApp call id, or {@code perm:<phone-number-id>:<wa-id>} (permission
 *                      replies; message statuses with the recipient's wa id or BSUID)
 * @param field         the webhook field the item came on ({@code calls}, {@code messages})
 * @param wabaId        the WhatsApp Business Account id ({@code entry[].id})
 * @param phoneNumberId the business number's id ({@code value.metadata.phone_number_id})
 * @param callId        the WhatsApp call id ({@code wacid.…}), or null for a permission reply not tied to a call
 * @param event         {@code connect}/{@code terminate}/… for calls, the status for call statuses, the
 *                      response ({@code accept}/{@code reject}) for permission replies, the status as Meta
 *                      wrote it ({@code failed}) for message statuses
 * @param occurredAt    the item's own {@code timestamp}, when it has one
 * @param receivedAt    when the ingress received the webhook
 * @param item          the item's JSON as Meta sent it
 * @param metadata      {@code value.metadata}
 * @param contacts      {@code value.contacts}, or null
 * @param errors        value-level {@code errors}, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record WebhookRecord(
        int schema,
        String dedupId,
        Kind kind,
        String key,
        String field,
        String wabaId,
        String phoneNumberId,
        String callId,
        String event,
        Instant occurredAt,
        Instant receivedAt,
        JsonNode item,
        JsonNode metadata,
        JsonNode contacts,
        JsonNode errors) {

    public static final int SCHEMA = 1;

    /** The first of {@code contacts} (the user the item is about), or a missing node. */
    public JsonNode firstContact() {
        return contacts == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : contacts.path(0);
    }

    /**
     * The first of the fields that holds a non-blank scalar (Meta names a user or a value in several places, any of
     * which may be missing), or null.
     */
    public static String firstText(JsonNode... nodes) {
        for (JsonNode node : nodes) {
            if (node != null && !node.isNull() && !node.isContainerNode() && !node.asText().isBlank()) {
                return node.asText();
            }
        }
        return null;
    }

    /** What an item of a webhook is. */
    public enum Kind {
        /** A {@code calls[]} item: connect, terminate, recording or transcription available, … */
        CALL,
        /** A {@code statuses[]} item with {@code type:"call"}: RINGING, ACCEPTED, REJECTED. */
        CALL_STATUS,
        /** A {@code messages[]} item of type interactive {@code call_permission_reply}. */
        PERMISSION_REPLY,
        /**
         * A {@code statuses[]} item of a message (not {@code type:"call"}) on the {@code messages} field with status
         * {@code failed}: perhaps a call permission request that did not reach the user (131026, …).
         */
        MESSAGE_STATUS
    }
}
