package dev.callgate.media;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every {@link MediaWorkerPoolTest} again on the shared back-end ({@code callgate.media.shared-factory=true}: one audio
 * module and factory for all calls, audio pushed by the media clock), plus what only the shared back-end risks: calls
 * hearing each other's audio, a close disturbing the others, RTP before CONNECTED or before play, threads per call.
 */
class MediaWorkerPoolSharedFactoryTest extends MediaWorkerPoolTest {

    @Override
    MediaWorkerPool newPool(TestMediaConfig config) {
        return super.newPool(config.withSharedFactory(true));
    }

    /** No slot per call here: every call, the reused one included, runs on the one shared factory. */
    @Override
    void assertReused(MediaWorkerPool pool, int slots) {
        assertThat(pool.slotsOpened()).as("no per-call slot on the shared back-end").isZero();
        assertThat(pool.sharedMediaIfOpen()).as("the shared factory carries the calls").isNotNull();
    }

    @Test
    void severalCallsEachHearTheirOwnToneAndAClosedOneDisturbsNoOther() throws Exception {
        double[] poolHz = {400, 700, 1000, 1300};
        double[] phoneHz = {550, 850, 1150, 1450};
        List<AudioPeer> phones = new ArrayList<>();
        for (int i = 0; i < poolHz.length; i++) {
            AudioPeer phone = remote("phone-s" + i, phoneHz[i]);
            phones.add(phone);
            if (i % 2 == 0) {
                poolOffers(pool, "call-s" + i, MediaOptions.tone(poolHz[i]), phone);
            } else { // the pool answers half of them
                String offer = phone.createOffer().get(TIMEOUT, SECONDS);
                String answer = pool.createAnswer("call-s" + i, offer, MediaOptions.tone(poolHz[i]))
                        .toCompletableFuture().get(TIMEOUT, SECONDS);
                phone.applyAnswer(answer).get(TIMEOUT, SECONDS);
                phone.connected().get(TIMEOUT, SECONDS);
            }
        }
        for (int i = 0; i < poolHz.length; i++) {
            awaitPoolHears(pool, "call-s" + i, phoneHz[i]);
            AudioPeerTest.awaitTone(phones.get(i), poolHz[i]);
        }
        SharedMedia shared = pool.sharedMediaIfOpen();
        assertThat(shared).isNotNull();
        assertThat(shared.activations()).isEqualTo(poolHz.length);
        assertThat(shared.feeding()).isEqualTo(poolHz.length);
        assertThat(pool.slotsOpened()).as("no slot on the shared back-end").isZero();

        pool.close("call-s1");
        assertThat(shared.feeding()).isEqualTo(poolHz.length - 1);
        // ~3 s more on the others: every frame still arriving both ways, every tone still its own
        for (int round = 0; round < 3; round++) {
            for (int i : new int[] {0, 2, 3}) {
                AudioPeer phone = phones.get(i);
                String key = "call-s" + i;
                long heard = phone.received().frames();
                long got = pool.report(key).orElseThrow().received().frames();
                long sent = pool.report(key).orElseThrow().framesSent();
                await().atMost(Duration.ofSeconds(5)).until(() -> phone.received().frames() >= heard + 90
                        && pool.report(key).orElseThrow().received().frames() >= got + 90
                        && pool.report(key).orElseThrow().framesSent() >= sent + 90);
                awaitPoolHears(pool, key, phoneHz[i]);
                AudioPeerTest.awaitTone(phone, poolHz[i]);
                assertThat(pool.report(key).orElseThrow().state()).isEqualTo("CONNECTED");
            }
        }
        // a new call after the close is served by the same factory
        AudioPeer late = remote("phone-s4", 1600);
        poolOffers(pool, "call-s4", MediaOptions.tone(250), late);
        awaitPoolHears(pool, "call-s4", 1600);
        AudioPeerTest.awaitTone(late, 250);
        AudioPeerTest.awaitTone(phones.get(0), poolHz[0]);
        assertThat(listener.events).noneMatch(e -> e.startsWith("failed:"));
        System.out.printf("shared: %d activations, module capture pulls %d (outside activations %d), late clock ticks %d%n",
                shared.activations(), shared.modulePulls(), shared.strayPulls(), shared.lateTicks());
    }

    @Test
    void nothingUntilPlaySendsNoRtpBeforePlayWhetherPlayComesBeforeOrAfterConnected() throws Exception {
        // user-initiated: the pool answers with nothing on the wire until play (after CONNECTED here)
        AudioPeer phone = remote("phone-h", 660);
        String offer = phone.createOffer().get(TIMEOUT, SECONDS);
        String answer = pool.createAnswer("call-h", offer, MediaOptions.nothingUntilPlay()).toCompletableFuture()
                .get(TIMEOUT, SECONDS);
        phone.applyAnswer(answer).get(TIMEOUT, SECONDS);
        phone.connected().get(TIMEOUT, SECONDS);
        await().atMost(Duration.ofSeconds(TIMEOUT)).until(() -> listener.events.contains("connected:call-h"));
        awaitPoolHears(pool, "call-h", 660); // receiving works meanwhile
        await("no RTP before play").during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> phone.packetsReceived().get(5, SECONDS) == 0
                        && pool.report("call-h").orElseThrow().framesSent() == 0);
        assertThat(pool.sharedMediaIfOpen().activations()).isZero();

        pool.play("call-h", MediaOptions.tone(880)).toCompletableFuture().get(TIMEOUT, SECONDS);
        AudioPeerTest.awaitTone(phone, 880);
        assertThat(phone.packetsReceived().get(5, SECONDS)).isPositive();

        // play before CONNECTED: the RTP starts at CONNECTED, not at play
        AudioPeer phone2 = remote("phone-h2", 550);
        String offer2 = phone2.createOffer().get(TIMEOUT, SECONDS);
        String answer2 = pool.createAnswer("call-h2", offer2, MediaOptions.nothingUntilPlay()).toCompletableFuture()
                .get(TIMEOUT, SECONDS);
        pool.play("call-h2", MediaOptions.tone(500)).toCompletableFuture().get(TIMEOUT, SECONDS);
        assertThat(pool.sharedMediaIfOpen().activations()).as("not before CONNECTED").isEqualTo(1);
        phone2.applyAnswer(answer2).get(TIMEOUT, SECONDS);
        phone2.connected().get(TIMEOUT, SECONDS);
        AudioPeerTest.awaitTone(phone2, 500);
        awaitPoolHears(pool, "call-h2", 550);
        AudioPeerTest.awaitTone(phone, 880); // the first call goes on
        assertThat(pool.sharedMediaIfOpen().activations()).isEqualTo(2);
    }

    @Test
    @Tag("whole-process") // counts the whole JVM's threads: runs in a JVM of its own (pom.xml)
    void threadsPerCallStayWithinThree() throws Exception {
        // The far end is a second shared pool (a plain AudioPeer brings a module and factory of its own per call).
        MediaWorkerPool gateway = newPool(TestMediaConfig.of(8, recordings));
        MediaWorkerPool phones = newPool(TestMediaConfig.of(8, recordings));
        int calls = 6;
        try {
            connect(gateway, phones, "warm", 300, 350); // both factories exist, both clocks run
            MediaWorkerPoolTest.awaitPoolHears(gateway, "warm", 350);
            long before = MediaWorkerPoolChurnTest.osThreads();
            for (int i = 0; i < calls; i++) {
                connect(gateway, phones, "t" + i, 400 + 150 * i, 475 + 150 * i);
            }
            for (int i = 0; i < calls; i++) {
                MediaWorkerPoolTest.awaitPoolHears(gateway, "t" + i, 475 + 150 * i);
                MediaWorkerPoolTest.awaitPoolHears(phones, "t" + i, 400 + 150 * i);
            }
            long after = MediaWorkerPoolChurnTest.osThreads();
            double perPc = (after - before) / (2.0 * calls);
            System.out.printf("shared: threads %d -> %d for %d calls (%d PeerConnections): %.2f per PeerConnection;"
                    + " by name %s%n", before, after, calls, 2 * calls, perPc, MediaWorkerPoolChurnTest.threadNames());
            assertThat(perPc).as("native threads per PeerConnection").isLessThanOrEqualTo(3.0);
        } finally {
            gateway.shutdown();
            phones.shutdown();
        }
    }

    @Test
    @Tag("whole-process") // counts the whole JVM's threads: runs in a JVM of its own (pom.xml)
    void callsComingAndGoingBesideLiveCallsNeverDisturbThem() throws Exception {
        // pool to pool (both shared): two long calls stay up while 40 short ones are set up, heard and closed
        MediaWorkerPool gateway = newPool(TestMediaConfig.of(4, recordings));
        MediaWorkerPool phones = newPool(TestMediaConfig.of(4, recordings));
        try {
            connect(gateway, phones, "live-a", 350, 1250);
            connect(gateway, phones, "live-b", 450, 1350);
            long threads = 0;
            for (int i = 0; i < 40; i++) {
                String key = "short-" + i;
                double hz = 600 + 10 * (i % 20);
                connect(gateway, phones, key, hz, hz + 300);
                if (i % 8 == 0) {
                    MediaWorkerPoolTest.awaitPoolHears(gateway, key, hz + 300);
                    MediaWorkerPoolTest.awaitPoolHears(phones, key, hz);
                } else {
                    await().atMost(Duration.ofSeconds(TIMEOUT))
                            .until(() -> phones.report(key).orElseThrow().received().frames() > 0);
                }
                gateway.close(key);
                phones.close(key);
                if (i == 9) {
                    threads = MediaWorkerPoolChurnTest.osThreads();
                }
            }
            for (String key : List.of("live-a", "live-b")) {
                long got = gateway.report(key).orElseThrow().received().frames();
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> gateway.report(key).orElseThrow().received().frames() >= got + 100);
            }
            MediaWorkerPoolTest.awaitPoolHears(gateway, "live-a", 1250);
            MediaWorkerPoolTest.awaitPoolHears(phones, "live-a", 350);
            MediaWorkerPoolTest.awaitPoolHears(gateway, "live-b", 1350);
            MediaWorkerPoolTest.awaitPoolHears(phones, "live-b", 450);
            long threadsAfter = MediaWorkerPoolChurnTest.osThreads();
            SharedMedia g = gateway.sharedMediaIfOpen();
            SharedMedia p = phones.sharedMediaIfOpen();
            System.out.printf("shared churn: threads after 10 calls %d, after 40 %d; gateway %d activations, %d module"
                    + " pulls (%d outside activations); phone %d activations, %d pulls (%d outside)%n", threads,
                    threadsAfter, g.activations(), g.modulePulls(), g.strayPulls(), p.activations(), p.modulePulls(),
                    p.strayPulls());
            assertThat(threadsAfter - threads).as("threads over 30 calls").isLessThanOrEqualTo(10);
            assertThat(g.feeding()).isEqualTo(2);
            assertThat(listener.events).noneMatch(e -> e.startsWith("failed:"));
        } finally {
            gateway.shutdown();
            phones.shutdown();
        }
    }

    /** {@code a} offers with tone {@code aHz}, {@code b} answers with {@code bHz}; both CONNECTED. */
    static void connect(MediaWorkerPool a, MediaWorkerPool b, String key, double aHz, double bHz) throws Exception {
        String offer = a.createOffer(key, MediaOptions.tone(aHz)).toCompletableFuture().get(TIMEOUT, SECONDS);
        String answer = b.createAnswer(key, offer, MediaOptions.tone(bHz)).toCompletableFuture()
                .get(TIMEOUT, SECONDS);
        a.applyAnswer(key, answer).toCompletableFuture().get(TIMEOUT, SECONDS);
    }
}
