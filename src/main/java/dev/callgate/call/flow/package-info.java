/**
 * The call flow: the consumers of {@code callgate.webhooks} ({@link dev.callgate.call.flow.WebhookEventRecorder}) and,
 * through {@link dev.callgate.call.flow.CallOrchestrator}, of commands and media reports — one transaction per signal
 * that commits the new state, the dedup record, the outbox rows, the timers and the durable effects it decided — and
 * the effect runners: {@link dev.callgate.call.flow.CloudApiEffects} (Graph API actions as rows, run at once, retried
 * with backoff, results committed as signals), {@link dev.callgate.call.flow.CallEffects} (media steps, on the owning
 * instance), {@link dev.callgate.call.flow.MediaCommands} (steps routed to another instance's media, fenced by epoch),
 * the timer poller ({@link dev.callgate.call.flow.TimerScheduler}) and the effect poller
 * ({@link dev.callgate.call.flow.EffectPolling}).
 *
 * <p>Also: restart and dead-owner recovery ({@link dev.callgate.call.flow.MediaRecovery}), the drain on shutdown and
 * the recycle past a memory threshold ({@link dev.callgate.call.flow.Recycle}),
 * webhooks that never find their call (parking and its expiry), how incoming calls are answered, prompt checks, and
 * the calls' quality samples on their rows and in the metrics ({@link dev.callgate.call.flow.QualityRecorder}).
 *
 * <p>May use: {@code call}, {@code call.store}, {@code cluster}, {@code outbox}, {@code contract}, {@code runtime}, {@code tracing};
 * {@code cloudapi}, {@code media}, {@code permission}, {@code stream} through their interfaces; Hibernate Reactive Panache; the Kafka
 * connector (its consumers).
 */
package dev.callgate.call.flow;
