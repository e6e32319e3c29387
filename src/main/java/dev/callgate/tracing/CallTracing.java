package dev.callgate.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.header.Headers;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.charset.StandardCharsets;

/**
 * Starts Callgate's own spans, each with an explicit parent: reactive work hops threads and Vert.x contexts, so a
 * call's spans take their parent from the call (its row's trace, the transition's span) rather than from whatever
 * context happens to be current. Tracing off ({@code quarkus.otel.sdk.disabled}, the default): every span is the
 * invalid one and nothing is written to rows or headers — Quarkus's "disabled" SDK still makes valid, unexported
 * spans (its instrumentation's), which must not leak into calls or events.
 */
@ApplicationScoped
public class CallTracing {

    /** Attribute keys Callgate sets on its spans (the call, by both its names). */
    public static final AttributeKey<String> CALL_REF = AttributeKey.stringKey("callgate.call.ref");
    public static final AttributeKey<String> WHATSAPP_CALL_ID = AttributeKey.stringKey("whatsapp.call.id");
    public static final AttributeKey<Long> GRAPH_ERROR_CODE = AttributeKey.longKey("graph.error.code");
    /** The W3C header that carries a context across Kafka. */
    public static final String TRACEPARENT = "traceparent";

    private final Tracer tracer;
    private final boolean enabled;

    /**
     * @param openTelemetry the SDK; none in a build with {@code -Dquarkus.otel.enabled=false} (tracing left out):
     *                      then tracing is off
     */
    public CallTracing(jakarta.enterprise.inject.Instance<OpenTelemetry> openTelemetry,
                       @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean disabled) {
        this.enabled = !disabled && openTelemetry.isResolvable();
        this.tracer = (enabled ? openTelemetry.get() : OpenTelemetry.noop()).getTracer("dev.callgate");
    }

    /** Whether spans are made and exported. */
    public boolean enabled() {
        return enabled;
    }

    /** The traceparent of the current context's span (a new call's trace, an outbox row's parent); null when off. */
    public String current() {
        return enabled ? TraceParent.current() : null;
    }

    /**
     * A span of a call, child of {@code parent} ({@link Context#root()}: a trace of its own). {@code cause}: the
     * context of the message that caused it when that is another trace (a webhook's), linked.
     */
    public Span start(String name, SpanKind kind, Context parent, Context cause, String callRef,
                      String whatsappCallId) {
        if (!enabled) {
            return Span.getInvalid();
        }
        SpanBuilder builder = tracer.spanBuilder(name).setSpanKind(kind).setParent(parent);
        SpanContext parentSpan = Span.fromContext(parent).getSpanContext();
        if (cause != null) {
            SpanContext causeSpan = Span.fromContext(cause).getSpanContext();
            if (causeSpan.isValid() && !causeSpan.getTraceId().equals(parentSpan.getTraceId())) {
                builder.addLink(causeSpan);
            }
        }
        if (callRef != null) {
            builder.setAttribute(CALL_REF, callRef);
        }
        if (whatsappCallId != null) {
            builder.setAttribute(WHATSAPP_CALL_ID, whatsappCallId);
        }
        return builder.startSpan();
    }

    /** A producer span for a record to {@code topic}, child of {@code parent}; its context goes in the headers. */
    public Span publish(String topic, Context parent, Headers headers) {
        if (!enabled) {
            return Span.getInvalid();
        }
        Span span = tracer.spanBuilder(topic + " publish").setSpanKind(SpanKind.PRODUCER).setParent(parent)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.destination.name", topic)
                .setAttribute("messaging.operation", "publish")
                .startSpan();
        String traceparent = TraceParent.of(parent.with(span));
        if (traceparent != null) {
            headers.remove(TRACEPARENT);
            headers.add(TRACEPARENT, traceparent.getBytes(StandardCharsets.US_ASCII));
        }
        return span;
    }

    /** Ends {@code span}, as failed when {@code failure} is not null. */
    public static void end(Span span, Throwable failure) {
        if (failure != null) {
            span.recordException(failure);
            span.setStatus(StatusCode.ERROR, String.valueOf(failure.getMessage()));
        }
        span.end();
    }
}
