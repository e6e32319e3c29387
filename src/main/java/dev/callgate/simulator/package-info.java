/**
 * A faithful local stand-in for Meta's side of the Calling API (Graph endpoints, a real WebRTC peer for the
 * user's phone, signed webhooks). Present in dev and test builds only.
 *
 * <p>Parts: {@link dev.callgate.simulator.CallingSimulator} puts them together for the Graph surface
 * ({@code GraphApiSimulation}, {@code UnversionedGraphApiSimulation}) and the admin API ({@code SimulatorAdmin}).
 * {@code SimulatedNumbers} holds each business number's state behind the number's own lock;
 * {@code BusinessCallActions} is {@code POST /calls}; {@code SimulatedCalls} the user's phone and script, Meta's
 * timers, the end of a call and the reports; {@code SimulatedPermissions}, {@code SimulatedMessages} and
 * {@code SimulatedSettings} the other Graph resources; {@code MetaWebhooks} decides what is sent in which order,
 * {@code WebhookPayloads} shapes the bodies and {@code WebhookDelivery} signs, posts and retries; {@code Faults}
 * holds the test hooks (faults and chaos switches).
 *
 * <p>May use: {@code media}'s {@link dev.callgate.media.AudioPeer} (the one place the headless WebRTC recipe lives) and
 * {@code cloudapi}'s {@link dev.callgate.cloudapi.CallingError} (the table of codes both sides are built to) and
 * {@link dev.callgate.cloudapi.WhatsAppUserId} (what a BSUID looks like); the JDK HTTP client for webhooks. Nothing
 * else of Callgate. Every bean and endpoint is behind the build-time switch {@code callgate.simulator.enabled}, false
 * in the prod build; the packaged application does not carry these classes at all (see {@code pom.xml}).
 */
package dev.callgate.simulator;
