package dev.callgate.media;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** Two AudioPeers in one JVM, connected over host candidates, sending tones to each other. */
public class AudioPeerTest {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration AUDIO_TIMEOUT = Duration.ofSeconds(5);

    /** Result of one offer/answer exchange. */
    record Call(AudioPeer caller, AudioPeer callee, String offer, String answer, Instant connectedAt,
            long connectMillis) {
    }

    static Call connect(AudioPeer a, AudioPeer b) throws Exception {
        long t0 = System.nanoTime();
        String offer = a.createOffer().get(CONNECT_TIMEOUT.toSeconds(), SECONDS);
        long t1 = System.nanoTime();
        String answer = b.acceptOffer(offer).get(CONNECT_TIMEOUT.toSeconds(), SECONDS);
        long t2 = System.nanoTime();
        a.applyAnswer(answer).get(CONNECT_TIMEOUT.toSeconds(), SECONDS);
        CompletableFuture.allOf(a.connected(), b.connected()).get(CONNECT_TIMEOUT.toSeconds(), SECONDS);
        long t3 = System.nanoTime();
        Instant connectedAt = Instant.now();
        System.out.printf("connect %s/%s: offer (gathered) %d ms, answer (gathered) %d ms, answer applied -> "
                + "both CONNECTED %d ms%n", a.name(), b.name(), (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000,
                (t3 - t2) / 1_000_000);
        return new Call(a, b, offer, answer, connectedAt, (t3 - t0) / 1_000_000);
    }

    /** Waits until {@code peer} hears {@code hz} (±15 Hz) clearly above silence. */
    public static void awaitTone(AudioPeer peer, double hz) {
        await("tone " + hz + " Hz at " + peer.name()).atMost(AUDIO_TIMEOUT).pollInterval(Duration.ofMillis(20))
                .untilAsserted(() -> {
                    AudioStats stats = peer.received();
                    assertThat(stats.frames()).isPositive();
                    assertThat(stats.levelDbfs()).isGreaterThan(-40);
                    assertThat(stats.dominantHz()).isCloseTo(hz, within(15.0));
                });
    }

    @Test
    void twoPeersConnectAndHearEachOther() throws Exception {
        AudioPeer a = AudioPeer.create("a", 440);
        AudioPeer b = AudioPeer.create("b", 660);
        try {
            assertThat(a.state()).isEqualTo("NEW");
            assertThat(a.connected()).isNotDone();

            Call call = connect(a, b);

            String offer = call.offer();
            assertThat(offer).contains("a=candidate", "opus/48000/2", "a=fingerprint", "a=setup:actpass");
            assertThat(Pattern.compile("^m=", Pattern.MULTILINE).matcher(offer).results().count()).isEqualTo(1);
            assertThat(offer).contains("m=audio ");
            assertCrlf(offer);
            String answer = call.answer();
            assertThat(answer).contains("a=setup:active", "a=candidate", "opus/48000/2", "a=fingerprint");
            assertCrlf(answer);

            assertThat(a.state()).isEqualTo("CONNECTED");
            assertThat(b.state()).isEqualTo("CONNECTED");

            awaitTone(a, 660);
            awaitTone(b, 440);
            long firstAudioMillis = Duration.between(call.connectedAt(), Instant.now()).toMillis();
            // Opus keeps a pure tone's level: sent at -12 dBFS (once the window holds only the tone).
            await("level at a and b").atMost(AUDIO_TIMEOUT).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
                assertThat(a.received().levelDbfs()).isCloseTo(-12, within(3.0));
                assertThat(b.received().levelDbfs()).isCloseTo(-12, within(3.0));
            });
            AudioStats atA = a.received();
            AudioStats atB = b.received();
            assertThat(a.receivedFormat()).isEqualTo(b.receivedFormat()).contains("16 bit");
            assertThat(atA.firstFrameAt()).isNotNull();
            assertThat(a.framesSent()).isPositive();
            assertThat(b.framesSent()).isPositive();
            System.out.printf("audio peers: offer->connected %d ms, connected->both tones measured %d ms, "
                    + "a hears %.1f Hz at %.1f dBFS, b hears %.1f Hz at %.1f dBFS, sink format %s%n",
                    call.connectMillis(), firstAudioMillis, atA.dominantHz(), atA.levelDbfs(), atB.dominantHz(),
                    atB.levelDbfs(), a.receivedFormat());
            System.out.println("audio peers: source pulled with " + a.sourceFormat());
            System.out.printf("audio peers: first sink buffer at a %d ms, at b %d ms relative to both CONNECTED%n",
                    Duration.between(call.connectedAt(), atA.firstFrameAt()).toMillis(),
                    Duration.between(call.connectedAt(), atB.firstFrameAt()).toMillis());

            // The generator's frequency changes on the fly, without touching the module's source.
            a.setToneHz(1000);
            awaitTone(b, 1000);
            long sentBefore = a.framesSent();
            a.setToneHz(0);
            await("silence at b").atMost(AUDIO_TIMEOUT).pollInterval(Duration.ofMillis(20))
                    .untilAsserted(() -> assertThat(b.received().levelDbfs()).isLessThan(-60));
            // Silence still keeps the source pulled (and RTP flowing): frames keep arriving at b.
            long framesAtB = b.received().frames();
            await().atMost(AUDIO_TIMEOUT).until(() -> a.framesSent() > sentBefore + 50
                    && b.received().frames() > framesAtB + 50);
            assertThat(a.state()).isEqualTo("CONNECTED");
        } finally {
            a.close();
            b.close();
        }
        assertThat(a.state()).isEqualTo("CLOSED");
        assertThat(b.state()).isEqualTo("CLOSED");
        // Closing twice is harmless.
        a.close();
        b.close();
        assertThat(a.createOffer()).failsWithin(Duration.ofSeconds(1))
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(IllegalStateException.class);
        // Nothing is pulled or received any more once closed.
        long sent = a.framesSent();
        long received = a.received().frames();
        await("nothing moves after close").during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> a.framesSent() == sent && a.received().frames() == received);
    }

    @Test
    void connectedFailsWhenClosedBeforeConnecting() {
        AudioPeer a = AudioPeer.create("lonely", 440);
        CompletableFuture<Void> connected = a.connected();
        a.close();
        assertThat(connected).failsWithin(Duration.ofSeconds(1));
        assertThat(a.state()).isEqualTo("CLOSED");
    }

    /**
     * Negative control for the recipe: with the module's source set <em>before</em> playout starts, the peers still
     * connect but no audio is decoded. If this starts failing, webrtc-java changed the internal behaviour the recipe
     * relies on; re-check the order in {@link AudioPeer} and the notes.
     */
    @Test
    void sourceSetBeforePlayoutLeavesThePeersDeaf() throws Exception {
        AudioPeer a = AudioPeer.create("wrong-order-a", 440, true);
        AudioPeer b = AudioPeer.create("wrong-order-b", 660, true);
        try {
            connect(a, b);
            await("no tone decoded").during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> a.received().frames() == 0 && b.received().frames() == 0);
            System.out.printf("negative control: a %s (sent %d), b %s (sent %d)%n", a.received(), a.framesSent(),
                    b.received(), b.framesSent());
        } finally {
            a.close();
            b.close();
        }
    }

    /** Marks an SDP as coming from an ICE-lite endpoint (session-level {@code a=ice-lite}), nothing else. */
    static String iceLite(String sdp) {
        return sdp.contains("a=ice-lite") ? sdp : sdp.replaceFirst("(?m)^(t=.*)$", "$1\r\na=ice-lite");
    }

    /**
     * The user-initiated shape: an ICE-lite peer offers (as controlled), the full peer answers. The answerer must end up
     * controlling and the lite offerer controlled, every time (no role conflict settled by the tie-breaker).
     */
    @RepeatedTest(3)
    void anIceLiteOffererStaysControlledAndTheFullAnswererControls() throws Exception {
        AudioPeer lite = AudioPeer.create("lite-offerer", 550);
        AudioPeer full = AudioPeer.create("full-answerer", 880);
        try {
            String offer = lite.createOfferAsControlled("audio", AudioPeerTest::iceLite).get(10, SECONDS);
            assertThat(offer).contains("a=ice-lite", "a=mid:audio", "a=group:BUNDLE audio", "a=setup:actpass",
                    "a=candidate:");
            String answer = full.acceptOffer(offer).get(10, SECONDS);
            assertThat(answer).contains("a=mid:audio", "a=setup:active").doesNotContain("a=ice-lite");
            assertThat(full.iceRole().get(5, SECONDS)).as("full answerer after its answer").isEqualTo("controlling");
            lite.applyAnswer(answer).get(10, SECONDS);
            CompletableFuture.allOf(lite.connected(), full.connected()).get(10, SECONDS);

            awaitTone(lite, 880);
            awaitTone(full, 550);
            assertThat(full.iceRole().get(5, SECONDS)).isEqualTo("controlling");
            assertThat(lite.iceRole().get(5, SECONDS)).isEqualTo("controlled");
        } finally {
            lite.close();
            full.close();
        }
    }

    /** The business-initiated shape: the full peer offers, the ICE-lite peer answers; the offerer controls. */
    @Test
    void anIceLiteAnswererIsControlledAndTheFullOffererControls() throws Exception {
        AudioPeer full = AudioPeer.create("full-offerer", 1000);
        AudioPeer lite = AudioPeer.create("lite-answerer", 660);
        try {
            String offer = full.createOffer().get(10, SECONDS);
            String answer = lite.acceptOffer(offer, AudioPeerTest::iceLite).get(10, SECONDS);
            assertThat(answer).contains("a=ice-lite", "a=setup:active");
            full.applyAnswer(answer).get(10, SECONDS);
            CompletableFuture.allOf(lite.connected(), full.connected()).get(10, SECONDS);

            awaitTone(lite, 1000);
            awaitTone(full, 660);
            assertThat(full.iceRole().get(5, SECONDS)).isEqualTo("controlling");
            assertThat(lite.iceRole().get(5, SECONDS)).isEqualTo("controlled");
        } finally {
            lite.close();
            full.close();
        }
    }

    @Test
    void packetsReceivedCountsInboundRtpFromZero() throws Exception {
        AudioPeer a = AudioPeer.create("count-a", 440);
        AudioPeer b = AudioPeer.create("count-b", 0);
        try {
            assertThat(a.packetsReceived().get(5, SECONDS)).as("before any exchange").isZero();
            connect(a, b);
            // silence still travels as RTP; Opus sends 50 packets a second
            await("packets at a").atMost(AUDIO_TIMEOUT).untilAsserted(() ->
                    assertThat(a.packetsReceived().get(5, SECONDS)).isGreaterThan(25));
            long earlier = b.packetsReceived().get(5, SECONDS);
            await("count grows at b").atMost(AUDIO_TIMEOUT).untilAsserted(() ->
                    assertThat(b.packetsReceived().get(5, SECONDS)).isGreaterThan(earlier));
        } finally {
            a.close();
            b.close();
        }
        assertThat(a.packetsReceived()).isCompletedExceptionally();
    }

    static void assertCrlf(String sdp) {
        assertThat(sdp).endsWith("\r\n");
        assertThat(sdp.replace("\r\n", "")).doesNotContain("\r").doesNotContain("\n");
    }
}
