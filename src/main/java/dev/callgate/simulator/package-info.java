/**
 * A faithful local stand-in for Meta's side of the Calling API (Graph endpoints, a real WebRTC peer for the
 * user's phone, signed webhooks). Present in dev and test builds only.
 *
 * <p>May use: webrtc-java, the Vert.x web client. Nothing of Callgate's production packages.
 */
package dev.callgate.simulator;
