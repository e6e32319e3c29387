package dev.callgate.call;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code biz_opaque_callback_data} as Callgate sends it on {@code connect}: its own correlation — the call's row id —
 * in front of the caller's value, {@code cg1:<32 hex>:<caller's value>}. Meta echoes the field in the status and
 * terminate webhooks (spec §1), so a webhook for a call id Callgate never heard of (the connect's HTTP answer was
 * lost: a timeout, a 5xx) still names its call. The caller's value is kept as given and is what events show.
 */
public final class BizOpaqueData {

    private static final String PREFIX = "cg1:";
    private static final Pattern OURS = Pattern.compile("cg1:([0-9a-f]{32}):(.*)", Pattern.DOTALL);
    /** Meta's limit (512) less Callgate's correlation. */
    public static final int MAX_CALLER_LENGTH = 512 - PREFIX.length() - 33;

    private BizOpaqueData() {
    }

    /** The value for {@code connect}: the correlation of {@code callId} and the caller's value (may be null). */
    public static String wire(UUID callId, String callerValue) {
        return PREFIX + callId.toString().replace("-", "") + ":" + (callerValue == null ? "" : callerValue);
    }

    /** The call a webhook's echoed value names, when Callgate set it. */
    public static Optional<UUID> callOf(String echoed) {
        Matcher m = echoed == null ? null : OURS.matcher(echoed);
        if (m == null || !m.matches()) {
            return Optional.empty();
        }
        String hex = m.group(1);
        return Optional.of(new UUID(Long.parseUnsignedLong(hex.substring(0, 16), 16),
                Long.parseUnsignedLong(hex.substring(16), 16)));
    }

    /** The caller's own value within an echoed one (null when they gave none); a foreign value as it is. */
    public static String callerValue(String echoed) {
        Matcher m = echoed == null ? null : OURS.matcher(echoed);
        if (m == null || !m.matches()) {
            return echoed;
        }
        return m.group(2).isEmpty() ? null : m.group(2);
    }
}
