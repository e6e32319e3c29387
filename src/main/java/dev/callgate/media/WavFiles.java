package dev.callgate.media;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Reads WAV prompts (16-bit PCM, mono or stereo, any rate) as 48 kHz mono, with a small cache per file. */
final class WavFiles {

    static final int RATE = 48_000;
    private static final int MAX_CACHED = 32;

    private record Key(Path path, FileTime modified, long size) {
    }

    private static final Map<Key, short[]> CACHE = new ConcurrentHashMap<>();

    private WavFiles() {
    }

    /** The prompt as 48 kHz mono samples; cached per (path, modification time, size). */
    static short[] load48kMono(Path path) throws IOException {
        Path p = path.toAbsolutePath().normalize();
        Key key = new Key(p, Files.getLastModifiedTime(p), Files.size(p));
        short[] cached = CACHE.get(key);
        if (cached != null) {
            return cached;
        }
        short[] samples = decode(Files.readAllBytes(p), p.toString());
        if (CACHE.size() >= MAX_CACHED) {
            CACHE.clear();
        }
        CACHE.put(key, samples);
        return samples;
    }

    /** Decodes a RIFF/WAVE file of 16-bit PCM into 48 kHz mono. */
    static short[] decode(byte[] bytes, String name) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 12 || b.getInt(0) != 0x46464952 /* RIFF */ || b.getInt(8) != 0x45564157 /* WAVE */) {
            throw new IOException(name + ": not a RIFF/WAVE file");
        }
        int channels = 0;
        int rate = 0;
        int bits = 0;
        int format = 0;
        int dataOffset = -1;
        int dataLength = 0;
        int pos = 12;
        while (pos + 8 <= bytes.length) {
            int id = b.getInt(pos);
            long size = Integer.toUnsignedLong(b.getInt(pos + 4));
            int body = pos + 8;
            if (id == 0x20746d66 /* "fmt " */) {
                if (size < 16 || body + 16 > bytes.length) {
                    throw new IOException(name + ": truncated fmt chunk");
                }
                format = Short.toUnsignedInt(b.getShort(body));
                channels = Short.toUnsignedInt(b.getShort(body + 2));
                rate = b.getInt(body + 4);
                bits = Short.toUnsignedInt(b.getShort(body + 14));
                if (format == 0xFFFE && size >= 40 && body + 26 <= bytes.length) {
                    format = Short.toUnsignedInt(b.getShort(body + 24)); // sub-format GUID starts with the format tag
                }
            } else if (id == 0x61746164 /* "data" */) {
                dataOffset = body;
                // Streams written without a final size carry 0 or 0xFFFFFFFF: take what the file holds.
                dataLength = (int) Math.min(size == 0 ? Long.MAX_VALUE : size, bytes.length - body);
                break;
            }
            pos = (int) Math.min((long) body + size + (size & 1), Integer.MAX_VALUE);
        }
        if (format != 1 || bits != 16 || channels < 1 || channels > 2 || rate < 4000 || rate > 192_000) {
            throw new IOException(name + ": unsupported WAV (need 16-bit PCM mono or stereo, 4-192 kHz): format="
                    + format + " bits=" + bits + " channels=" + channels + " rate=" + rate);
        }
        if (dataOffset < 0) {
            throw new IOException(name + ": no data chunk");
        }
        int frames = dataLength / (2 * channels);
        double[] mono = new double[frames];
        for (int i = 0; i < frames; i++) {
            int p = dataOffset + i * 2 * channels;
            double sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += b.getShort(p + 2 * c);
            }
            mono[i] = sum / channels;
        }
        return resample(mono, rate, RATE);
    }

    /**
     * Band-limited resampling (windowed sinc, 16 zero crossings each side, cut-off at the lower Nyquist), good enough
     * for speech prompts and free of the images linear interpolation leaves when upsampling 8 kHz telephone audio.
     */
    static short[] resample(double[] in, int from, int to) {
        if (from == to) {
            short[] out = new short[in.length];
            for (int i = 0; i < in.length; i++) {
                out[i] = clip(in[i]);
            }
            return out;
        }
        int outLength = (int) ((long) in.length * to / from);
        short[] out = new short[outLength];
        double ratio = (double) from / to;
        double cutoff = Math.min(1.0, (double) to / from); // relative to the input Nyquist
        int half = 16;
        double reach = half / cutoff;
        for (int j = 0; j < outLength; j++) {
            double t = j * ratio;
            int lo = (int) Math.ceil(t - reach);
            int hi = (int) Math.floor(t + reach);
            double acc = 0;
            for (int k = Math.max(0, lo); k <= Math.min(in.length - 1, hi); k++) {
                double x = (k - t) * cutoff;
                double sinc = x == 0 ? 1.0 : Math.sin(Math.PI * x) / (Math.PI * x);
                double w = 0.5 + 0.5 * Math.cos(Math.PI * x / half); // Hann window over [-half, half]
                acc += in[k] * sinc * w * cutoff;
            }
            out[j] = clip(acc);
        }
        return out;
    }

    private static short clip(double v) {
        long r = Math.round(v);
        return (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, r));
    }

    /** A canonical 44-byte header for 16-bit PCM; {@code dataBytes} is the size of the data chunk. */
    static byte[] header(int sampleRate, int channels, long dataBytes) {
        ByteBuffer h = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        long riffSize = Math.min(36 + dataBytes, 0xFFFFFFFFL);
        h.putInt(0x46464952).putInt((int) riffSize).putInt(0x45564157);
        h.putInt(0x20746d66).putInt(16).putShort((short) 1).putShort((short) channels).putInt(sampleRate)
                .putInt(sampleRate * channels * 2).putShort((short) (channels * 2)).putShort((short) 16);
        h.putInt(0x61746164).putInt((int) Math.min(dataBytes, 0xFFFFFFFFL));
        return h.array();
    }
}
