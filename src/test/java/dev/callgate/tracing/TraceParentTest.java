package dev.callgate.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The W3C traceparent text kept on rows and in Kafka headers: written and read back; anything else read as none. */
class TraceParentTest {

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN = "00f067aa0ba902b7";

    @Test
    void aSpansContextIsWrittenAndReadBack() {
        Context context = Context.root().with(Span.wrap(SpanContext.create(TRACE, SPAN, TraceFlags.getSampled(),
                TraceState.getDefault())));
        String written = TraceParent.of(context);
        assertThat(written).isEqualTo("00-" + TRACE + "-" + SPAN + "-01");

        SpanContext read = TraceParent.spanContext(written);
        assertThat(read.isValid()).isTrue();
        assertThat(read.isRemote()).isTrue();
        assertThat(read.getTraceId()).isEqualTo(TRACE);
        assertThat(read.getSpanId()).isEqualTo(SPAN);
        assertThat(read.isSampled()).isTrue();
        assertThat(TraceParent.traceId(written)).isEqualTo(TRACE);
        assertThat(TraceParent.of(TraceParent.context(written))).isEqualTo(written);
    }

    @Test
    void anUnsampledContextKeepsItsFlag() {
        String written = "00-" + TRACE + "-" + SPAN + "-00";
        assertThat(TraceParent.spanContext(written).isSampled()).isFalse();
        assertThat(TraceParent.of(TraceParent.context(written))).isEqualTo(written);
    }

    @Test
    void noSpanIsNoTraceparent() {
        assertThat(TraceParent.of(Context.root())).isNull();
        assertThat(TraceParent.of(null)).isNull();
        assertThat(TraceParent.context(null)).isSameAs(Context.root());
        assertThat(TraceParent.traceId(null)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "", "garbage",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // another version
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01", // all-zero trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", // all-zero span id
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", // upper case
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g", // not hex
            "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01", // wrong separator
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-", // too long
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01" // too short
    })
    void anythingElseIsReadAsNoTrace(String hostile) {
        assertThat(TraceParent.spanContext(hostile).isValid()).isFalse();
        assertThat(TraceParent.context(hostile)).isSameAs(Context.root());
        assertThat(TraceParent.traceId(hostile)).isNull();
    }
}
