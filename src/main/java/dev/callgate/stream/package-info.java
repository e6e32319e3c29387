/**
 * Audio streams to external applications (voice agents) over WebSocket: the protocols, resampling and codecs, jitter
 * and playback queues. Twilio Media Streams carry μ-law at 8000 Hz mono; Callgate's own ("native") protocol carries
 * 16-bit PCM at 16000 or 24000 Hz; call audio inside Callgate is 16-bit PCM mono at 48000 Hz in 10 ms frames.
 *
 * <p>Built so far (issue 12): {@link dev.callgate.stream.AudioStreams} starts a call's stream at pick-up for a
 * {@code call.initiate} with {@code media.stream} (Twilio's protocol) and stops it when the call ends; the codecs
 * ({@link dev.callgate.stream.MuLaw}, {@link dev.callgate.stream.Resampler}), the application's audio waiting to be
 * played with its marks and clear ({@link dev.callgate.stream.PlaybackQueue}), Twilio's messages
 * ({@link dev.callgate.stream.TwilioMessages}), and one call's stream in Twilio's protocol
 * ({@link dev.callgate.stream.AudioStream}: a WebSocket client that is the call's
 * {@link dev.callgate.media.AudioBridge}).
 *
 * <p>May use: {@code media}, Vert.x (the WebSocket client), Jackson.
 */
package dev.callgate.stream;
