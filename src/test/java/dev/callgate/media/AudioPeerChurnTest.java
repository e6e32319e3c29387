package dev.callgate.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Sequential calls: each connects, carries audio both ways and is torn down, without leaking much. */
@Tag("whole-process") // counts the whole JVM's threads: runs in a JVM of its own (pom.xml)
class AudioPeerChurnTest {

    private static final int CALLS = 10;
    /** The notes measured ~2 threads surviving each teardown in 0.14.0; more than this per call is a leak of ours. */
    private static final int MAX_LEAKED_THREADS_PER_CALL = 5;

    private static long oneCall(int i) throws Exception {
        AudioPeer a = AudioPeer.create("churn-a" + i, 440);
        AudioPeer b = AudioPeer.create("churn-b" + i, 660);
        try {
            AudioPeerTest.Call call = AudioPeerTest.connect(a, b);
            AudioPeerTest.awaitTone(a, 660);
            AudioPeerTest.awaitTone(b, 440);
            return call.connectMillis();
        } finally {
            a.close();
            b.close();
            assertThat(a.state()).isEqualTo("CLOSED");
            assertThat(b.state()).isEqualTo("CLOSED");
        }
    }

    @Test
    void tenSequentialCallsDoNotLeakThreads() throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        oneCall(-1); // warm-up: loads the natives and starts whatever the library keeps for the JVM's lifetime
        await().atMost(Duration.ofSeconds(10)).until(() -> !hasPeerThreads());
        int activeBefore = Thread.activeCount();
        int liveBefore = mx.getThreadCount();
        long osBefore = MediaWorkerPoolChurnTest.osThreads();

        List<Long> connectMillis = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < CALLS; i++) {
            connectMillis.add(oneCall(i));
        }
        long totalMillis = (System.nanoTime() - started) / 1_000_000;

        // Our own per-peer threads end a few seconds after close (idle keep-alive); wait for them, then measure.
        await("per-peer threads ended").atMost(Duration.ofSeconds(15)).until(() -> !hasPeerThreads());
        int activeAfter = Thread.activeCount();
        int liveAfter = mx.getThreadCount();
        long osAfter = MediaWorkerPoolChurnTest.osThreads();
        System.out.println("churn: OS thread names " + MediaWorkerPoolChurnTest.threadNames());
        System.out.printf("churn: %d calls in %d ms, connect ms %s; Thread.activeCount %d -> %d, "
                + "JVM live threads %d -> %d, OS threads of the process %d -> %d%n", CALLS, totalMillis,
                connectMillis, activeBefore, activeAfter, liveBefore, liveAfter, osBefore, osAfter);

        assertThat(activeAfter - activeBefore).as("Thread.activeCount growth over %d calls", CALLS)
                .isLessThanOrEqualTo(MAX_LEAKED_THREADS_PER_CALL * CALLS);
        assertThat(liveAfter - liveBefore).as("JVM live thread growth over %d calls", CALLS)
                .isLessThanOrEqualTo(MAX_LEAKED_THREADS_PER_CALL * CALLS);
        assertThat(osAfter - osBefore).as("process thread growth over %d calls", CALLS)
                .isLessThanOrEqualTo(MAX_LEAKED_THREADS_PER_CALL * CALLS);
    }

    private static boolean hasPeerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("callgate-media-churn"));
    }
}
