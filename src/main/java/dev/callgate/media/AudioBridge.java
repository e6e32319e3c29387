package dev.callgate.media;

/**
 * A call's audio handed to something outside the media pool — an audio stream to a voice agent: what the user says,
 * and what to send to the user instead of a tone or prompt. Both directions are 16-bit signed PCM, mono, 48 kHz, in
 * the 10 ms steps of the call's audio threads.
 *
 * <p>Both methods run on media threads (the remote track's sink, the audio module's pull): they must return at once —
 * no blocking, no I/O; hand the samples over (a queue, an event loop) and return. An exception is logged once per
 * call and the audio goes on.
 */
public interface AudioBridge {

    /** The user's audio: {@code samples} samples in {@code pcm[0..samples)}, valid during the call only. */
    void heard(short[] pcm, int samples);

    /** Fills {@code out[0..samples)} with what the user is to hear (silence when there is nothing). */
    void fill(short[] out, int samples);
}
