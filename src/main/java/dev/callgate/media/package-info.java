/**
 * The media worker pool: one PeerConnection per call (webrtc-java), SDP offers and answers, ICE and DTLS
 * state, audio in (prompts, tones) and out (recordings), bounded capacity with a clear refusal, and the close of every
 * native object when a call ends.
 *
 * <p>{@link dev.callgate.media.AudioPeer} is the building block: one PeerConnection with its own headless audio module
 * and factory, outgoing audio pulled from a {@link dev.callgate.media.ToneGenerator} by the module's capture thread,
 * received audio measured by an {@link dev.callgate.media.AudioMeter}. In webrtc-java 0.14.0 each closed peer still
 * leaves two native threads behind (the PeerConnection is never released), so call churn costs threads.
 *
 * <p>{@link dev.callgate.media.MediaWorkerPool} is what the rest of Callgate uses: the same recipe, but the module and
 * factory live in a reusable {@code MediaSlot} (one call at a time, source swapped between calls, never during one),
 * so 200 calls in a row leave the thread count flat. What remains: each closed PeerConnection still keeps ~120-145 kB
 * of native memory (measured by {@code MediaWorkerPoolChurnTest}). A call's audio can be handed to an
 * {@link dev.callgate.media.AudioBridge} (48 kHz mono both ways, on the media threads) — how an audio stream to a voice
 * agent gets the user's voice and plays the agent's.
 *
 * <p>With {@code callgate.media.shared-factory=true} the pool uses {@link dev.callgate.media.SharedMedia} instead of
 * slots: one module and factory for every call, each call's audio pushed into its own source every 10 ms by one media
 * clock thread, each sender inactive until its call is CONNECTED (see there for the recipe and its rules).
 *
 * <p>Call quality: the pool samples each connected call's libwebrtc stats every {@code callgate.media.quality-interval}
 * (deadlined, never waiting on a media thread) and once as it closes; {@link dev.callgate.media.CallQuality} (pure) turns
 * two reports into loss, jitter, RTT, bitrates and an E-model MOS, handed to a
 * {@link dev.callgate.media.QualityListener}.
 *
 * <p>May use: webrtc-java. Nothing else of Callgate.
 */
package dev.callgate.media;
