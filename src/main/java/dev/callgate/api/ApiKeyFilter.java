package dev.callgate.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;

/** {@code Authorization: Bearer <CALLGATE_API_KEY>} on every {@code /v1/} request, compared in constant time. */
public class ApiKeyFilter {

    private final ApiConfig config;

    public ApiKeyFilter(ApiConfig config) {
        this.config = config;
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> check(ContainerRequestContext request) {
        if (!request.getUriInfo().getPath().startsWith("/v1/")) {
            return Optional.empty();
        }
        if (config.key().isEmpty()) {
            return config.openWithoutKey() ? Optional.empty()
                    : Optional.of(problem(Response.Status.SERVICE_UNAVAILABLE, "api-disabled",
                    "the REST API is disabled: no CALLGATE_API_KEY is configured"));
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        String given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
        if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                config.key().get().getBytes(StandardCharsets.UTF_8))) {
            return Optional.of(problem(Response.Status.UNAUTHORIZED, "unauthorized",
                    "Authorization: Bearer <api key> is missing or wrong"));
        }
        return Optional.empty();
    }

    static Response problem(Response.Status status, String type, String detail) {
        return problem(status, type, detail, Map.of());
    }

    /** A problem body (RFC 9457) with extension members, e.g. the list of every problem found. */
    static Response problem(Response.Status status, String type, String detail, Map<String, Object> extensions) {
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("type", "https://callgate.dev/problems/" + type);
        body.put("title", status.getReasonPhrase());
        body.put("status", status.getStatusCode());
        body.put("detail", detail);
        body.putAll(extensions);
        return Response.status(status).type("application/problem+json").entity(body).build();
    }
}
