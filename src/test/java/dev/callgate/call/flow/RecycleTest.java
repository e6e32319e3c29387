package dev.callgate.call.flow;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What each recycle check does, for every kind of observation (the IO around it: {@code RecycleIT}). */
class RecycleTest {

    @ParameterizedTest(name = "rss {0} MiB, threshold {1}, recycling {2}, draining {3}, active {4} -> {5}")
    @CsvSource({
            // off, or no reading: never
            "5000, 0,    false, false, 3, STAY",
            "-1,   1000, false, false, 3, STAY",
            "-1,   1000, true,  false, 0, STAY",
            // under the threshold
            "999,  1000, false, false, 3, STAY",
            // at or past it: recycle if another instance has room (the caller asks)
            "1000, 1000, false, false, 3, OVER",
            "4000, 1000, false, false, 0, OVER",
            // a SIGTERM drain is going on: it stops the process itself
            "4000, 1000, false, true,  3, STAY",
            // recycling: wait for the active calls to end by themselves, then exit — whatever the memory does
            "4000, 1000, true,  true,  3, WAIT",
            "500,  1000, true,  true,  1, WAIT",
            "4000, 1000, true,  true,  0, EXIT",
            "500,  1000, true,  true,  0, EXIT",
    })
    void eachObservationHasOneStep(long rss, long threshold, boolean recycling, boolean draining, int active,
                                   Recycle.Step expected) {
        assertThat(Recycle.decide(rss, threshold, recycling, draining, active)).isEqualTo(expected);
    }

    @Test
    void theResidentMemoryIsReadFromProc() {
        assertThat(Recycle.rssKib()).as("VmRSS of this JVM, KiB").isGreaterThan(10 * 1024);
    }
}
