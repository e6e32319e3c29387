/**
 * The media worker pool: one PeerConnection per call (webrtc-java), SDP offers and answers, ICE and DTLS
 * state, audio in (prompts, tones) and out (recordings), bounded capacity with a clear refusal, and the close of every
 * native object when a call ends.
 *
 * <p>May use: webrtc-java. Nothing else of Callgate.
 */
package dev.callgate.media;
