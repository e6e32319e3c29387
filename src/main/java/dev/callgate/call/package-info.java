/**
 * The call: the per-call state machine (a pure function of state and event), the call and call-event
 * entities and their persistence, and the consumers that feed them (webhooks, commands, media events).
 *
 * <p>May use: {@code cloudapi}, {@code media}, {@code permission} through their interfaces; Hibernate Reactive
 * Panache; the {@code callgate.webhooks} contract ({@link dev.callgate.ingress.WebhookRecord}).
 */
package dev.callgate.call;
