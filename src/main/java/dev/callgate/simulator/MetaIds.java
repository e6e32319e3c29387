package dev.callgate.simulator;

import java.security.SecureRandom;
import java.util.Base64;

/** Ids in the shapes Meta issues them: call ids, message ids, conversation and media ids. */
final class MetaIds {

    private static final SecureRandom RANDOM = new SecureRandom();

    private MetaIds() {
    }

    /**
     * A call id in Meta's shape: {@code wacid.} + standard base64 of a binary id (spec §4.3), so with {@code +} and
     * {@code /} and, for two lengths in three, {@code =} or {@code ==} padding. Every id issued here has both
     * {@code +} and {@code /}, so every test exercises them.
     */
    static String callId() {
        byte[] id = new byte[40 + RANDOM.nextInt(3)]; // 40 bytes end "==", 41 "=", 42 unpadded
        String encoded;
        do {
            RANDOM.nextBytes(id);
            encoded = Base64.getEncoder().encodeToString(id);
        } while (encoded.indexOf('+') < 0 || encoded.indexOf('/') < 0);
        return "wacid." + encoded;
    }

    /** A message id: {@code wamid.} and random url-safe base64. */
    static String messageId() {
        return "wamid." + random(24);
    }

    /** The id of a conversation on a message status. */
    static String conversationId() {
        return random(16);
    }

    /** A media id: 16 digits, as Meta's media ids are numeric. */
    static String mediaId() {
        return String.valueOf(1_000_000_000_000_000L + Math.floorMod(RANDOM.nextLong(), 1_000_000_000_000_000L));
    }

    /** A made-up SHA-256 of a media file, base64. */
    static String sha256() {
        byte[] sha = new byte[32];
        RANDOM.nextBytes(sha);
        return Base64.getEncoder().encodeToString(sha);
    }

    private static String random(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }
}
