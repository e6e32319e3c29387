/**
 * The public contract: command and event JSON types of {@code callgate.commands} and {@code callgate.events}, the
 * REST facade ({@code /v1/calls}, {@code /v1/permissions}, {@code /v1/settings}), and their validation.
 *
 * <p>May use: {@code call} and {@code call.flow} (the orchestrator), {@code call.store} (reads of calls), {@code cluster}
 * (placement during a drain); {@code permission}; {@code settings}; {@code cloudapi}'s exceptions (to map Meta's
 * refusals to problem bodies); {@code media} for the live report of a call's media; {@code tracing} (a call's trace id).
 */
package dev.callgate.api;
