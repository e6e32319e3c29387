/**
 * Audio streams to external applications (voice agents) over WebSocket: the protocols, resampling and codecs, the
 * playback queue. Twilio Media Streams carry μ-law at 8000 Hz mono; Callgate's own ("native") protocol carries 16-bit
 * PCM at 16000 or 24000 Hz in binary frames; call audio inside Callgate is 16-bit PCM mono at 48000 Hz in 10 ms frames.
 *
 * <p>{@link dev.callgate.stream.AudioStreams} starts and stops the streams of the calls this instance holds the media
 * of and tells the call's side ({@code CallSide}: started, stopped with a reason, hang up);
 * {@link dev.callgate.stream.AudioStream} is one call's stream — a WebSocket client that is the call's
 * {@link dev.callgate.media.AudioBridge} — speaking a {@code StreamProtocol} ({@code TwilioProtocol} over
 * {@link dev.callgate.stream.TwilioMessages}, {@code NativeProtocol}); {@link dev.callgate.stream.StreamSpec} is what a
 * command, a call row or the configuration asks for (validated, canonical JSON), {@link dev.callgate.stream.StreamCall}
 * the call as the application is told, {@link dev.callgate.stream.StreamSignature} the signed upgrade; the codecs
 * ({@link dev.callgate.stream.MuLaw}, {@link dev.callgate.stream.Resampler}) and
 * {@link dev.callgate.stream.PlaybackQueue} (the application's audio with its marks and clear).
 *
 * <p>May use: {@code media}, Vert.x (the WebSocket client), Jackson, Micrometer. Knows no call state: the call side
 * is an interface {@code call.flow} implements.
 */
package dev.callgate.stream;
