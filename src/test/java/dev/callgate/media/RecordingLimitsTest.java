package dev.callgate.media;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** A recording never grows past its cap, and recordings past their retention are deleted. */
class RecordingLimitsTest {

    @TempDir
    Path dir;

    @Test
    void aRecordingStopsAtItsCapAndStaysAValidWav() throws Exception {
        Path file = dir.resolve("capped.wav");
        WavRecorder recorder = new WavRecorder(file, 1000, Duration.ofMillis(100));
        byte[] tenMillis = new byte[480 * 2]; // 10 ms of 48 kHz mono s16
        for (int i = 0; i < 100; i++) { // one second offered
            recorder.accept(tenMillis, 16, 48_000, 1, 480);
            recorder.drain();
        }
        recorder.close();

        assertThat(recorder.capped()).isTrue();
        assertThat(Files.size(file)).isEqualTo(44 + 100 * 48 * 2); // header + 100 ms of audio
        assertThat(WavFiles.load48kMono(file)).hasSize(100 * 48);
    }

    @Test
    void recordingsOlderThanTheRetentionAreDeletedAndYoungerOnesKept() throws Exception {
        Path old = Files.write(dir.resolve("old.wav"), new byte[]{1});
        Path young = Files.write(dir.resolve("young.wav"), new byte[]{1});
        Path other = Files.write(dir.resolve("notes.txt"), new byte[]{1});
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofDays(31))));
        Files.setLastModifiedTime(other, FileTime.from(Instant.now().minus(Duration.ofDays(31))));
        MediaWorkerPool pool = new MediaWorkerPool(TestMediaConfig.of(1, dir));
        try {
            assertThat(pool.deleteOldRecordings()).isEqualTo(1);
        } finally {
            pool.shutdown();
        }
        assertThat(old).doesNotExist();
        assertThat(young).exists();
        assertThat(other).exists();
    }
}
