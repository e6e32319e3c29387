package dev.callgate.media;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pool against plain {@link AudioPeer}s: two-way audio, capacity, recording, prompts, failures, a long call. */
class MediaWorkerPoolTest {

    static final long TIMEOUT = 10;
    static final Duration AUDIO_TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path recordings;
    MediaWorkerPool pool;
    final RecordingListener listener = new RecordingListener();
    final List<AudioPeer> remotes = new CopyOnWriteArrayList<>();

    /** Collects listener calls as "connected:key" / "failed:key:reason". */
    static final class RecordingListener implements MediaListener {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void connected(String callKey) {
            events.add("connected:" + callKey);
        }

        @Override
        public void failed(String callKey, String reason) {
            events.add("failed:" + callKey + ":" + reason);
        }
    }

    @BeforeEach
    void setUp() {
        pool = newPool(TestMediaConfig.of(4, recordings));
    }

    MediaWorkerPool newPool(TestMediaConfig config) {
        MediaWorkerPool p = new MediaWorkerPool(config);
        p.setListener(listener);
        return p;
    }

    @AfterEach
    void tearDown() {
        remotes.forEach(AudioPeer::close);
        pool.shutdown();
        assertThat(pool.activeCalls()).isZero();
    }

    AudioPeer remote(String name, double hz) {
        AudioPeer peer = AudioPeer.create(name, hz);
        remotes.add(peer);
        return peer;
    }

    /** Pool offers, the remote AudioPeer answers, the pool applies the answer; both CONNECTED. */
    static void poolOffers(MediaWorkerPool pool, String key, MediaOptions options, AudioPeer remote)
            throws Exception {
        String offer = pool.createOffer(key, options).toCompletableFuture().get(TIMEOUT, SECONDS);
        String answer = remote.acceptOffer(offer).get(TIMEOUT, SECONDS);
        pool.applyAnswer(key, answer).toCompletableFuture().get(TIMEOUT, SECONDS);
        remote.connected().get(TIMEOUT, SECONDS);
    }

    static void awaitPoolHears(MediaWorkerPool pool, String key, double hz) {
        await("pool call " + key + " hears " + hz + " Hz").atMost(AUDIO_TIMEOUT).pollInterval(Duration.ofMillis(20))
                .untilAsserted(() -> {
                    AudioStats stats = pool.report(key).orElseThrow().received();
                    assertThat(stats.levelDbfs()).isGreaterThan(-40);
                    assertThat(stats.dominantHz()).isCloseTo(hz, within(15.0));
                });
    }

    @Test
    void poolOffersAndBothSidesHearEachOther() throws Exception {
        AudioPeer phone = remote("phone-a", 660);
        poolOffers(pool, "call-a", MediaOptions.tone(440), phone);

        await().atMost(Duration.ofSeconds(TIMEOUT)).until(() -> listener.events.contains("connected:call-a"));
        awaitPoolHears(pool, "call-a", 660);
        AudioPeerTest.awaitTone(phone, 440);

        MediaReport report = pool.report("call-a").orElseThrow();
        assertThat(report.state()).isEqualTo("CONNECTED");
        assertThat(report.framesSent()).isPositive();
        assertThat(report.recording()).isNull();
        assertThat(pool.activeCalls()).isEqualTo(1);
        assertThat(listener.events).containsExactly("connected:call-a");

        pool.close("call-a");
        pool.close("call-a"); // idempotent
        assertThat(pool.report("call-a")).isEmpty();
        assertThat(pool.activeCalls()).isZero();
    }

    @Test
    void aBridgeHearsTheUserAndWhatItSuppliesIsWhatTheUserHearsUntilUnbridged() throws Exception {
        AudioPeer phone = remote("phone-bridge", 660);
        poolOffers(pool, "call-bridge", MediaOptions.tone(440), phone);
        AudioPeerTest.awaitTone(phone, 440);

        AudioMeter heardByBridge = new AudioMeter();
        java.util.concurrent.atomic.AtomicLong phase = new java.util.concurrent.atomic.AtomicLong();
        AudioBridge bridge = new AudioBridge() {
            @Override
            public void heard(short[] pcm, int samples) {
                java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(samples * 2)
                        .order(java.nio.ByteOrder.nativeOrder());
                for (int i = 0; i < samples; i++) {
                    bytes.putShort(pcm[i]);
                }
                heardByBridge.accept(bytes.array(), 16, 48_000, 1, samples);
            }

            @Override
            public void fill(short[] out, int samples) { // 1000 Hz at -10 dBFS
                for (int i = 0; i < samples; i++) {
                    out[i] = (short) (0.316 * 32767 * Math.sin(2 * Math.PI * 1000 * phase.getAndIncrement() / 48_000.0));
                }
            }
        };
        pool.bridge("call-bridge", bridge).toCompletableFuture().get(TIMEOUT, SECONDS);

        AudioPeerTest.awaitTone(phone, 1000);
        await("the bridge hears the phone's 660 Hz").atMost(AUDIO_TIMEOUT).untilAsserted(() -> {
            assertThat(heardByBridge.snapshot().levelDbfs()).isGreaterThan(-40);
            assertThat(heardByBridge.snapshot().dominantHz()).isCloseTo(660, within(15.0));
        });

        pool.unbridge("call-bridge", MediaOptions.tone(440)).toCompletableFuture().get(TIMEOUT, SECONDS);
        AudioPeerTest.awaitTone(phone, 440);
        long phaseAfter = phase.get();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> phase.get() == phaseAfter); // no longer pulled
    }

    @Test
    void aConnectedCallIsSampledForQualityAndClosingTakesAFinalSample() throws Exception {
        MediaWorkerPool sampled = newPool(TestMediaConfig.of(2, recordings)
                .withQualityInterval(Duration.ofMillis(300)));
        record Sample(String key, CallQuality quality, boolean last) {
        }
        List<Sample> samples = new CopyOnWriteArrayList<>();
        sampled.setQualityListener((key, quality, last) -> samples.add(new Sample(key, quality, last)));
        try {
            AudioPeer phone = remote("phone-quality", 660);
            poolOffers(sampled, "call-q", MediaOptions.tone(440), phone);
            awaitPoolHears(sampled, "call-q", 660);

            // loopback: nothing lost, packets flowing both ways at Opus's rate, a MOS near the model's ceiling
            await().atMost(Duration.ofSeconds(TIMEOUT)).untilAsserted(() -> {
                assertThat(samples).hasSizeGreaterThanOrEqualTo(3);
                CallQuality q = samples.get(samples.size() - 1).quality();
                assertThat(q.packetLoss()).isZero();
                assertThat(q.mos()).isBetween(4.0, 4.5);
                assertThat(q.jitterMs()).isNotNull().isBetween(0.0, 50.0);
                assertThat(q.inboundKbps()).isNotNull().isBetween(5.0, 200.0);
                assertThat(q.outboundKbps()).isNotNull().isBetween(5.0, 200.0);
                assertThat(q.packetsReceived()).isGreaterThan(samples.get(0).quality().packetsReceived());
                assertThat(q.packetsSent()).isPositive();
            });
            assertThat(samples).allSatisfy(s -> assertThat(s.key()).isEqualTo("call-q")).noneMatch(Sample::last);
            assertThat(sampled.quality("call-q")).isPresent();
            assertThat(sampled.statsStalls()).isZero();

            long before = System.nanoTime();
            sampled.close("call-q");
            assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofMillis(1000));
            Sample last = samples.get(samples.size() - 1);
            assertThat(last.last()).as("the close took a final sample").isTrue();
            assertThat(last.quality().mos()).isBetween(4.0, 4.5);
            int count = samples.size();
            await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(2))
                    .until(() -> samples.size() == count); // nothing after the final sample
        } finally {
            sampled.shutdown();
        }
    }

    @Test
    void poolAnswersAndBothSidesHearEachOther() throws Exception {
        AudioPeer phone = remote("phone-b", 660);
        String offer = phone.createOffer().get(TIMEOUT, SECONDS);
        String answer = pool.createAnswer("call-b", offer, MediaOptions.tone(440)).toCompletableFuture()
                .get(TIMEOUT, SECONDS);
        assertThat(answer).contains("a=setup:active", "a=candidate", "opus/48000/2");
        phone.applyAnswer(answer).get(TIMEOUT, SECONDS);
        phone.connected().get(TIMEOUT, SECONDS);

        await().atMost(Duration.ofSeconds(TIMEOUT)).until(() -> listener.events.contains("connected:call-b"));
        awaitPoolHears(pool, "call-b", 660);
        AudioPeerTest.awaitTone(phone, 440);
        // Asking again for the same call key gives the same answer, not a second PeerConnection.
        assertThat(pool.createAnswer("call-b", offer, MediaOptions.tone(440)).toCompletableFuture()
                .get(TIMEOUT, SECONDS)).isEqualTo(answer);
        assertThat(pool.activeCalls()).isEqualTo(1);
    }

    @Test
    void mediaUsesOnlyTheConfiguredUdpPortsAndStillConnectsAndSwitchesItsAudio() throws Exception {
        MediaWorkerPool ranged = newPool(TestMediaConfig.of(2, recordings).withUdpPorts(47100, 47120));
        try {
            AudioPeer phone = remote("phone-ports", 660);
            String offer = ranged.createOffer("call-ports", MediaOptions.silence()).toCompletableFuture()
                    .get(TIMEOUT, SECONDS);
            List<Integer> ports = offer.lines().filter(l -> l.startsWith("a=candidate:") && l.contains(" udp "))
                    .map(l -> Integer.parseInt(l.split(" ")[5])).toList();
            assertThat(ports).isNotEmpty().allSatisfy(port -> assertThat(port).isBetween(47100, 47120));
            ranged.applyAnswer("call-ports", phone.acceptOffer(offer).get(TIMEOUT, SECONDS)).toCompletableFuture()
                    .get(TIMEOUT, SECONDS);
            awaitPoolHears(ranged, "call-ports", 660);
            // silence until told otherwise, then the tone (what a user-initiated call does once accepted)
            assertThat(phone.received().dominantHz()).isZero();
            ranged.play("call-ports", MediaOptions.tone(880)).toCompletableFuture().get(TIMEOUT, SECONDS);
            AudioPeerTest.awaitTone(phone, 880);
        } finally {
            ranged.shutdown();
        }
    }

    /**
     * libwebrtc reports gathering complete only after its relay and TCP phases (50 and 100 ms after the host UDP
     * candidates); with no STUN or TURN server an offer is taken once the candidates settle: it carries the host UDP
     * candidates, not the TCP ones of the later phase — which an offer that waits for the end of gathering does carry.
     * The call connects on them.
     */
    @Test
    void anOfferCarriesItsHostUdpCandidatesWithoutWaitingForLibwebrtcsRelayAndTcpPhases() throws Exception {
        MediaWorkerPool waiting = newPool(TestMediaConfig.of(2, recordings).withGatherSettle(Duration.ZERO));
        try {
            String complete = waiting.createOffer("call-complete", MediaOptions.silence()).toCompletableFuture()
                    .get(TIMEOUT, SECONDS);
            assertThat(candidates(complete)).as("waiting for the end of gathering")
                    .anyMatch(l -> l.contains(" udp ")).anyMatch(l -> l.contains(" tcp "));
        } finally {
            waiting.shutdown();
        }
        String settled = pool.createOffer("call-settled", MediaOptions.silence()).toCompletableFuture()
                .get(TIMEOUT, SECONDS);
        assertThat(candidates(settled)).as("settled after the host candidates").isNotEmpty()
                .allMatch(l -> l.contains(" udp ") && l.contains(" typ host"));
        AudioPeer phone = remote("phone-settled", 660);
        pool.applyAnswer("call-settled", phone.acceptOffer(settled).get(TIMEOUT, SECONDS)).toCompletableFuture()
                .get(TIMEOUT, SECONDS);
        awaitPoolHears(pool, "call-settled", 660);
    }

    private static List<String> candidates(String sdp) {
        return sdp.lines().filter(l -> l.startsWith("a=candidate:")).toList();
    }

    @Test
    void offerAndAnswerAreIdempotent() throws Exception {
        String offer = pool.createOffer("call-i", MediaOptions.tone(440)).toCompletableFuture().get(TIMEOUT, SECONDS);
        assertThat(offer).contains("m=audio ", "a=candidate", "a=setup:actpass", "a=fingerprint");
        assertThat(pool.createOffer("call-i", MediaOptions.tone(300)).toCompletableFuture().get(TIMEOUT, SECONDS))
                .isEqualTo(offer);
        assertThat(pool.activeCalls()).isEqualTo(1);

        AudioPeer phone = remote("phone-i", 660);
        String answer = phone.acceptOffer(offer).get(TIMEOUT, SECONDS);
        pool.applyAnswer("call-i", answer).toCompletableFuture().get(TIMEOUT, SECONDS);
        pool.applyAnswer("call-i", answer).toCompletableFuture().get(TIMEOUT, SECONDS);
        assertThatThrownBy(() -> pool.applyAnswer("call-i", answer.replace("a=setup:active", "a=setup:passive"))
                .toCompletableFuture().get(TIMEOUT, SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pool.applyAnswer("nope", answer).toCompletableFuture().get(TIMEOUT, SECONDS))
                .hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("no media for call nope");
        await().atMost(Duration.ofSeconds(TIMEOUT)).until(() -> listener.events.contains("connected:call-i"));
    }

    @Test
    void refusesBeyondCapacityAndFreesASlotOnClose() throws Exception {
        MediaWorkerPool small = newPool(TestMediaConfig.of(2, recordings));
        try {
            small.createOffer("one", MediaOptions.tone(440)).toCompletableFuture().get(TIMEOUT, SECONDS);
            small.createOffer("two", MediaOptions.tone(440)).toCompletableFuture().get(TIMEOUT, SECONDS);
            CompletableFuture<String> third = small.createOffer("three", MediaOptions.tone(440))
                    .toCompletableFuture();
            assertThat(third).isCompletedExceptionally(); // refused at once, not queued
            assertThatThrownBy(() -> third.get(TIMEOUT, SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(MediaCapacityException.class)
                    .satisfies(e -> assertThat(((MediaCapacityException) e).capacity()).isEqualTo(2));
            assertThat(small.capacity()).isEqualTo(2);
            assertThat(small.activeCalls()).isEqualTo(2);
            // Asking again for an existing call is not a new call.
            assertThat(small.createOffer("two", MediaOptions.tone(440)).toCompletableFuture().get(TIMEOUT, SECONDS))
                    .contains("m=audio");

            small.close("one");
            assertThat(small.activeCalls()).isEqualTo(1);
            String offer = small.createOffer("three", MediaOptions.tone(440)).toCompletableFuture()
                    .get(TIMEOUT, SECONDS);
            assertThat(offer).contains("m=audio", "a=candidate");
            assertReused(small, 2);

            // The reused slot carries audio both ways.
            AudioPeer phone = remote("phone-c", 660);
            String answer = phone.acceptOffer(offer).get(TIMEOUT, SECONDS);
            small.applyAnswer("three", answer).toCompletableFuture().get(TIMEOUT, SECONDS);
            awaitPoolHears(small, "three", 660);
            AudioPeerTest.awaitTone(phone, 440);
        } finally {
            small.shutdown();
        }
        assertThat(small.activeCalls()).isZero();
    }

    @Test
    void recordsReceivedAudioToAValidWav() throws Exception {
        AudioPeer phone = remote("phone-r", 660);
        String key = "wamid.HBg/rec:1";
        poolOffers(pool, key, new MediaOptions(440, null, false, true), phone);
        awaitPoolHears(pool, key, 660);
        Path file = pool.report(key).orElseThrow().recording();
        assertThat(file).isEqualTo(recordings.resolve(MediaWorkerPool.recordingFileName(key)));
        assertThat(file.getFileName().toString()).startsWith("wamid.HBg_rec_1-").endsWith(".wav");
        // About 2 s more of the remote tone, measured by what the pool received (no sleeping).
        long frames = pool.report(key).orElseThrow().received().frames();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.report(key).orElseThrow().received().frames()
                >= frames + 200);
        pool.close(key);

        byte[] wav = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new String(wav, 0, 4, "US-ASCII")).isEqualTo("RIFF");
        assertThat(b.getInt(4)).isEqualTo(wav.length - 8);
        assertThat(new String(wav, 8, 8, "US-ASCII")).isEqualTo("WAVEfmt ");
        assertThat(b.getInt(16)).isEqualTo(16);
        assertThat(b.getShort(20)).isEqualTo((short) 1); // PCM
        assertThat(b.getShort(22)).isEqualTo((short) 1); // mono
        assertThat(b.getInt(24)).isEqualTo(48_000);
        assertThat(b.getInt(28)).isEqualTo(96_000);
        assertThat(b.getShort(32)).isEqualTo((short) 2);
        assertThat(b.getShort(34)).isEqualTo((short) 16);
        assertThat(new String(wav, 36, 4, "US-ASCII")).isEqualTo("data");
        int dataBytes = b.getInt(40);
        assertThat(dataBytes).isEqualTo(wav.length - 44);
        double seconds = dataBytes / 96_000.0;
        System.out.printf("recording: %d bytes of audio = %.2f s%n", dataBytes, seconds);
        assertThat(seconds).isBetween(1.9, 10.0);

        // The last second holds the remote tone.
        AudioMeter meter = new AudioMeter();
        byte[] tail = java.util.Arrays.copyOfRange(wav, wav.length - 96_000, wav.length);
        byte[] nativeOrder = toNativeOrder(tail);
        meter.accept(nativeOrder, 16, 48_000, 1, nativeOrder.length / 2);
        assertThat(meter.snapshot().dominantHz()).isCloseTo(660, within(15.0));
        assertThat(meter.snapshot().levelDbfs()).isGreaterThan(-20);
    }

    @Test
    void playsALoopedWavPrompt(@TempDir Path prompts) throws Exception {
        Path wav = prompts.resolve("prompt-8k.wav");
        Files.write(wav, sineWav(8_000, 1, 500, 0.35)); // 350 ms, so the 5 s wait crosses many loop points
        Path stereo = prompts.resolve("prompt-16k-stereo.wav");
        Files.write(stereo, sineWav(16_000, 2, 500, 0.5));

        AudioPeer phone = remote("phone-p", 0);
        poolOffers(pool, "call-p", MediaOptions.prompt(wav, true), phone);
        // Hold the tone for well past the prompt's length: the loop must keep playing it.
        long start = phone.received().frames();
        await().atMost(Duration.ofSeconds(5)).until(() -> phone.received().frames() >= start + 150);
        AudioPeerTest.awaitTone(phone, 500);

        AudioPeer phone2 = remote("phone-q", 0);
        poolOffers(pool, "call-q", MediaOptions.prompt(stereo, false), phone2);
        AudioPeerTest.awaitTone(phone2, 500);
        // Played once: afterwards silence (RTP still flowing, frames still counted).
        await("prompt ends in silence").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertThat(phone2.received().levelDbfs()).isLessThan(-60));
        long framesBefore = pool.report("call-q").orElseThrow().framesSent();
        await().atMost(Duration.ofSeconds(2)).until(() -> pool.report("call-q").orElseThrow().framesSent()
                > framesBefore + 20);
    }

    @Test
    void reportsFailureWhenTheRemoteGoesAway() throws Exception {
        MediaWorkerPool quick = newPool(TestMediaConfig.of(2, recordings)
                .withDisconnectedTimeout(Duration.ofSeconds(1)));
        try {
            AudioPeer phone = AudioPeer.create("phone-f", 660);
            poolOffers(quick, "call-f", MediaOptions.silence(), phone);
            await().atMost(Duration.ofSeconds(TIMEOUT)).until(() -> listener.events.contains("connected:call-f"));
            phone.close();
            await("failure reported").atMost(Duration.ofSeconds(45))
                    .until(() -> listener.events.stream().anyMatch(e -> e.startsWith("failed:call-f:")));
            System.out.println("listener events: " + listener.events);
            assertThat(quick.activeCalls()).as("the orchestrator closes the call").isEqualTo(1);
            quick.close("call-f");
            assertThat(quick.activeCalls()).isZero();
        } finally {
            quick.shutdown();
        }
    }

    @Test
    void longCallOnAReusedSlotKeepsAudioFlowingBothWays() throws Exception {
        MediaWorkerPool one = newPool(TestMediaConfig.of(1, recordings));
        try {
            AudioPeer first = remote("phone-l0", 300);
            poolOffers(one, "warm", MediaOptions.tone(350), first);
            awaitPoolHears(one, "warm", 300);
            one.close("warm");

            AudioPeer phone = remote("phone-l1", 660);
            poolOffers(one, "long", MediaOptions.tone(440), phone);
            assertReused(one, 1);
            long started = System.nanoTime();
            long lastFrames = 0;
            // ~20 s with both directions flowing, checked every ~2 s.
            for (int i = 0; i < 10; i++) {
                long seen = phone.received().frames();
                await().atMost(Duration.ofSeconds(5)).until(() -> phone.received().frames() >= seen + 200);
                awaitPoolHears(one, "long", 660);
                AudioPeerTest.awaitTone(phone, 440);
                long frames = one.report("long").orElseThrow().received().frames();
                assertThat(frames).isGreaterThan(lastFrames);
                lastFrames = frames;
            }
            long seconds = (System.nanoTime() - started) / 1_000_000_000L;
            MediaReport report = one.report("long").orElseThrow();
            System.out.printf("long call: %d s, pool received %d frames, sent %d frames, remote received %d%n",
                    seconds, report.received().frames(), report.framesSent(), phone.received().frames());
            assertThat(seconds).isGreaterThanOrEqualTo(19);
            assertThat(report.state()).isEqualTo("CONNECTED");
            assertThat(report.framesSent()).isGreaterThan(1800);
        } finally {
            one.shutdown();
        }
    }

    /**
     * A call placed after another closed reuses what that one held: its slot (module and factory) on this back-end,
     * never more than {@code slots} of them opened.
     */
    void assertReused(MediaWorkerPool pool, int slots) {
        assertThat(pool.slotsOpened()).as("the freed slot is reused").isEqualTo(slots);
    }

    @Test
    void recordingNamesAreSafeAndNeverShared() {
        assertThat(MediaWorkerPool.recordingFileName("wacid.ABC/../x y")).matches("wacid\\.ABC_\\.\\._x_y-[0-9a-f]{12}\\.wav");
        assertThat(MediaWorkerPool.recordingFileName("../etc")).matches("_\\._etc-[0-9a-f]{12}\\.wav");
        assertThat(MediaWorkerPool.recordingFileName("a".repeat(300))).hasSizeLessThan(140).endsWith(".wav");
        // Meta's ids are standard base64: ids that differ only in + / = get files of their own
        assertThat(MediaWorkerPool.recordingFileName("wacid.HBgL+a/b=="))
                .isNotEqualTo(MediaWorkerPool.recordingFileName("wacid.HBgL/a+b=="))
                .isNotEqualTo(MediaWorkerPool.recordingFileName("wacid.HBgL_a_b__"));
        assertThat(MediaWorkerPool.recordingFileName("rec:1")).isNotEqualTo(MediaWorkerPool.recordingFileName("rec@1"));
        assertThat(MediaWorkerPool.recordingFileName("wacid.HBgL+a/b==")).doesNotContain("/", "+", "=");
    }

    /** A 16-bit PCM WAV holding a sine at -6 dBFS. */
    static byte[] sineWav(int rate, int channels, double hz, double seconds) {
        int frames = (int) (rate * seconds);
        ByteBuffer data = ByteBuffer.allocate(frames * channels * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < frames; i++) {
            short s = (short) Math.round(16384 * Math.sin(2 * Math.PI * hz * i / rate));
            for (int c = 0; c < channels; c++) {
                data.putShort(s);
            }
        }
        ByteBuffer h = ByteBuffer.wrap(WavFiles.header(rate, channels, data.capacity()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(h.array());
        out.writeBytes(data.array());
        return out.toByteArray();
    }

    private static byte[] toNativeOrder(byte[] little) {
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            return little;
        }
        byte[] out = new byte[little.length];
        for (int i = 0; i + 1 < little.length; i += 2) {
            out[i] = little[i + 1];
            out[i + 1] = little[i];
        }
        return out;
    }
}
