package dev.callgate.ingress;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.Response;

/**
 * Webhook bodies over the limit ({@code CALLGATE_INGRESS_MAX_BODY_SIZE}, which is also
 * {@code quarkus.http.limits.max-body-size}) are refused before they are buffered. A declared {@code Content-Length}
 * over the limit is answered here, first of all routes, with a 413 JSON problem and the connection closed. A body
 * without a length (chunked) is counted by Quarkus while it is read and cut off with a bare 413 as soon as it passes
 * the limit — never more than the limit is held in memory.
 */
@ApplicationScoped
public class OversizedBodies {

    private final IngressConfig config;
    private final WebhookMetrics metrics;

    public OversizedBodies(IngressConfig config, WebhookMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    void install(@Observes Router router) {
        router.route(HttpMethod.POST, WebhookIngress.PATH).order(Integer.MIN_VALUE).handler(context -> {
            String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            long limit = config.maxBodySize().asLongValue();
            if (length == null || !declaredOver(length, limit)) {
                context.next();
                return;
            }
            metrics.refused(WebhookMetrics.Result.TOO_LARGE);
            context.response().setStatusCode(413).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                    .putHeader(HttpHeaders.CONNECTION, "close")
                    .end(Json.encode(tooLarge(limit)));
        });
    }

    /** The 413 problem of a webhook over the limit (also for a chunked body the ingress measures itself). */
    static Problem tooLarge(long limit) {
        return Problem.of(Response.Status.REQUEST_ENTITY_TOO_LARGE, "body-too-large",
                "webhook bodies are limited to " + limit + " bytes");
    }

    private static boolean declaredOver(String length, long limit) {
        try {
            return Long.parseLong(length.trim()) > limit;
        } catch (NumberFormatException notANumber) {
            return false; // Vert.x refuses a malformed Content-Length itself
        }
    }
}
