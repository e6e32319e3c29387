package dev.callgate.simulator;

import dev.callgate.cloudapi.CallingError;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** A Graph error as Meta sends it (spec §5.1), thrown by simulator code and rendered by the resource. */
final class GraphError extends RuntimeException {

    private static final SecureRandom RANDOM = new SecureRandom();

    final CallingError error;
    final String details;
    final int httpStatus;

    GraphError(CallingError error, String message, String details) {
        this(error, message, details, error.httpStatus());
    }

    /** An error answered with another HTTP status than Meta documents for the code (fault injection only). */
    GraphError(CallingError error, String message, String details, int httpStatus) {
        super(message, null, false, false);
        this.error = error;
        this.details = details;
        this.httpStatus = httpStatus;
    }

    static GraphError invalidParameter(String details) {
        return new GraphError(CallingError.INVALID_PARAMETER, "(#100) Invalid parameter", details);
    }

    Response response() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("message", getMessage());
        body.put("type", "OAuthException");
        body.put("code", error.code());
        if (details != null) {
            body.put("error_data", Map.of("messaging_product", "whatsapp", "details", details));
        }
        byte[] trace = new byte[12];
        RANDOM.nextBytes(trace);
        body.put("fbtrace_id", "A" + Base64.getUrlEncoder().withoutPadding().encodeToString(trace));
        return Response.status(httpStatus).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", body)).build();
    }
}
