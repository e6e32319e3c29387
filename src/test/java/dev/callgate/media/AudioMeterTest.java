package dev.callgate.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.ByteOrder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

class AudioMeterTest {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    /** Feeds {@code buffers} 10 ms buffers of a tone in the sink's format (native byte order, s16). */
    private static void feed(AudioMeter meter, ToneGenerator gen, int buffers, int rate, int channels) {
        int frames = rate / 100;
        byte[] buf = new byte[frames * channels * 2];
        for (int i = 0; i < buffers; i++) {
            gen.fill(buf, 0, frames, channels, 2 * channels, rate, ByteOrder.nativeOrder());
            meter.accept(buf.clone(), 16, rate, channels, frames);
        }
    }

    @Test
    void nothingReceived() {
        AudioStats stats = new AudioMeter().snapshot();
        assertThat(stats.frames()).isZero();
        assertThat(stats.levelDbfs()).isEqualTo(AudioMeter.FLOOR_DBFS);
        assertThat(stats.dominantHz()).isZero();
        assertThat(stats.firstFrameAt()).isNull();
    }

    @Test
    void measures440Hz() {
        AudioMeter meter = new AudioMeter(Clock.fixed(T0, ZoneOffset.UTC));
        feed(meter, new ToneGenerator(440, -12), 30, 48_000, 1);
        AudioStats stats = meter.snapshot();
        assertThat(stats.frames()).isEqualTo(30);
        assertThat(stats.dominantHz()).isCloseTo(440, within(10.0));
        assertThat(stats.dominantHz()).as("sub-bin interpolation").isCloseTo(440, within(1.0));
        assertThat(stats.levelDbfs()).isCloseTo(-12, within(0.3));
        assertThat(stats.firstFrameAt()).isEqualTo(T0);
    }

    @Test
    void measures1000Hz() {
        AudioMeter meter = new AudioMeter();
        feed(meter, new ToneGenerator(1000, -12), 30, 48_000, 1);
        AudioStats stats = meter.snapshot();
        assertThat(stats.dominantHz()).isCloseTo(1000, within(10.0));
        assertThat(stats.levelDbfs()).isCloseTo(-12, within(0.3));
    }

    @Test
    void measuresQuietTonesAndOtherLevels() {
        AudioMeter quiet = new AudioMeter();
        feed(quiet, new ToneGenerator(660, -50), 30, 48_000, 1);
        assertThat(quiet.snapshot().levelDbfs()).isCloseTo(-50, within(0.5));
        assertThat(quiet.snapshot().dominantHz()).isCloseTo(660, within(10.0));

        AudioMeter loud = new AudioMeter();
        feed(loud, new ToneGenerator(3000, -1), 30, 48_000, 1);
        assertThat(loud.snapshot().levelDbfs()).isCloseTo(-1, within(0.3));
        assertThat(loud.snapshot().dominantHz()).isCloseTo(3000, within(10.0));
    }

    @Test
    void silenceIsSilence() {
        AudioMeter meter = new AudioMeter();
        feed(meter, new ToneGenerator(0, -12), 50, 48_000, 1);
        AudioStats stats = meter.snapshot();
        assertThat(stats.frames()).isEqualTo(50);
        assertThat(stats.levelDbfs()).isEqualTo(AudioMeter.FLOOR_DBFS);
        assertThat(stats.dominantHz()).isZero();
        assertThat(stats.firstFrameAt()).isNotNull();
    }

    @Test
    void reportsTheRecentWindowOnly() {
        AudioMeter meter = new AudioMeter();
        ToneGenerator gen = new ToneGenerator(1000, -12);
        feed(meter, gen, 50, 48_000, 1);
        gen.setFrequency(440);
        feed(meter, gen, 20, 48_000, 1); // 200 ms > one 8192-sample window
        assertThat(meter.snapshot().dominantHz()).isCloseTo(440, within(10.0));
        gen.setFrequency(0);
        feed(meter, gen, 20, 48_000, 1);
        assertThat(meter.snapshot().levelDbfs()).isEqualTo(AudioMeter.FLOOR_DBFS);
        assertThat(meter.snapshot().frames()).isEqualTo(90);
    }

    @Test
    void mixesStereoAndResamplesOtherRates() {
        AudioMeter stereo44 = new AudioMeter();
        feed(stereo44, new ToneGenerator(440, -12), 40, 44_100, 2);
        AudioStats s = stereo44.snapshot();
        assertThat(s.dominantHz()).isCloseTo(440, within(10.0));
        assertThat(s.levelDbfs()).isCloseTo(-12, within(0.5));

        AudioMeter mono16 = new AudioMeter();
        feed(mono16, new ToneGenerator(1000, -12), 80, 16_000, 1);
        assertThat(mono16.snapshot().dominantHz()).isCloseTo(1000, within(10.0));
        assertThat(mono16.snapshot().levelDbfs()).isCloseTo(-12, within(0.5));
    }

    @Test
    void unreadableBuffersCountButAddNothing() {
        AudioMeter meter = new AudioMeter();
        meter.accept(new byte[10], 16, 48_000, 1, 480); // too short for 480 frames
        meter.accept(new byte[960], 12, 48_000, 1, 480); // 12 bits per sample
        assertThat(meter.unsupportedFrames()).isEqualTo(2);
        assertThat(meter.snapshot().frames()).isEqualTo(2);
        assertThat(meter.snapshot().levelDbfs()).isEqualTo(AudioMeter.FLOOR_DBFS);
    }

    @Test
    void fftFindsABinExactly() {
        int n = 1024;
        double[] re = new double[n];
        double[] im = new double[n];
        for (int i = 0; i < n; i++) {
            re[i] = Math.cos(2 * Math.PI * 37 * i / n);
        }
        AudioMeter.fft(re, im);
        assertThat(Math.hypot(re[37], im[37])).isCloseTo(n / 2.0, within(1e-6));
        assertThat(Math.hypot(re[36], im[36])).isCloseTo(0, within(1e-6));
        assertThat(Math.hypot(re[n - 37], im[n - 37])).isCloseTo(n / 2.0, within(1e-6));
    }
}
