/**
 * The call, as a pure function: {@link dev.callgate.call.CallStateMachine} maps a call's state
 * ({@link dev.callgate.call.CallSnapshot}) and a {@link dev.callgate.call.CallSignal} to its next state and the
 * {@link dev.callgate.call.CallEffect}s to carry out — states, signals, effects, outcomes and timers as data, every
 * (state, signal) pair defined. Also the pure readings around it: a {@code callgate.webhooks} record as the signal it is
 * ({@link dev.callgate.call.WebhookSignals}), Meta's recording/transcription objects, our
 * {@code biz_opaque_callback_data} correlation, a validated request to place a call, and the calls' configuration
 * ({@link dev.callgate.call.CallConfig}: timers, retries, instance settings — values only).
 *
 * <p>No I/O. Sub-packages: {@code call.store} (the call tables), {@code call.flow} (consumers, transactions, the
 * effect runners).
 *
 * <p>May use: {@code contract}, Jackson's tree types, SmallRye Config's mapping annotations; nothing else.
 */
package dev.callgate.call;
