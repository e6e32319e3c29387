package dev.callgate.permission;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Why WhatsApp could not deliver a message, as its {@code failed} status webhook says ({@code statuses[].errors[0]}:
 * code, title, message, {@code error_data.details}), with a short reason a person can act on. Any code is kept.
 *
 * @param code    Meta's error code, or null when the status carried none
 * @param message Meta's message (or title), or null
 * @param details {@code error_data.details}, or null
 */
public record DeliveryFailure(Integer code, String title, String message, String details) {

    /** The status item's first error, else the value-level one (older webhooks), else a failure without an error. */
    static DeliveryFailure of(JsonNode item, JsonNode valueErrors) {
        JsonNode error = item == null ? null : item.path("errors").path(0);
        if ((error == null || !error.isObject()) && valueErrors != null) {
            error = valueErrors.path(0);
        }
        if (error == null || !error.isObject()) {
            return new DeliveryFailure(null, null, null, null);
        }
        JsonNode code = error.get("code");
        Integer parsed = code == null || code.isNull() ? null
                : code.isNumber() ? Integer.valueOf(code.asInt()) : parse(code.asText());
        return new DeliveryFailure(parsed, text(error.get("title")), text(error.get("message")),
                text(error.path("error_data").get("details")));
    }

    /** Meta's words for it: the message, else the title, else the details. */
    public String errorMessage() {
        return message != null ? message : title != null ? title : details;
    }

    /** What happened, for a person deciding what to do next. */
    public String reason() {
        if (code == null) {
            return "WhatsApp could not deliver the call permission request (no error given)";
        }
        return switch (code) {
            case 131026 -> "the user's WhatsApp cannot receive call permission requests (old app version)";
            case 131047 -> "more than 24 hours passed since the user last wrote; send the request as a template";
            case 131049 -> "WhatsApp held the message back to keep the user's engagement healthy";
            case 131050 -> "the user stopped marketing messages from this business";
            case 131051 -> "the user's WhatsApp does not support this message type";
            default -> "WhatsApp could not deliver the call permission request (code " + code
                    + (errorMessage() == null ? "" : ": " + errorMessage()) + ")";
        };
    }

    private static Integer parse(String code) {
        try {
            return Integer.valueOf(code.trim());
        } catch (NumberFormatException notANumber) {
            return null;
        }
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() || node.isContainerNode() || node.asText().isBlank() ? null : node.asText();
    }
}
