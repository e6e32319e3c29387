package dev.callgate.ingress;

import io.quarkus.runtime.StartupEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.stream.Collectors;

/**
 * {@code POST /webhooks/whatsapp}: a delivery from Meta (spec §4.1) — the raw body read up to the size limit, its
 * {@code X-Hub-Signature-256} checked, split into records and published to {@code callgate.webhooks}; 200 only once
 * Kafka acknowledged every record. A plain Vert.x route, first of all routes, on the event loop: the hot path of the
 * ingress has no JAX-RS, CDI request scope or reactive-stream plumbing (docs/benchmarks.md, "Ingress against the
 * ideal", showed them costing more than the work itself). The subscription handshake ({@code GET}) stays in
 * {@link WebhookIngress}.
 *
 * <p>Answers: 200 {@code {"published":n,"ignored":m}}; 401, 400, 413 and 503 with an RFC 9457 problem body. A body
 * over {@code CALLGATE_INGRESS_MAX_BODY_SIZE} is refused from its declared {@code Content-Length} before anything is
 * read, or — sent chunked — as soon as it passes the limit; never more than the limit is held in memory.
 */
@ApplicationScoped
public class WebhookReceiver {

    private static final Logger LOG = Logger.getLogger(WebhookReceiver.class);
    private static final String JSON = "application/json";

    private final IngressConfig config;
    private final WebhookSignature signature;
    private final WebhookSplitter splitter;
    private final WebhookPublisher publisher;
    private final WebhookMetrics metrics;

    public WebhookReceiver(IngressConfig config, WebhookSignature signature, WebhookSplitter splitter,
                           WebhookPublisher publisher, WebhookMetrics metrics) {
        this.config = config;
        this.signature = signature;
        this.splitter = splitter;
        this.publisher = publisher;
        this.metrics = metrics;
    }

    void install(@Observes Router router) {
        router.route(HttpMethod.POST, WebhookIngress.PATH).order(Integer.MIN_VALUE).handler(this::receive);
    }

    /** Warms the per-request path's one-off costs (the signature's first Mac) before Meta's first delivery. */
    void warm(@Observes StartupEvent event) {
        signature.sign(new byte[0]);
    }

    private void receive(RoutingContext context) {
        HttpServerRequest request = context.request();
        HttpServerResponse response = context.response();
        long limit = config.maxBodySize().asLongValue();
        long declared = declaredLength(request.getHeader(HttpHeaders.CONTENT_LENGTH));
        if (declared > limit) {
            tooLarge(response, limit, declared);
            return;
        }
        Instant receivedAt = Instant.now();
        Buffer body = Buffer.buffer(declared > 0 ? (int) declared : 1024);
        boolean[] refused = {false};
        request.handler(chunk -> {
            if (refused[0]) {
                return;
            }
            if (body.length() + chunk.length() > limit) {
                refused[0] = true;
                tooLarge(response, limit, -1);
                return;
            }
            body.appendBuffer(chunk);
        });
        request.exceptionHandler(failure -> LOG.debugf("webhook body not read: %s", failure));
        request.endHandler(end -> {
            if (!refused[0]) {
                handle(request.getHeader(WebhookSignature.HEADER), body.getBytes(), receivedAt, response);
            }
        });
        request.resume();
    }

    private void handle(String signatureHeader, byte[] raw, Instant receivedAt, HttpServerResponse response) {
        if (!signature.isValid(signatureHeader, raw)) {
            metrics.refused(WebhookMetrics.Result.INVALID_SIGNATURE);
            LOG.warnf("webhook refused: %s X-Hub-Signature-256 (%d bytes)",
                    signatureHeader == null ? "missing" : "wrong", raw.length);
            problem(response, Response.Status.UNAUTHORIZED, "invalid-signature",
                    "X-Hub-Signature-256 is missing or does not match the body");
            return;
        }
        SplitWebhook split;
        try {
            split = splitter.split(raw, receivedAt);
        } catch (MalformedWebhookException e) {
            metrics.refused(WebhookMetrics.Result.MALFORMED);
            LOG.warnf("webhook refused as malformed: %s", e.getMessage());
            problem(response, Response.Status.BAD_REQUEST, "malformed-webhook", e.getMessage());
            return;
        }
        publisher.send(split.records()).whenComplete((ok, failure) -> {
            if (failure == null) {
                metrics.parsed(split, null);
                if (LOG.isDebugEnabled()) {
                    LOG.debugf("webhook published: %s", describe(split));
                }
                response.putHeader(HttpHeaders.CONTENT_TYPE, JSON)
                        .end("{\"published\":" + split.records().size() + ",\"ignored\":" + split.ignoredItems() + "}");
            } else {
                metrics.parsed(split, WebhookMetrics.Result.PUBLISH_FAILED);
                LOG.errorf("webhook answered 503, Meta will retry: %s (%s; cause: %s)", failure.getMessage(),
                        describe(split), failure.getCause() == null ? failure : failure.getCause());
                problem(response, Response.Status.SERVICE_UNAVAILABLE, "publish-failed",
                        "the webhook could not be stored; retry later");
            }
        });
    }

    private void tooLarge(HttpServerResponse response, long limit, long declared) {
        metrics.refused(WebhookMetrics.Result.TOO_LARGE);
        LOG.warnf("webhook refused: body %s exceeds the limit of %d bytes",
                declared >= 0 ? "of " + declared + " bytes" : "(chunked)", limit);
        if (!response.ended()) {
            response.setStatusCode(413).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                    .putHeader(HttpHeaders.CONNECTION, "close")
                    .end(Json.encode(tooLarge(limit)));
        }
    }

    /** The 413 problem of a webhook over the limit. */
    static Problem tooLarge(long limit) {
        return Problem.of(Response.Status.REQUEST_ENTITY_TOO_LARGE, "body-too-large",
                "webhook bodies are limited to " + limit + " bytes");
    }

    private static void problem(HttpServerResponse response, Response.Status status, String type, String detail) {
        if (!response.ended()) {
            response.setStatusCode(status.getStatusCode()).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                    .end(Json.encode(Problem.of(status, type, detail)));
        }
    }

    /** The declared length; -1 when absent or not a number (Vert.x refuses a malformed one itself). */
    private static long declaredLength(String length) {
        if (length == null) {
            return -1;
        }
        try {
            return Long.parseLong(length.trim());
        } catch (NumberFormatException notANumber) {
            return -1;
        }
    }

    private static String describe(SplitWebhook split) {
        return split.records().stream()
                .map(r -> r.kind() + " " + r.event() + " " + r.key())
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
