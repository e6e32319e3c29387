package dev.callgate.media;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A plain {@link MediaConfig} for tests that construct the pool directly (same defaults as the mapping). */
public record TestMediaConfig(int maxCalls, String recordingDirectory, boolean reuseSlots, Duration disconnectedTimeout,
                       int udpPortMin, int udpPortMax, Duration qualityInterval, boolean sharedFactory,
                       Duration gatherSettle)
        implements MediaConfig {

    public static TestMediaConfig of(int maxCalls, Path recordings) {
        return new TestMediaConfig(maxCalls, recordings.toString(), true, Duration.ofSeconds(10), 0, 0,
                Duration.ofSeconds(5), false, Duration.ofMillis(20));
    }

    TestMediaConfig withDisconnectedTimeout(Duration timeout) {
        return new TestMediaConfig(maxCalls, recordingDirectory, reuseSlots, timeout, udpPortMin, udpPortMax,
                qualityInterval, sharedFactory, gatherSettle);
    }

    TestMediaConfig withUdpPorts(int min, int max) {
        return new TestMediaConfig(maxCalls, recordingDirectory, reuseSlots, disconnectedTimeout, min, max,
                qualityInterval, sharedFactory, gatherSettle);
    }

    TestMediaConfig withQualityInterval(Duration interval) {
        return new TestMediaConfig(maxCalls, recordingDirectory, reuseSlots, disconnectedTimeout, udpPortMin,
                udpPortMax, interval, sharedFactory, gatherSettle);
    }

    /** The same settings on the shared back-end ({@code callgate.media.shared-factory=true}) or not. */
    public TestMediaConfig withSharedFactory(boolean on) {
        return new TestMediaConfig(maxCalls, recordingDirectory, reuseSlots, disconnectedTimeout, udpPortMin,
                udpPortMax, qualityInterval, on, gatherSettle);
    }

    /** The same settings with another {@code callgate.media.gather-settle} (0: wait for the end of gathering). */
    public TestMediaConfig withGatherSettle(Duration settle) {
        return new TestMediaConfig(maxCalls, recordingDirectory, reuseSlots, disconnectedTimeout, udpPortMin,
                udpPortMax, qualityInterval, sharedFactory, settle);
    }

    @Override
    public Duration qualityTimeout() {
        return Duration.ofSeconds(2);
    }

    @Override
    public Duration qualityFinalTimeout() {
        return Duration.ofMillis(200);
    }

    @Override
    public Optional<String> publicIp() {
        return Optional.empty();
    }

    @Override
    public double toneLevelDbfs() {
        return -12;
    }

    @Override
    public Duration setupTimeout() {
        return Duration.ofSeconds(15);
    }

    @Override
    public Duration recordingMaxDuration() {
        return Duration.ofHours(2);
    }

    @Override
    public Duration recordingRetention() {
        return Duration.ofDays(30);
    }

    @Override
    public int recordingQueueFrames() {
        return 1000;
    }

    @Override
    public int workerThreads() {
        return 2;
    }

    @Override
    public Optional<List<String>> iceServers() {
        return Optional.empty();
    }

    @Override
    public Optional<String> iceUsername() {
        return Optional.empty();
    }

    @Override
    public Optional<String> icePassword() {
        return Optional.empty();
    }
}
