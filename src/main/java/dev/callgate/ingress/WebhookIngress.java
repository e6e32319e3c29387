package dev.callgate.ingress;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestQuery;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The endpoint Meta delivers WhatsApp webhooks to (spec §4.1): the subscription handshake, and signed deliveries
 * that are split and published to Kafka before they are acknowledged.
 */
@Path(WebhookIngress.PATH)
public class WebhookIngress {

    public static final String PATH = "/webhooks/whatsapp";
    private static final Logger LOG = Logger.getLogger(WebhookIngress.class);

    private final WhatsAppSecrets secrets;
    private final IngressConfig config;
    private final WebhookSignature signature;
    private final WebhookSplitter splitter;
    private final WebhookPublisher publisher;
    private final WebhookMetrics metrics;

    public WebhookIngress(WhatsAppSecrets secrets, IngressConfig config, WebhookSignature signature,
                          WebhookSplitter splitter, WebhookPublisher publisher, WebhookMetrics metrics) {
        this.secrets = secrets;
        this.config = config;
        this.signature = signature;
        this.splitter = splitter;
        this.publisher = publisher;
        this.metrics = metrics;
    }

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    @Operation(summary = "Webhook subscription handshake: echoes hub.challenge when the verify token matches")
    public Response verify(@RestQuery("hub.mode") String mode,
                           @RestQuery("hub.verify_token") String token,
                           @RestQuery("hub.challenge") String challenge) {
        if ("subscribe".equals(mode) && challenge != null && token != null && tokenMatches(token)) {
            LOG.info("webhook subscription verified");
            return Response.ok(challenge, MediaType.TEXT_PLAIN).build();
        }
        LOG.warnf("webhook subscription refused (hub.mode %s, token %s, challenge %s)",
                "subscribe".equals(mode) ? "subscribe" : mode == null ? "missing" : "not subscribe",
                token == null ? "missing" : tokenMatches(token) ? "right" : "wrong",
                challenge == null ? "missing" : "present");
        return Response.status(Response.Status.FORBIDDEN).type(MediaType.TEXT_PLAIN).entity("forbidden").build();
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
    @Operation(summary = "Webhook delivery: verified, split and published to callgate.webhooks before the 200")
    public Uni<Response> receive(@RestHeader(WebhookSignature.HEADER) String signatureHeader, byte[] body) {
        Instant receivedAt = Instant.now();
        byte[] raw = body == null ? new byte[0] : body;
        if (raw.length > config.maxBodySize().asLongValue()) {
            metrics.refused(WebhookMetrics.Result.TOO_LARGE);
            LOG.warnf("webhook refused: body of %d bytes exceeds the limit of %d", raw.length,
                    config.maxBodySize().asLongValue());
            return Uni.createFrom().item(Response.status(Response.Status.REQUEST_ENTITY_TOO_LARGE)
                    .type(Problem.MEDIA_TYPE).entity(OversizedBodies.tooLarge(config.maxBodySize().asLongValue()))
                    .build());
        }
        if (!signature.isValid(signatureHeader, raw)) {
            metrics.refused(WebhookMetrics.Result.INVALID_SIGNATURE);
            LOG.warnf("webhook refused: %s X-Hub-Signature-256 (%d bytes)",
                    signatureHeader == null ? "missing" : "wrong", raw.length);
            return Uni.createFrom().item(Problem.response(Response.Status.UNAUTHORIZED, "invalid-signature",
                    "X-Hub-Signature-256 is missing or does not match the body"));
        }
        SplitWebhook split;
        try {
            split = splitter.split(raw, receivedAt);
        } catch (MalformedWebhookException e) {
            metrics.refused(WebhookMetrics.Result.MALFORMED);
            LOG.warnf("webhook refused as malformed: %s", e.getMessage());
            return Uni.createFrom().item(Problem.response(Response.Status.BAD_REQUEST, "malformed-webhook",
                    e.getMessage()));
        }
        return publisher.publish(split.records())
                .onItem().transform(ignored -> {
                    metrics.parsed(split, null);
                    if (LOG.isDebugEnabled()) {
                        LOG.debugf("webhook published: %s", describe(split));
                    }
                    return Response.ok(Map.of("published", split.records().size(),
                            "ignored", split.ignoredItems())).build();
                })
                .onFailure().recoverWithItem(failure -> {
                    metrics.parsed(split, WebhookMetrics.Result.PUBLISH_FAILED);
                    LOG.errorf("webhook answered 503, Meta will retry: %s (%s; cause: %s)", failure.getMessage(),
                            describe(split), failure.getCause() == null ? failure : failure.getCause());
                    return Problem.response(Response.Status.SERVICE_UNAVAILABLE, "publish-failed",
                            "the webhook could not be stored; retry later");
                });
    }

    private boolean tokenMatches(String token) {
        return MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
                secrets.verifyToken().getBytes(StandardCharsets.UTF_8));
    }

    private static String describe(SplitWebhook split) {
        return split.records().stream()
                .map(r -> r.kind() + " " + r.event() + " " + r.key())
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
