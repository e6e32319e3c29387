package dev.callgate.media;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

/**
 * Records received audio as a 48 kHz mono 16-bit WAV file.
 *
 * <p>{@link #accept} runs on the native playout thread: it converts the buffer to 48 kHz mono little-endian s16 and
 * offers it to a bounded queue, never blocking (a full queue drops the frame and counts it). {@link #drain()} writes
 * queued frames to the file and runs on a pool thread; {@link #close()} drains what is left and finalises the header.
 */
final class WavRecorder implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(WavRecorder.class);
    private static final boolean NATIVE_LITTLE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private final Path path;
    private final ArrayBlockingQueue<byte[]> queue;
    private final FileChannel channel;
    private final AtomicLong dropped = new AtomicLong();
    private long dataBytes;
    /** The cap on the audio written (from the longest recording allowed); what comes after it is left out. */
    private final long maxDataBytes;
    private boolean capped;
    private boolean closed;
    private volatile boolean failed;

    // Linear resampler state for input not at 48 kHz (touched by the playout thread only).
    private double resamplePos;
    private double resamplePrev;
    private boolean resampleStarted;
    private int resampleFrom;

    WavRecorder(Path path, int queueFrames, java.time.Duration maxDuration) throws IOException {
        this.path = path;
        this.maxDataBytes = Math.max(0, maxDuration.toMillis()) * WavFiles.RATE / 1000 * 2;
        this.queue = new ArrayBlockingQueue<>(Math.max(16, queueFrames));
        this.channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        channel.write(ByteBuffer.wrap(WavFiles.header(WavFiles.RATE, 1, 0)));
    }

    Path path() {
        return path;
    }

    /** Whether the recording reached its cap and audio was left out. */
    boolean capped() {
        return capped;
    }

    long droppedFrames() {
        return dropped.get();
    }

    /** Called with each buffer the remote track's sink delivers. Never blocks, never throws. */
    void accept(byte[] data, int bitsPerSample, int sampleRate, int channels, int frames) {
        if (failed || bitsPerSample != 16 || channels < 1 || sampleRate <= 0 || frames <= 0
                || (long) frames * channels * 2 > data.length) {
            return;
        }
        byte[] out;
        if (sampleRate == WavFiles.RATE && channels == 1 && NATIVE_LITTLE) {
            out = java.util.Arrays.copyOf(data, frames * 2);
        } else {
            out = convert(data, sampleRate, channels, frames);
        }
        if (!queue.offer(out)) {
            dropped.incrementAndGet();
        }
    }

    private byte[] convert(byte[] data, int sampleRate, int channels, int frames) {
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.nativeOrder());
        double[] mono = new double[frames];
        for (int i = 0; i < frames; i++) {
            double sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += in.getShort((i * channels + c) * 2);
            }
            mono[i] = sum / channels;
        }
        if (sampleRate == WavFiles.RATE) {
            return toBytes(mono, frames);
        }
        if (!resampleStarted || resampleFrom != sampleRate) {
            resampleStarted = true;
            resampleFrom = sampleRate;
            resamplePrev = mono[0];
            resamplePos = 0;
        }
        double step = (double) sampleRate / WavFiles.RATE;
        double[] out = new double[(int) Math.ceil(frames / step) + 2];
        int n = 0;
        // resamplePos is relative to the previous buffer's last sample (index -1 = resamplePrev).
        while (resamplePos < frames - 1 + 1e-9 && n < out.length) {
            double p = resamplePos;
            int i0 = (int) Math.floor(p);
            double frac = p - i0;
            double a = i0 < 0 ? resamplePrev : mono[i0];
            double b = i0 + 1 < 0 ? resamplePrev : mono[Math.min(frames - 1, i0 + 1)];
            out[n++] = a + (b - a) * frac;
            resamplePos += step;
        }
        resamplePos -= frames;
        resamplePrev = mono[frames - 1];
        return toBytes(out, n);
    }

    private static byte[] toBytes(double[] samples, int n) {
        ByteBuffer b = ByteBuffer.allocate(n * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putShort((short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(samples[i]))));
        }
        return b.array();
    }

    /** Writes queued audio to the file. Pool thread only. */
    synchronized void drain() {
        if (closed || failed) {
            queue.clear();
            return;
        }
        try {
            byte[] chunk;
            while ((chunk = queue.poll()) != null) {
                int room = (int) Math.min(chunk.length, maxDataBytes - dataBytes) & ~1;
                if (room < chunk.length && !capped) {
                    capped = true;
                    LOG.warnf("recording %s reached its cap (%d bytes of audio); the rest of the call is not "
                            + "recorded", path, maxDataBytes);
                }
                ByteBuffer b = ByteBuffer.wrap(chunk, 0, Math.max(0, room));
                while (b.hasRemaining()) {
                    channel.write(b);
                }
                dataBytes += Math.max(0, room);
            }
        } catch (IOException e) {
            failed = true;
            queue.clear();
            LOG.errorf(e, "recording %s failed; the rest of the call is not recorded", path);
        }
    }

    /** Drains, writes the final header and closes the file. Idempotent, never throws. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        drain();
        closed = true;
        try (FileChannel c = channel) {
            c.write(ByteBuffer.wrap(WavFiles.header(WavFiles.RATE, 1, dataBytes)), 0);
            c.force(false);
        } catch (IOException e) {
            LOG.errorf(e, "recording %s: could not finalise the WAV header", path);
        }
        if (dropped.get() > 0) {
            LOG.warnf("recording %s: %d frames dropped (writer too slow)", path, dropped.get());
        }
    }
}
