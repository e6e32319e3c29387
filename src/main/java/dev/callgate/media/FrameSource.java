package dev.callgate.media;

import java.nio.ByteOrder;

/**
 * Outgoing audio of one call, pulled every 10 ms by a slot's audio module thread. Implementations never block and are
 * filled from one thread at a time.
 */
interface FrameSource {

    /**
     * Writes {@code frames} sample frames of interleaved signed 16-bit PCM (same sample on every channel, the 16 bits
     * in the two most significant bytes of each channel sample) into {@code buf} from offset 0.
     */
    void fill(byte[] buf, int frames, int channels, int bytesPerFrame, int sampleRate, ByteOrder order);

    /** Digital silence. */
    FrameSource SILENCE = (buf, frames, channels, bytesPerFrame, sampleRate, order) -> java.util.Arrays.fill(buf, 0,
            Math.min(buf.length, frames * bytesPerFrame), (byte) 0);

    /** A continuous tone. */
    static FrameSource tone(double hz, double levelDbfs) {
        ToneGenerator generator = new ToneGenerator(hz, levelDbfs);
        return (buf, frames, channels, bytesPerFrame, sampleRate, order) -> generator.fill(buf, 0, frames, channels,
                bytesPerFrame, sampleRate, order);
    }

    /** Writes one 16-bit sample on every channel of frame {@code i}. */
    static void put(byte[] buf, int i, short s, int channels, int bytesPerFrame, boolean little) {
        ToneGenerator.writeSample(buf, i * bytesPerFrame, s, channels, bytesPerFrame / channels, little);
    }
}
