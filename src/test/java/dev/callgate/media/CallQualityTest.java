package dev.callgate.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.onvoid.webrtc.RTCStats;
import dev.onvoid.webrtc.RTCStatsType;

/** The arithmetic of {@link CallQuality}: stats deltas to a sample, and the E-model's MOS. */
class CallQualityTest {

    static final Instant AT = Instant.parse("2025-01-01T00:00:00Z");
    static final long SECOND = 1_000_000_000L;

    static Stream<Arguments> mosTable() {
        return Stream.of(
                // rttMs, jitterMs, loss, lowest MOS, highest MOS
                Arguments.of(0.0, 0.0, 0.0, 4.3, 4.41),     // perfect: the narrowband E-model's ceiling
                Arguments.of(null, 0.0, 0.0, 4.3, 4.41),    // RTT unknown: only the jitter buffer counts as delay
                Arguments.of(40.0, 2.0, 0.0, 4.3, 4.41),    // a good mobile path
                Arguments.of(0.0, 0.0, 0.01, 4.0, 4.3),     // 1 % loss
                Arguments.of(0.0, 0.0, 0.05, 3.4, 3.95),    // 5 % loss
                Arguments.of(300.0, 0.0, 0.0, 4.2, 4.38),   // 300 ms RTT: a little lower
                Arguments.of(600.0, 0.0, 0.0, 3.4, 3.8),    // 600 ms RTT: past the 177 ms one-way knee
                Arguments.of(300.0, 30.0, 0.05, 3.0, 3.8),  // everything at once
                Arguments.of(0.0, 0.0, 1.0, 1.0, 1.3),      // nothing arrives
                Arguments.of(5000.0, 500.0, 0.5, 1.0, 1.0)); // R below 0: the floor
    }

    @ParameterizedTest(name = "rtt {0} ms, jitter {1} ms, loss {2}: MOS in [{3}, {4}]")
    @MethodSource("mosTable")
    void mosOfTheEModel(Double rttMs, double jitterMs, double loss, double lowest, double highest) {
        assertThat(CallQuality.mos(rttMs, jitterMs, loss)).isBetween(lowest, highest);
    }

    @Test
    void mosFallsMonotonicallyWithLossDelayAndJitter() {
        double previous = 5;
        for (double loss = 0; loss <= 1.0; loss += 0.01) {
            double mos = CallQuality.mos(20.0, 5, loss);
            assertThat(mos).isLessThanOrEqualTo(previous);
            previous = mos;
        }
        previous = 5;
        for (double rtt = 0; rtt <= 2000; rtt += 10) {
            double mos = CallQuality.mos(rtt, 5, 0.01);
            assertThat(mos).isLessThanOrEqualTo(previous);
            previous = mos;
        }
        previous = 5;
        for (double jitter = 0; jitter <= 300; jitter += 5) {
            double mos = CallQuality.mos(50.0, jitter, 0.0);
            assertThat(mos).isLessThanOrEqualTo(previous);
            previous = mos;
        }
        assertThat(CallQuality.mos(0.0, 0, 0.05)).isLessThan(CallQuality.mos(0.0, 0, 0));
        assertThat(CallQuality.mos(300.0, 0, 0)).isLessThan(CallQuality.mos(0.0, 0, 0));
    }

    @Test
    void mosOfRFollowsG107() {
        assertThat(CallQuality.mosOf(-3)).isEqualTo(1);
        assertThat(CallQuality.mosOf(0)).isEqualTo(1);
        assertThat(CallQuality.mosOf(5)).as("the cubic's dip under 1 is held at 1").isEqualTo(1);
        assertThat(CallQuality.mosOf(50)).isCloseTo(2.58, within(0.01));
        assertThat(CallQuality.mosOf(80)).isCloseTo(4.02, within(0.01));
        assertThat(CallQuality.mosOf(93.2)).isCloseTo(4.41, within(0.01));
        assertThat(CallQuality.mosOf(100)).isEqualTo(4.5);
        assertThat(CallQuality.rFactor(0.0, 0, 0)).isCloseTo(93.2 - 0.024 * 20, within(1e-9));
    }

    static CallQuality.Counters counters(long at, Long received, Long lost, Long bytesIn, Long bytesOut, Double rtt) {
        return new CallQuality.Counters(at, received, lost, bytesIn, 0.004, bytesOut, received, rtt);
    }

    @Test
    void aSampleIsTheIntervalBetweenTwoReports() {
        CallQuality.Counters first = counters(10 * SECOND, 1000L, 0L, 80_000L, 90_000L, 0.040);
        CallQuality.Counters second = counters(15 * SECOND, 1225L, 25L, 100_000L, 115_000L, 0.050);
        CallQuality q = CallQuality.between(first, second, AT);
        assertThat(q.packetLoss()).isCloseTo(0.1, within(1e-9)); // 25 lost of 250 expected
        assertThat(q.inboundKbps()).isCloseTo(32.0, within(1e-9)); // 20 000 bytes in 5 s
        assertThat(q.outboundKbps()).isCloseTo(40.0, within(1e-9));
        assertThat(q.jitterMs()).isCloseTo(4.0, within(1e-9));
        assertThat(q.rttMs()).isCloseTo(50.0, within(1e-9));
        assertThat(q.mos()).isCloseTo(CallQuality.mos(50.0, 4.0, 0.1), within(1e-9));
        assertThat(q.packetsReceived()).isEqualTo(1225);
        assertThat(q.packetsLost()).isEqualTo(25);
        assertThat(q.sampledAt()).isEqualTo(AT);
    }

    @Test
    void theFirstSampleCountsSinceTheCallBeganAndHasNoBitrate() {
        CallQuality q = CallQuality.between(null, counters(SECOND, 990L, 10L, 8000L, 8000L, null), AT);
        assertThat(q.packetLoss()).isCloseTo(0.01, within(1e-9));
        assertThat(q.inboundKbps()).isNull();
        assertThat(q.outboundKbps()).isNull();
        assertThat(q.rttMs()).as("no RTT measured: null, never 0").isNull();
        assertThat(q.mos()).isCloseTo(CallQuality.mos(null, 4.0, 0.01), within(1e-9));
    }

    @Test
    void countersGoingBackwardsStartAnewInsteadOfGoingNegative() {
        CallQuality.Counters before = counters(10 * SECOND, 5000L, 50L, 400_000L, 400_000L, 0.03);
        CallQuality.Counters restarted = counters(15 * SECOND, 200L, 2L, 16_000L, 420_000L, 0.03);
        CallQuality q = CallQuality.between(before, restarted, AT);
        assertThat(q.packetLoss()).isCloseTo(2.0 / 202, within(1e-9)); // since the new stream began
        assertThat(q.inboundKbps()).isNull();
        assertThat(q.outboundKbps()).isCloseTo(32.0, within(1e-9)); // the send side did not restart
        assertThat(q.mos()).isNotNull();

        // packetsLost going down (duplicates, late packets) is no negative loss
        CallQuality dup = CallQuality.between(counters(0, 100L, 5L, 1L, 1L, null),
                counters(SECOND, 150L, 3L, 2L, 2L, null), AT);
        assertThat(dup.packetLoss()).isZero();

        // bytes sent going backwards: no outbound bitrate for that interval
        CallQuality sentBack = CallQuality.between(counters(0, 100L, 0L, 1L, 5000L, null),
                counters(SECOND, 150L, 0L, 2L, 10L, null), AT);
        assertThat(sentBack.outboundKbps()).isNull();
    }

    @Test
    void absentCountersGiveNullsNotZeros() {
        CallQuality.Counters none = new CallQuality.Counters(SECOND, null, null, null, null, null, null, null);
        CallQuality q = CallQuality.between(null, none, AT);
        assertThat(q.mos()).isNull();
        assertThat(q.packetLoss()).isNull();
        assertThat(q.jitterMs()).isNull();
        assertThat(q.rttMs()).isNull();
        assertThat(q.inboundKbps()).isNull();
        assertThat(q.outboundKbps()).isNull();
        assertThat(q.packetsReceived()).isZero();

        // nothing arrived in the interval (RTP held back): no loss to speak of, no MOS
        CallQuality.Counters a = counters(0, 100L, 0L, 1000L, 1000L, null);
        CallQuality.Counters b = counters(5 * SECOND, 100L, 0L, 1000L, 1000L, null);
        CallQuality idle = CallQuality.between(a, b, AT);
        assertThat(idle.packetLoss()).isNull();
        assertThat(idle.mos()).isNull();
        assertThat(idle.inboundKbps()).isZero();

        // the same report twice (no time passed): no bitrate
        assertThat(CallQuality.between(a, a, AT).inboundKbps()).isNull();
    }

    static RTCStats stats(RTCStatsType type, String id, Map<String, Object> attributes) {
        return new RTCStats(0, type, id, attributes) {
        };
    }

    @Test
    void countersAreReadFromAReportPreferringTheReceiverReportsRtt() {
        List<RTCStats> report = List.of(
                stats(RTCStatsType.INBOUND_RTP, "in", Map.of("kind", "audio", "packetsReceived", 500L,
                        "packetsLost", 7, "bytesReceived", 40_000L, "jitter", 0.012)),
                stats(RTCStatsType.OUTBOUND_RTP, "out", Map.of("kind", "audio", "packetsSent", 510L,
                        "bytesSent", 41_000L)),
                stats(RTCStatsType.REMOTE_INBOUND_RTP, "rin", Map.of("kind", "audio", "roundTripTime", 0.081)),
                stats(RTCStatsType.TRANSPORT, "t", Map.of("selectedCandidatePairId", "p1")),
                stats(RTCStatsType.CANDIDATE_PAIR, "p0", Map.of("currentRoundTripTime", 0.5)),
                stats(RTCStatsType.CANDIDATE_PAIR, "p1", Map.of("currentRoundTripTime", 0.02)),
                stats(RTCStatsType.INBOUND_RTP, "video", Map.of("kind", "video", "packetsReceived", 9999L)));
        CallQuality.Counters c = CallQuality.Counters.of(42, report);
        assertThat(c).isEqualTo(new CallQuality.Counters(42, 500L, 7L, 40_000L, 0.012, 41_000L, 510L, 0.081));

        // no receiver report (an ICE-lite peer without RTCP RR): the selected pair's STUN RTT
        CallQuality.Counters pairOnly = CallQuality.Counters.of(42, report.stream()
                .filter(s -> s.getType() != RTCStatsType.REMOTE_INBOUND_RTP).toList());
        assertThat(pairOnly.rttSeconds()).isEqualTo(0.02);

        // without a transport naming its pair: the nominated, succeeded one
        CallQuality.Counters nominated = CallQuality.Counters.of(42, List.of(
                stats(RTCStatsType.CANDIDATE_PAIR, "a", Map.of("nominated", false, "state", "succeeded",
                        "currentRoundTripTime", 0.3)),
                stats(RTCStatsType.CANDIDATE_PAIR, "b", Map.of("nominated", true, "state", "succeeded",
                        "currentRoundTripTime", 0.01))));
        assertThat(nominated.rttSeconds()).isEqualTo(0.01);

        // neither: null, never 0
        assertThat(CallQuality.Counters.of(42, report.subList(0, 2)).rttSeconds()).isNull();
    }
}
