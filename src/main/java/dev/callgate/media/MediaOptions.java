package dev.callgate.media;

import java.nio.file.Path;

/**
 * Per-call media options.
 *
 * @param toneHz    &gt; 0: send a sine of that frequency (takes precedence over {@code promptWav})
 * @param promptWav when not null (and no tone): play this WAV (16-bit PCM, mono or stereo, any common rate; resampled
 *                  to 48 kHz mono)
 * @param loop      repeat the prompt; otherwise it plays once, then silence
 * @param record    write the received audio (48 kHz mono s16) to a WAV file
 *
 * @param holdRtp   send no RTP at all until {@link MediaWorkerPool#play} (a user-initiated call before its accept
 *                  returned 200: WhatsApp takes the first media packet as "answered", spec §1)
 *
 * <p>Neither tone nor prompt: silence is sent (RTP keeps flowing, so no no-media timeout fires), unless
 * {@code holdRtp}.
 */
public record MediaOptions(double toneHz, Path promptWav, boolean loop, boolean record, boolean holdRtp) {

    public MediaOptions {
        if (!(toneHz >= 0) || Double.isInfinite(toneHz)) {
            throw new IllegalArgumentException("toneHz must be >= 0 and finite: " + toneHz);
        }
    }

    public MediaOptions(double toneHz, Path promptWav, boolean loop, boolean record) {
        this(toneHz, promptWav, loop, record, false);
    }

    /** A continuous tone, nothing recorded. */
    public static MediaOptions tone(double hz) {
        return new MediaOptions(hz, null, false, false);
    }

    /** Silence, nothing recorded. */
    public static MediaOptions silence() {
        return new MediaOptions(0, null, false, false);
    }

    /** Nothing at all on the wire (no RTP) until {@link MediaWorkerPool#play}; nothing recorded. */
    public static MediaOptions nothingUntilPlay() {
        return new MediaOptions(0, null, false, false, true);
    }

    /** A WAV prompt, looped or played once. */
    public static MediaOptions prompt(Path wav, boolean loop) {
        return new MediaOptions(0, wav, loop, false);
    }

    /** The same options with recording switched on or off. */
    public MediaOptions withRecord(boolean on) {
        return new MediaOptions(toneHz, promptWav, loop, on, holdRtp);
    }
}
