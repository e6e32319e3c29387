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
    /** Meta's code as sent: {@link #error}'s, or one Callgate has no name for (131000, say). */
    final int code;
    final String details;
    final int httpStatus;

    GraphError(CallingError error, String message, String details) {
        this(error.code(), message, details, error.httpStatus());
    }

    /**
     * Any code, answered with any HTTP status (fault injection): a code Callgate does not know by name is sent as
     * it is, as Meta would, never as 0.
     */
    GraphError(int code, String message, String details, int httpStatus) {
        super(message, null, false, false);
        this.error = CallingError.of(code);
        this.code = code;
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
        body.put("code", code);
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
