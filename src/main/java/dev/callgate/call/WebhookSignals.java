package dev.callgate.call;

import com.fasterxml.jackson.databind.JsonNode;
import dev.callgate.ingress.WebhookRecord;

import java.util.Locale;
import java.util.Optional;

/** Reads a {@code callgate.webhooks} record as the signal it is for its call (spec §4.3–§4.5). */
final class WebhookSignals {

    private WebhookSignals() {
    }

    static Optional<CallSignal> of(WebhookRecord record) {
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
            boolean userInitiated = "USER_INITIATED".equalsIgnoreCase(item.path("direction").asText());
            return sdp == null ? Optional.empty() : Optional.of(userInitiated
                    ? new CallSignal.OfferReceived(sdp) : new CallSignal.AnswerReceived(sdp));
        }
        if (event.equals("terminate")) {
            JsonNode duration = item.get("duration");
            Long seconds = duration == null || duration.isNull() ? null
                    : duration.isNumber() ? duration.asLong() : parse(duration.asText());
            JsonNode error = record.errors() == null ? null : record.errors().path(0);
            Integer code = error == null || error.isMissingNode() || !error.has("code") ? null : error.get("code").asInt();
            String message = code == null ? null : error.path("message").asText(null);
            return Optional.of(new CallSignal.Terminated(seconds, code, message));
        }
        return Optional.empty();
    }

    private static Long parse(String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
