/**
 * The call: the per-call state machine (a pure function of state and event), the call and call-event
 * entities and their persistence, and the consumers that feed them (webhooks, commands, media events).
 *
 * Also: restart recovery and instance heartbeats, media commands for calls held by another instance, the drain on
 * shutdown; webhooks that never find their call (parking and its expiry, recovery of a lost connect answer through
 * our {@code biz_opaque_callback_data} correlation); prompt checks when a command arrives; Meta-native recording and
 * transcription. The consumers share one way to store a record ({@code StoreRetry}): data PostgreSQL refuses goes to
 * the DLQ at once, any other failure is retried without limit; a webhook's U+0000 is escaped as it is read
 * ({@code NulCharacters}), its text as received kept beside it.
 *
 * <p>May use: {@code cloudapi}, {@code media}, {@code permission} through their interfaces; {@code events} (the
 * outbox); {@code runtime}; Hibernate Reactive Panache; the {@code callgate.webhooks} contract
 * ({@link dev.callgate.ingress.WebhookRecord}).
 */
package dev.callgate.call;
