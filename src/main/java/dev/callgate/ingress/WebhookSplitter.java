package dev.callgate.ingress;

import dev.callgate.contract.WebhookRecord;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Cuts a Cloud API webhook (spec §4.2) into {@link WebhookRecord}s: one per {@code calls[]} item, per
 * {@code statuses[]} item with {@code type:"call"}, per interactive {@code call_permission_reply} message, and per
 * {@code failed} message status on the {@code messages} field (the message may be a call permission request, spec
 * §2.4: a user on an old app gets 131026). Everything else (other message statuses, ordinary messages, other fields)
 * is counted and left out.
 */
@ApplicationScoped
public class WebhookSplitter {

    static final String WHATSAPP_OBJECT = "whatsapp_business_account";
    static final String FAILED = "failed";

    private final ObjectMapper mapper;

    public WebhookSplitter(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * @throws MalformedWebhookException when the bytes are not JSON, or not shaped like a Cloud API webhook
     */
    public SplitWebhook split(byte[] rawBody, Instant receivedAt) {
        JsonNode root;
        try {
            root = mapper.readTree(rawBody);
        } catch (JsonProcessingException e) {
            throw new MalformedWebhookException("body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new MalformedWebhookException("body could not be read as JSON", e);
        }
        if (root == null || !root.isObject()) {
            throw new MalformedWebhookException("body is not a JSON object");
        }
        List<WebhookRecord> records = new ArrayList<>();
        Map<String, Integer> byField = new LinkedHashMap<>();
        int ignored = 0;
        if (!WHATSAPP_OBJECT.equals(root.path("object").asText())) {
            // Not a WhatsApp webhook at all (another product subscribed to this URL): nothing of ours in it.
            byField.merge("other", 0, Integer::sum);
            return new SplitWebhook(records, byField, 1);
        }
        JsonNode entries = root.get("entry");
        if (entries == null || !entries.isArray()) {
            throw new MalformedWebhookException("'entry' must be an array");
        }
        for (int e = 0; e < entries.size(); e++) {
            JsonNode entry = entries.get(e);
            String wabaId = text(entry.get("id"));
            JsonNode changes = entry.get("changes");
            if (changes == null || !changes.isArray()) {
                throw new MalformedWebhookException("entry[" + e + "].changes must be an array");
            }
            for (int c = 0; c < changes.size(); c++) {
                String where = "entry[" + e + "].changes[" + c + "]";
                JsonNode change = changes.get(c);
                String field = text(change.get("field"));
                JsonNode value = change.get("value");
                if (value == null || !value.isObject()) {
                    throw new MalformedWebhookException(where + ".value must be an object");
                }
                Context ctx = new Context(field, wabaId, value, receivedAt);
                int before = records.size();
                callItems(value, ctx, where, records);
                ignored += statusItems(value, ctx, where, records);
                ignored += messageItems(value, ctx, where, records);
                byField.merge(fieldLabel(field), records.size() - before, Integer::sum);
            }
        }
        return new SplitWebhook(List.copyOf(records), byField, ignored);
    }

    /** The metric label of a change field: the two we act on by name, everything else as "other". */
    static String fieldLabel(String field) {
        return "calls".equals(field) || "messages".equals(field) ? field : "other";
    }

    private void callItems(JsonNode value, Context ctx, String where, List<WebhookRecord> out) {
        for (JsonNode item : array(value, "calls", where)) {
            String callId = requiredId(item, where + ".value.calls[]");
            out.add(ctx.record(WebhookRecord.Kind.CALL, callId, callId, text(item.get("event")), item));
        }
    }

    private int statusItems(JsonNode value, Context ctx, String where, List<WebhookRecord> out) {
        int ignored = 0;
        for (JsonNode item : array(value, "statuses", where)) {
            if (!"call".equals(text(item.get("type")))) {
                if (!messageStatus(item, ctx, out)) {
                    ignored++; // a message delivery status: not ours
                }
                continue;
            }
            String callId = requiredId(item, where + ".value.statuses[]");
            String status = text(item.get("status"));
            out.add(ctx.record(WebhookRecord.Kind.CALL_STATUS, callId, callId,
                    status == null ? null : status.toUpperCase(java.util.Locale.ROOT), item));
        }
        return ignored;
    }

    /**
     * A failed message status on the {@code messages} field becomes a {@link WebhookRecord.Kind#MESSAGE_STATUS} record,
     * keyed like the recipient's permission replies so both land on one partition; false when it is left out (another
     * status or field, or no recipient and business number to key it by).
     */
    private boolean messageStatus(JsonNode item, Context ctx, List<WebhookRecord> out) {
        String status = text(item.get("status"));
        if (!"messages".equals(ctx.field) || !FAILED.equalsIgnoreCase(status)) {
            return false;
        }
        String recipient = WebhookRecord.firstText(item.get("recipient_id"), item.get("recipient_user_id"));
        if (recipient == null || ctx.phoneNumberId == null || text(item.get("id")) == null) {
            return false;
        }
        out.add(ctx.record(WebhookRecord.Kind.MESSAGE_STATUS, "perm:" + ctx.phoneNumberId + ":" + recipient, null,
                status.toLowerCase(java.util.Locale.ROOT), item));
        return true;
    }

    private int messageItems(JsonNode value, Context ctx, String where, List<WebhookRecord> out) {
        int ignored = 0;
        for (JsonNode item : array(value, "messages", where)) {
            JsonNode interactive = item.path("interactive");
            if (!"interactive".equals(text(item.get("type")))
                    || !"call_permission_reply".equals(text(interactive.get("type")))) {
                ignored++; // an ordinary inbound message: not ours
                continue;
            }
            String user = WebhookRecord.firstText(item.get("from"), item.get("from_user_id"),
                    value.path("contacts").path(0).get("wa_id"), value.path("contacts").path(0).get("user_id"));
            if (user == null) {
                throw new MalformedWebhookException(where + ".value.messages[]: call_permission_reply names no user");
            }
            if (ctx.phoneNumberId == null) {
                throw new MalformedWebhookException(where + ".value.metadata.phone_number_id is missing");
            }
            String contextId = text(item.path("context").get("id"));
            String callId = contextId != null && contextId.startsWith("wacid.") ? contextId : null;
            String response = text(interactive.path("call_permission_reply").get("response"));
            out.add(ctx.record(WebhookRecord.Kind.PERMISSION_REPLY, "perm:" + ctx.phoneNumberId + ":" + user,
                    callId, response, item));
        }
        return ignored;
    }

    private static Iterable<JsonNode> array(JsonNode value, String name, String where) {
        JsonNode node = value.get(name);
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new MalformedWebhookException(where + ".value." + name + " must be an array");
        }
        List<JsonNode> items = new ArrayList<>(node.size());
        for (JsonNode item : node) {
            if (!item.isObject()) {
                throw new MalformedWebhookException(where + ".value." + name + "[] items must be objects");
            }
            items.add(item);
        }
        return items;
    }

    private static String requiredId(JsonNode item, String where) {
        String id = text(item.get("id"));
        if (id == null || id.isBlank()) {
            throw new MalformedWebhookException(where + ": 'id' is missing");
        }
        return id;
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() || node.isContainerNode() ? null : node.asText();
    }


    /**
     * Unix seconds as a string (Meta's usual form) or a number; null when absent or unreadable.
     *
     * @throws MalformedWebhookException for a number no instant can hold (e.g. {@code 99999999999999999})
     */
    static Instant timestamp(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        try {
            return Instant.ofEpochSecond(node.isNumber() ? node.asLong() : Long.parseLong(node.asText().trim()));
        } catch (NumberFormatException notANumber) {
            return null;
        } catch (java.time.DateTimeException outOfRange) {
            throw new MalformedWebhookException("timestamp " + node.asText() + " is out of range");
        }
    }

    /** What every record cut from one change shares. */
    private final class Context {
        final String field;
        final String wabaId;
        final String phoneNumberId;
        final JsonNode metadata;
        final JsonNode contacts;
        final JsonNode errors;
        final Instant receivedAt;

        Context(String field, String wabaId, JsonNode value, Instant receivedAt) {
            this.field = field;
            this.wabaId = wabaId;
            this.metadata = value.get("metadata");
            this.phoneNumberId = metadata == null ? null : text(metadata.get("phone_number_id"));
            this.contacts = value.get("contacts");
            this.errors = value.get("errors");
            this.receivedAt = receivedAt;
        }

        WebhookRecord record(WebhookRecord.Kind kind, String key, String callId, String event, JsonNode item) {
            return new WebhookRecord(WebhookRecord.SCHEMA, dedupId(kind, phoneNumberId, item), kind, key, field,
                    wabaId, phoneNumberId, callId, event, timestamp(item.get("timestamp")), receivedAt, item,
                    metadata, contacts, errors);
        }
    }

    /**
     * A deterministic id of an item: SHA-256 over the kind, the business number and the item's JSON with object keys
     * sorted, so a redelivery is recognised even if Meta serialised the keys in another order.
     */
    String dedupId(WebhookRecord.Kind kind, String phoneNumberId, JsonNode item) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(kind.name().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(String.valueOf(phoneNumberId).getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(mapper.writeValueAsBytes(canonical(item)));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException("cannot hash webhook item", e);
        }
    }

    private JsonNode canonical(JsonNode node) {
        if (node.isObject()) {
            TreeMap<String, JsonNode> sorted = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                sorted.put(field.getKey(), canonical(field.getValue()));
            }
            ObjectNode copy = mapper.createObjectNode();
            sorted.forEach(copy::set);
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = mapper.createArrayNode();
            node.forEach(element -> copy.add(canonical(element)));
            return copy;
        }
        return node;
    }
}
