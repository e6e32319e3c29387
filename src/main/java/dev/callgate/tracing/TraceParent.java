package dev.callgate.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;

/**
 * A span context written as a W3C {@code traceparent} ({@code 00-<trace id>-<span id>-<flags>}), the form it is kept
 * in on PostgreSQL rows (the call's trace, an outbox row's parent) and crosses Kafka in. Pure functions of the
 * OpenTelemetry API: with tracing off every context is invalid and every value null, at the cost of one check.
 */
public final class TraceParent {

    private TraceParent() {
    }

    /** The {@code traceparent} of the span in {@code context}, or null when it holds no valid span. */
    public static String of(Context context) {
        if (context == null) {
            return null;
        }
        SpanContext span = Span.fromContext(context).getSpanContext();
        if (!span.isValid()) {
            return null;
        }
        return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-" + span.getTraceFlags().asHex();
    }

    /** The {@code traceparent} of the current context's span, or null. */
    public static String current() {
        return of(Context.current());
    }

    /**
     * A context whose (remote) parent span is {@code traceparent}; {@link Context#root()} for null or anything that is
     * not a version-00 traceparent with non-zero ids (read from rows and headers others may have written).
     */
    public static Context context(String traceparent) {
        SpanContext span = spanContext(traceparent);
        return span.isValid() ? Context.root().with(Span.wrap(span)) : Context.root();
    }

    /** The span context {@code traceparent} names, or an invalid one. */
    public static SpanContext spanContext(String traceparent) {
        if (traceparent == null || traceparent.length() != 55 || !traceparent.startsWith("00-")
                || traceparent.charAt(35) != '-' || traceparent.charAt(52) != '-') {
            return SpanContext.getInvalid();
        }
        String traceId = traceparent.substring(3, 35);
        String spanId = traceparent.substring(36, 52);
        String flags = traceparent.substring(53, 55);
        if (!isLowerHex(traceId) || !isLowerHex(spanId) || !isLowerHex(flags)) {
            return SpanContext.getInvalid();
        }
        return SpanContext.createFromRemoteParent(traceId, spanId,
                TraceFlags.fromByte((byte) Integer.parseInt(flags, 16)), TraceState.getDefault());
    }

    /** The trace id of {@code traceparent}, or null. */
    public static String traceId(String traceparent) {
        SpanContext span = spanContext(traceparent);
        return span.isValid() ? span.getTraceId() : null;
    }

    private static boolean isLowerHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }
}
