package dev.callgate.simulator;

import com.fasterxml.jackson.databind.JsonNode;

/** Reading the fields of a {@code POST /calls} body as Meta does (spec §1); anything malformed is Graph's 100. */
final class CallRequests {

    private CallRequests() {
    }

    /** A field's text; null when absent, null or blank. */
    static String text(JsonNode node) {
        return node == null || node.isNull() || node.asText().isBlank() ? null : node.asText();
    }

    /** The SDP of {@code session}, which must say {@code sdp_type} {@code expectedType}; {@code connection} is gone. */
    static String session(JsonNode body, String expectedType) {
        JsonNode session = body.get("session");
        if (body.has("connection") && session == null) {
            throw GraphError.invalidParameter("'connection' is deprecated; send the SDP in 'session'");
        }
        if (session == null || !session.isObject()) {
            throw GraphError.invalidParameter("'session' with sdp_type and sdp is required");
        }
        String type = session.path("sdp_type").asText("");
        if (!expectedType.equals(type)) {
            throw GraphError.invalidParameter("session.sdp_type must be \"" + expectedType + "\" for action "
                    + body.path("action").asText());
        }
        return text(session.get("sdp"));
    }

    /** {@code biz_opaque_callback_data}, at most 512 characters, echoed on the call's webhooks as given. */
    static String opaque(JsonNode body) {
        String opaque = text(body.get("biz_opaque_callback_data"));
        if (opaque != null && opaque.length() > 512) {
            throw GraphError.invalidParameter("biz_opaque_callback_data must be at most 512 characters");
        }
        return opaque;
    }

    /**
     * A {@code recording} / {@code transcription} object of connect or accept (spec §1): {@code status} ENABLED or
     * DISABLED, {@code purpose} at most 250 characters; anything else is refused with 100.
     */
    static JsonNode capture(JsonNode body, String field) {
        JsonNode option = body.get(field);
        if (option == null || option.isNull()) {
            return null;
        }
        String status = option.path("status").asText("");
        if (!option.isObject() || !(status.equals("ENABLED") || status.equals("DISABLED"))) {
            throw GraphError.invalidParameter(field + ".status must be ENABLED or DISABLED");
        }
        if (option.path("purpose").asText("").length() > 250) {
            throw GraphError.invalidParameter(field + ".purpose must be at most 250 characters");
        }
        return option;
    }
}
