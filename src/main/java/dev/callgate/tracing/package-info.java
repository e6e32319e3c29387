/**
 * Tracing of calls with OpenTelemetry (API only; the Quarkus extension provides the SDK, off unless
 * {@code OTEL_SDK_DISABLED=false}). One trace per call: its W3C context is kept on the call row from the message that
 * created it (a command's, or the ingress's for an incoming call) and every transition, Graph request, media step and
 * published event of the call is a span in that trace. Meta's webhooks arrive without trace context: each has its own
 * short trace (ingress → {@code callgate.webhooks} → consumer), linked from the call's transition it caused.
 * Contexts cross Kafka as {@code traceparent} headers and PostgreSQL as {@code trace_parent} columns.
 *
 * <p>May use: OpenTelemetry API, Kafka headers. Used by every package that starts work for a call.
 */
package dev.callgate.tracing;
