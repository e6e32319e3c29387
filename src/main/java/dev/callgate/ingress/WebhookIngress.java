package dev.callgate.ingress;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestQuery;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The endpoint Meta delivers WhatsApp webhooks to (spec §4.1): here the subscription handshake ({@code GET}); the
 * signed deliveries ({@code POST}) are a Vert.x route of their own, {@link WebhookReceiver}.
 */
@Path(WebhookIngress.PATH)
public class WebhookIngress {

    public static final String PATH = "/webhooks/whatsapp";
    private static final Logger LOG = Logger.getLogger(WebhookIngress.class);

    private final WhatsAppSecrets secrets;

    public WebhookIngress(WhatsAppSecrets secrets) {
        this.secrets = secrets;
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

    private boolean tokenMatches(String token) {
        return MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
                secrets.verifyToken().getBytes(StandardCharsets.UTF_8));
    }
}
