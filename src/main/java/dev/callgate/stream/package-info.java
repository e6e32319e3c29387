/**
 * Audio streams to external applications (voice agents) over WebSocket: the protocols, resampling and codecs, jitter
 * and playback queues. Twilio Media Streams carry μ-law at 8000 Hz mono; Callgate's own ("native") protocol carries
 * 16-bit PCM at 16000 or 24000 Hz; call audio inside Callgate is 16-bit PCM mono at 48000 Hz in 10 ms frames.
 *
 * <p>Built so far: only the pure audio building blocks — {@link dev.callgate.stream.MuLaw} (the G.711 μ-law codec)
 * and {@link dev.callgate.stream.Resampler} (48000 Hz to and from 8000, 16000 and 24000 Hz). No WebSocket protocol,
 * jitter buffer or playback queue exists yet, and nothing in Callgate uses this package yet.
 *
 * <p>May use: {@code media}. (The codecs use nothing but the JDK.)
 */
package dev.callgate.stream;
