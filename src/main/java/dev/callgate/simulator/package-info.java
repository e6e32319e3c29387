/**
 * A faithful local stand-in for Meta's side of the Calling API (Graph endpoints, a real WebRTC peer for the
 * user's phone, signed webhooks). Present in dev and test builds only.
 *
 * <p>May use: {@code media}'s {@link dev.callgate.media.AudioPeer} (the one place the headless WebRTC recipe lives) and
 * {@code cloudapi}'s {@link dev.callgate.cloudapi.CallingError} (the table of codes both sides are built to); the JDK
 * HTTP client for webhooks. Nothing else of Callgate. Every bean and endpoint is behind the build-time switch
 * {@code callgate.simulator.enabled}, false in the prod build.
 */
package dev.callgate.simulator;
