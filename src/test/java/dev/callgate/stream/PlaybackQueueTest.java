package dev.callgate.stream;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The playback queue alone: order, marks after their audio, clear (barge-in), the bound, silence when empty. */
class PlaybackQueueTest {

    private final List<String> played = new ArrayList<>();

    private static short[] ramp(int from, int count) {
        short[] s = new short[count];
        for (int i = 0; i < count; i++) {
            s[i] = (short) (from + i);
        }
        return s;
    }

    @Test
    void samplesComeOutInOrderAcrossTheRingsEndThenSilence() {
        PlaybackQueue queue = new PlaybackQueue(1000, played::add);
        short[] out = new short[480];
        for (int round = 0; round < 5; round++) { // 5 × 700 samples through a 1000-sample ring: it wraps
            assertThat(queue.enqueue(ramp(round * 700, 700), 0, 700)).isEqualTo(700);
            short[] got = new short[700];
            assertThat(queue.pull(got, 0, 700)).isEqualTo(700);
            assertThat(got).isEqualTo(ramp(round * 700, 700));
        }
        queue.enqueue(ramp(1, 100), 0, 100);
        java.util.Arrays.fill(out, (short) 7);
        assertThat(queue.pull(out, 0, 480)).isEqualTo(100);
        assertThat(out[99]).isEqualTo((short) 100);
        assertThat(out[100]).as("silence after the audio").isZero();
        assertThat(out[479]).isZero();
    }

    @Test
    void aMarkIsReportedOnceTheAudioBeforeItHasBeenPlayedAndMarksKeepTheirOrder() {
        PlaybackQueue queue = new PlaybackQueue(48_000, played::add);
        queue.enqueue(new short[960], 0, 960); // 20 ms at 48 kHz
        queue.mark("first");
        queue.enqueue(new short[960], 0, 960);
        queue.mark("second");
        short[] tenMs = new short[480];

        queue.pull(tenMs, 0, 480);
        assertThat(played).isEmpty();
        queue.pull(tenMs, 0, 480);
        assertThat(played).containsExactly("first");
        queue.pull(tenMs, 0, 480);
        assertThat(played).containsExactly("first");
        queue.pull(tenMs, 0, 480);
        assertThat(played).containsExactly("first", "second");
    }

    @Test
    void aMarkWithNothingQueuedIsReportedAtTheNextPull() {
        PlaybackQueue queue = new PlaybackQueue(480, played::add);
        queue.mark("now");
        queue.pull(new short[480], 0, 480);
        assertThat(played).containsExactly("now");
    }

    @Test
    void clearDropsTheQueuedAudioAtOnceAndHandsBackThePendingMarks() {
        PlaybackQueue queue = new PlaybackQueue(48_000, played::add);
        queue.enqueue(ramp(1, 4800), 0, 4800);
        queue.mark("sentence-1");
        queue.enqueue(ramp(1, 4800), 0, 4800);
        queue.mark("sentence-2");

        assertThat(queue.clear()).containsExactly("sentence-1", "sentence-2");
        assertThat(queue.queuedSamples()).isZero();
        short[] next = new short[480];
        assertThat(queue.pull(next, 0, 480)).as("the very next frame is silent").isZero();
        assertThat(played).as("cleared marks are not reported again").isEmpty();

        queue.enqueue(ramp(500, 10), 0, 10);
        queue.mark("after-clear");
        queue.pull(next, 0, 480);
        assertThat(next[0]).isEqualTo((short) 500);
        assertThat(played).containsExactly("after-clear");
    }

    @Test
    void audioBeyondTheBoundIsDroppedAndCounted() {
        PlaybackQueue queue = new PlaybackQueue(1000, played::add);
        assertThat(queue.enqueue(ramp(0, 800), 0, 800)).isEqualTo(800);
        assertThat(queue.enqueue(ramp(800, 800), 0, 800)).isEqualTo(200);
        assertThat(queue.queuedSamples()).isEqualTo(1000);
        assertThat(queue.droppedSamples()).isEqualTo(600);
        short[] all = new short[1000];
        queue.pull(all, 0, 1000);
        assertThat(all).isEqualTo(ramp(0, 1000)); // what was kept is the oldest, in order
    }

    @Test
    void aQueueWithoutRoomIsRefused() {
        assertThatThrownBy(() -> new PlaybackQueue(0, played::add)).isInstanceOf(IllegalArgumentException.class);
    }
}
