package dev.callgate.ingress;

import jakarta.enterprise.context.ApplicationScoped;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Checks {@code X-Hub-Signature-256: sha256=<hex>} against HMAC-SHA256(app secret, raw body).
 * The comparison is constant-time over the decoded digest; the body is never re-serialised.
 */
@ApplicationScoped
public class WebhookSignature {

    static final String HEADER = "X-Hub-Signature-256";
    private static final String PREFIX = "sha256=";
    private static final int DIGEST_LENGTH = 32;

    private final SecretKeySpec key;
    /** One initialised Mac per thread (event loops): Mac.getInstance and init cost more than hashing a webhook. */
    private final ThreadLocal<Mac> macs;

    public WebhookSignature(WhatsAppSecrets secrets) {
        String secret = secrets.appSecret();
        if (secret == null || secret.isBlank()) {
            throw new IllegalStateException("callgate.whatsapp.app-secret (CALLGATE_WHATSAPP_APP_SECRET) is blank");
        }
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.macs = ThreadLocal.withInitial(this::newMac);
    }

    /** True only if {@code header} is a well-formed sha256 signature of exactly these bytes. */
    public boolean isValid(String header, byte[] rawBody) {
        if (header == null || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return false;
        }
        String hex = header.substring(PREFIX.length()).trim();
        if (hex.length() != DIGEST_LENGTH * 2) {
            return false;
        }
        byte[] claimed;
        try {
            claimed = HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException notHex) {
            return false;
        }
        return MessageDigest.isEqual(sign(rawBody), claimed);
    }

    /** HMAC-SHA256 of the bytes with the app secret. */
    public byte[] sign(byte[] rawBody) {
        return macs.get().doFinal(rawBody); // doFinal resets the Mac for the next body
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
