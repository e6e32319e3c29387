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

    /**
     * What an {@link AudioBridge} supplies: pulled as 48 kHz mono and written on every channel; silence at any other
     * rate (the audio module runs at 48 kHz).
     */
    static FrameSource bridged(AudioBridge bridge) {
        short[][] scratch = {new short[480]};
        return (buf, frames, channels, bytesPerFrame, sampleRate, order) -> {
            if (sampleRate != WavFiles.RATE) {
                SILENCE.fill(buf, frames, channels, bytesPerFrame, sampleRate, order);
                return;
            }
            if (scratch[0].length < frames) {
                scratch[0] = new short[frames];
            }
            short[] pcm = scratch[0];
            bridge.fill(pcm, frames);
            boolean little = order == ByteOrder.LITTLE_ENDIAN;
            for (int i = 0; i < frames; i++) {
                put(buf, i, pcm[i], channels, bytesPerFrame, little);
            }
        };
    }

    /** Writes one 16-bit sample on every channel of frame {@code i}. */
    static void put(byte[] buf, int i, short s, int channels, int bytesPerFrame, boolean little) {
        ToneGenerator.writeSample(buf, i * bytesPerFrame, s, channels, bytesPerFrame / channels, little);
    }
}
