package dev.callgate.stream;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The signature on a stream's WebSocket upgrade, for the application to check that Callgate opened it:
 * {@value #HEADER}{@code : t=<unix seconds>,v1=<hex HMAC-SHA256>} over {@code "<t>.<url>"} — the URL exactly as the
 * stream spec gives it, query included — keyed with the configured secret ({@code CALLGATE_STREAMS_SIGNING_SECRET}).
 * The application recomputes it over the URL it was given, compares in constant time and refuses a timestamp older
 * than a few minutes (replay). Shaped like Stripe's webhook signatures, so the usual verification code fits.
 */
public final class StreamSignature {

    public static final String HEADER = "X-Callgate-Signature";

    private final SecretKeySpec key;

    public StreamSignature(String secret) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("a signing secret is required");
        }
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    /** The header's value for this URL at this time. */
    public String sign(String url, long epochSeconds) {
        return "t=" + epochSeconds + ",v1=" + HexFormat.of().formatHex(mac(epochSeconds + "." + url));
    }

    /**
     * What an application does (and what the tests use): true when {@code header} is this secret's signature of
     * {@code url}, made at most {@code toleranceSeconds} before (or after) {@code nowEpochSeconds}.
     */
    public boolean verify(String header, String url, long nowEpochSeconds, long toleranceSeconds) {
        if (header == null) {
            return false;
        }
        long t = -1;
        String v1 = null;
        for (String part : header.split(",")) {
            String[] kv = part.trim().split("=", 2);
            if (kv.length == 2 && "t".equals(kv[0])) {
                try {
                    t = Long.parseLong(kv[1]);
                } catch (NumberFormatException e) {
                    return false;
                }
            } else if (kv.length == 2 && "v1".equals(kv[0])) {
                v1 = kv[1];
            }
        }
        if (t < 0 || v1 == null || Math.abs(nowEpochSeconds - t) > toleranceSeconds) {
            return false;
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(v1);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(given, mac(t + "." + url));
    }

    private byte[] mac(String content) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(content.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
