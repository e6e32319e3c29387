package dev.callgate.ingress;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.Response;

/** An RFC 9457 problem body ({@code application/problem+json}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail) {

    public static final String MEDIA_TYPE = "application/problem+json";

    /** A response carrying a problem of the given status; {@code type} is a stable, documented slug. */
    public static Response response(Response.Status status, String type, String detail) {
        return Response.status(status).type(MEDIA_TYPE).entity(of(status, type, detail)).build();
    }

    /** The problem itself, for answers written outside JAX-RS. */
    public static Problem of(Response.Status status, String type, String detail) {
        return new Problem("https://callgate.dev/problems/" + type, status.getReasonPhrase(), status.getStatusCode(),
                detail);
    }
}
