package dev.callgate.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** WAV prompts for tests, written where the test profile looks for prompt ids ({@code target/test-prompts}). */
public final class Prompts {

    public static final Path DIR = Path.of("target", "test-prompts");

    private Prompts() {
    }

    /** One segment of a prompt: a sine of {@code hz} for {@code seconds}. */
    public record Segment(double hz, double seconds) {
    }

    /** Writes {@code <id>.wav}: 48 kHz mono 16-bit, the segments one after the other at -12 dBFS. */
    public static Path write(String id, Segment... segments) {
        int rate = 48_000;
        int total = 0;
        for (Segment segment : segments) {
            total += (int) (segment.seconds() * rate);
        }
        ByteBuffer wav = ByteBuffer.allocate(44 + total * 2).order(ByteOrder.LITTLE_ENDIAN);
        wav.put("RIFF".getBytes()).putInt(36 + total * 2).put("WAVE".getBytes());
        wav.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1).putInt(rate)
                .putInt(rate * 2).putShort((short) 2).putShort((short) 16);
        wav.put("data".getBytes()).putInt(total * 2);
        double amplitude = 32767 * Math.pow(10, -12 / 20.0);
        for (Segment segment : segments) {
            int n = (int) (segment.seconds() * rate);
            for (int i = 0; i < n; i++) {
                wav.putShort((short) Math.round(amplitude * Math.sin(2 * Math.PI * segment.hz() * i / rate)));
            }
        }
        try {
            Files.createDirectories(DIR);
            Path file = DIR.resolve(id + ".wav");
            Files.write(file, wav.array());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
