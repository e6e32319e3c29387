package dev.callgate.ingress;

import io.vertx.core.http.HttpMethod;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.Optional;

/**
 * Refuses a webhook whose declared Content-Length exceeds the limit before its body is read. A body without a
 * length (chunked) is measured by {@link WebhookIngress} once read.
 */
public class WebhookBodyLimit {

    private final IngressConfig config;
    private final WebhookMetrics metrics;

    public WebhookBodyLimit(IngressConfig config, WebhookMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> checkDeclaredLength(ContainerRequestContext request) {
        if (!HttpMethod.POST.name().equals(request.getMethod())
                || !WebhookIngress.PATH.equals(request.getUriInfo().getPath())) {
            return Optional.empty();
        }
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length == null) {
            return Optional.empty();
        }
        try {
            if (Long.parseLong(length.trim()) > config.maxBodySize().asLongValue()) {
                metrics.refused(WebhookMetrics.Result.TOO_LARGE);
                return Optional.of(tooLarge(config.maxBodySize().asLongValue()));
            }
        } catch (NumberFormatException badHeader) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    static Response tooLarge(long limit) {
        return Problem.response(Response.Status.REQUEST_ENTITY_TOO_LARGE, "body-too-large",
                "webhook bodies are limited to " + limit + " bytes");
    }
}
