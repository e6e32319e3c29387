package dev.callgate.call;

import com.fasterxml.jackson.databind.JsonNode;
import dev.callgate.contract.WebhookRecord;

import java.util.Locale;
import java.util.Optional;

/** Reads a {@code callgate.webhooks} record as the signal it is for its call (spec §4.3–§4.5). */
public final class WebhookSignals {

    private WebhookSignals() {
    }

    public static Optional<CallSignal> of(WebhookRecord record) {
        JsonNode item = record.item();
        if (record.kind() == WebhookRecord.Kind.CALL_STATUS) {
            return switch (String.valueOf(record.event()).toUpperCase(Locale.ROOT)) {
                case "RINGING" -> Optional.of(new CallSignal.Ringing());
                case "ACCEPTED" -> Optional.of(new CallSignal.Accepted());
                case "REJECTED" -> Optional.of(new CallSignal.Rejected());
                default -> Optional.empty();
            };
        }
        if (record.kind() != WebhookRecord.Kind.CALL || item == null) {
            return Optional.empty();
        }
        String event = String.valueOf(record.event()).toLowerCase(Locale.ROOT);
        if (event.equals("connect")) {
            String sdp = item.path("session").path("sdp").asText(null);
            CallDirection direction = direction(item);
            if (sdp == null || direction == null) {
                return Optional.empty(); // see unusable()
            }
            return Optional.of(direction == CallDirection.USER_INITIATED
                    ? new CallSignal.OfferReceived(sdp) : new CallSignal.AnswerReceived(sdp));
        }
        if (event.equals("terminate")) {
            return Optional.of(terminated(record, item));
        }
        return Optional.empty();
    }

    /**
     * A connect's direction: {@code direction}, or when Meta leaves it out, what {@code session.sdp_type} implies (the
     * user's offer: user-initiated; Meta's answer: business-initiated); null when neither says.
     */
    static CallDirection direction(JsonNode item) {
        String direction = item.path("direction").asText("").trim();
        if (direction.equalsIgnoreCase("USER_INITIATED")) {
            return CallDirection.USER_INITIATED;
        }
        if (direction.equalsIgnoreCase("BUSINESS_INITIATED")) {
            return CallDirection.BUSINESS_INITIATED;
        }
        String sdpType = item.path("session").path("sdp_type").asText("").trim();
        if (sdpType.equalsIgnoreCase("offer")) {
            return CallDirection.USER_INITIATED;
        }
        return sdpType.equalsIgnoreCase("answer") ? CallDirection.BUSINESS_INITIATED : null;
    }

    /** Why a call record that gives no signal cannot be applied, for the log; empty when it is simply not ours. */
    public static Optional<String> unusable(WebhookRecord record) {
        JsonNode item = record.item();
        if (record.kind() != WebhookRecord.Kind.CALL || item == null
                || !"connect".equalsIgnoreCase(String.valueOf(record.event()))) {
            return Optional.empty();
        }
        if (item.path("session").path("sdp").asText(null) == null) {
            return Optional.of("the connect carries no session (no SDP): nothing to answer or apply");
        }
        return Optional.of("the connect has neither a direction nor a session.sdp_type: it is not known whether "
                + "it offers a user's call or answers ours");
    }

    /**
     * Meta's terminate: {@code status} COMPLETED or FAILED in any case; errors beside {@code calls} in the value (as
     * Meta's samples show) or inside the item (as Meta's field table says); times as Unix seconds in strings or
     * numbers; {@code duration} an integer or a string.
     */
    static CallSignal.Terminated terminated(WebhookRecord record, JsonNode item) {
        JsonNode duration = item.get("duration");
        Long seconds = duration == null || duration.isNull() ? null
                : duration.isNumber() ? duration.asLong() : parse(duration.asText());
        JsonNode error = firstError(item.get("errors"));
        if (error == null) {
            error = firstError(record.errors());
        }
        Integer code = error == null || !error.hasNonNull("code") ? null : parseInt(error.get("code"));
        String message = error == null ? null : error.path("message").asText(null);
        if (message == null && error != null) {
            message = error.path("error_data").path("details").asText(null);
        }
        boolean failed = "FAILED".equalsIgnoreCase(item.path("status").asText("").trim()) || code != null;
        return new CallSignal.Terminated(failed, seconds, code, message, epochSeconds(item.get("start_time")),
                epochSeconds(item.get("end_time")));
    }

    private static JsonNode firstError(JsonNode errors) {
        if (errors == null || errors.isNull()) {
            return null;
        }
        JsonNode first = errors.isArray() ? errors.path(0) : errors;
        return first.isObject() ? first : null;
    }

    private static Integer parseInt(JsonNode node) {
        if (node.isNumber()) {
            return node.asInt();
        }
        Long value = parse(node.asText());
        return value == null ? null : value.intValue();
    }

    private static java.time.Instant epochSeconds(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        Long seconds = node.isNumber() ? Long.valueOf(node.asLong()) : parse(node.asText());
        if (seconds == null || Math.abs(seconds) > java.time.Instant.MAX.getEpochSecond()) {
            return null; // unreadable or out of range: as if absent
        }
        return java.time.Instant.ofEpochSecond(seconds);
    }

    private static Long parse(String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
