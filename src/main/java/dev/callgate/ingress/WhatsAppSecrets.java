package dev.callgate.ingress;

import io.smallrye.config.ConfigMapping;

/**
 * The two secrets Meta's webhooks are checked with. Required: without them the application does not start
 * (dev and test profiles set throwaway values). Never logged; {@link #toString()} of a mapping is not used anywhere.
 */
@ConfigMapping(prefix = "callgate.whatsapp")
public interface WhatsAppSecrets {

    /** The Meta app secret, key of the HMAC-SHA256 in {@code X-Hub-Signature-256} ({@code CALLGATE_WHATSAPP_APP_SECRET}). */
    String appSecret();

    /** The token Meta echoes in the subscription handshake ({@code CALLGATE_WHATSAPP_VERIFY_TOKEN}). */
    String verifyToken();
}
