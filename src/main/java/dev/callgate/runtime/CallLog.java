package dev.callgate.runtime;

import io.smallrye.common.vertx.VertxContext;
import org.jboss.logging.MDC;

/**
 * Names the call a piece of work is about in the log's MDC ({@code callRef}, {@code whatsappCallId}), so every line
 * of that work carries them (JSON logs in prod; the trace id comes with the trace). Only on a duplicated Vert.x
 * context, whose MDC dies with the work: on any other thread the MDC is the thread's own and would outlive it, naming
 * the call on other calls' lines.
 */
public final class CallLog {

    public static final String CALL_REF = "callRef";
    public static final String WHATSAPP_CALL_ID = "whatsappCallId";

    private CallLog() {
    }

    /** {@code callgate.log.phone-numbers}, read once. */
    private static final class Personal {
        static final boolean LOGGED = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("callgate.log.phone-numbers", Boolean.class).orElse(false);
    }

    /**
     * A user's phone number (or BSUID) as INFO/WARN lines may show it: whole only when
     * {@code CALLGATE_LOG_PHONE_NUMBERS=true}, else its last 4 characters ({@code …4567}) — enough to tell two users
     * apart in one call's lines, not to name anyone.
     */
    public static String user(String id) {
        if (id == null || Personal.LOGGED) {
            return id;
        }
        return id.length() <= 4 ? "…" : "…" + id.substring(id.length() - 4);
    }

    /**
     * A Kafka key as logs may show it: a permission key's user ({@code perm:<number id>:<user>}) through
     * {@link #user}.
     */
    public static String key(String key) {
        if (key == null || !key.startsWith("perm:")) {
            return key;
        }
        int user = key.indexOf(':', 5);
        return user < 0 ? key : key.substring(0, user + 1) + user(key.substring(user + 1));
    }

    /**
     * The call's trace from here on in this work's lines ({@code traceId}, {@code spanId}, as OpenTelemetry's own MDC
     * entries): a webhook's work starts in the webhook's trace and, once its call is known, logs in the call's.
     */
    public static void trace(io.opentelemetry.api.trace.SpanContext span) {
        if (span.isValid() && VertxContext.isOnDuplicatedContext()) {
            MDC.put("traceId", span.getTraceId());
            MDC.put("spanId", span.getSpanId());
        }
    }

    /** Puts the names that are known (null ones are left as they are). */
    public static void name(String callRef, String whatsappCallId) {
        if (!VertxContext.isOnDuplicatedContext()) {
            return;
        }
        if (callRef != null) {
            MDC.put(CALL_REF, callRef);
        }
        if (whatsappCallId != null) {
            MDC.put(WHATSAPP_CALL_ID, whatsappCallId);
        }
    }
}
