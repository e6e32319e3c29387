package dev.callgate.media;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

class SlotReuseExperimentTest {

    @Test
    void experiment() throws Exception {
        Path dir = Files.createTempDirectory("rec");
        MediaWorkerPool pool = new MediaWorkerPool(TestMediaConfig.of(1, dir));
        MediaWorkerPool remote = new MediaWorkerPool(TestMediaConfig.of(1, dir));
        try {
            for (int i = 0; i < 30; i++) {
                String key = "c" + i;
                String offer = pool.createOffer(key, MediaOptions.tone(440)).toCompletableFuture().get(10, SECONDS);
                String answer = remote.createAnswer(key, offer, MediaOptions.tone(660)).toCompletableFuture().get(10, SECONDS);
                pool.applyAnswer(key, answer).toCompletableFuture().get(10, SECONDS);
                long t0 = System.nanoTime();
                await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
                    assertThat(pool.report(key).orElseThrow().received().dominantHz()).isCloseTo(660, within(15.0));
                    assertThat(remote.report(key).orElseThrow().received().dominantHz()).isCloseTo(440, within(15.0));
                });
                System.out.printf("call %d audio both ways after %d ms; threads %d; slots %d/%d%n", i,
                        (System.nanoTime() - t0) / 1_000_000, tasks(), pool.slotsOpened(), remote.slotsOpened());
                pool.close(key);
                remote.close(key);
            }
        } finally {
            pool.shutdown();
            remote.shutdown();
        }
    }

    static long tasks() throws Exception {
        try (var s = Files.list(Path.of("/proc/self/task"))) {
            return s.count();
        }
    }
}
