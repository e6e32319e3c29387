package dev.callgate.cloudapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reads Meta's Graph error envelope (spec §5.1) into a {@link CloudApiException}. */
final class GraphErrorEnvelope {

    private GraphErrorEnvelope() {
    }

    /** A body that is not an envelope (a proxy's HTML page, an empty body) still becomes a typed error. */
    static CloudApiException read(ObjectMapper mapper, String action, int status, String body) {
        try {
            JsonNode error = mapper.readTree(body == null ? "" : body).path("error");
            if (error.isObject()) {
                JsonNode subcode = error.get("error_subcode");
                JsonNode details = error.path("error_data").get("details");
                return new CloudApiException(action, status, Lenient.integer(error.get("code"), 0),
                        subcode == null || subcode.isNull() ? null : Lenient.integer(subcode, 0),
                        error.path("type").asText(null), error.path("message").asText(""),
                        error.path("fbtrace_id").asText(null), details == null ? null : details.asText());
            }
        } catch (JsonProcessingException notJson) {
            // fall through
        }
        String excerpt = body == null ? "" : body.substring(0, Math.min(body.length(), 200));
        return new CloudApiException(action, status, 0, null, null, "non-Graph error response", null, excerpt);
    }
}
