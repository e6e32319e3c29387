package dev.callgate.support;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.util.List;

/**
 * The spans the application under test finished, kept in memory (the OpenTelemetry SDK's test exporter, added to the
 * SDK's processors as a CDI bean). Only a test profile that turns the SDK on ({@code quarkus.otel.sdk.disabled=false})
 * produces any.
 */
@Singleton
public class TestSpans {

    public static final InMemorySpanExporter EXPORTER = InMemorySpanExporter.create();

    @Produces
    @Singleton
    SpanProcessor inMemory() {
        return SimpleSpanProcessor.create(EXPORTER);
    }

    /** The finished spans of trace {@code traceId}. */
    public static List<SpanData> of(String traceId) {
        return EXPORTER.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    }
}
