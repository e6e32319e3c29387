package dev.callgate.media;

import java.time.Instant;
import java.util.Collection;
import java.util.Map;

import dev.onvoid.webrtc.RTCStats;
import dev.onvoid.webrtc.RTCStatsType;

/**
 * One sample of a call's quality, computed from two libwebrtc {@code getStats} reports taken a sampling interval
 * apart. Pure: no I/O, no clock; {@link MediaWorkerPool} takes the reports, this class does the arithmetic.
 *
 * <p>What each field is (null when the reports do not say, never a made-up 0):
 * <ul>
 * <li>{@code packetLoss}: fraction (0..1) of the inbound audio packets that were lost in the interval,
 * {@code Δlost / (Δreceived + Δlost)} of {@code inbound-rtp}; on the first sample of a call, since the call began.</li>
 * <li>{@code jitterMs}: {@code inbound-rtp} {@code jitter} (RFC 3550 interarrival jitter), in ms.</li>
 * <li>{@code rttMs}: {@code remote-inbound-rtp} {@code roundTripTime} (from the peer's RTCP receiver reports), else the
 * selected ICE candidate pair's {@code currentRoundTripTime} (from STUN consent checks), in ms. Absent when the peer
 * sends no receiver report and answers no checks we time.</li>
 * <li>{@code inboundKbps} / {@code outboundKbps}: RTP payload bytes of the audio streams in the interval, in kbit/s;
 * null on the first sample (no interval yet).</li>
 * <li>{@code mos}: an estimate from the E-model, see {@link #mos}.</li>
 * <li>{@code packetsReceived}, {@code packetsLost}, {@code packetsSent}: the cumulative counters of the call.</li>
 * </ul>
 */
public record CallQuality(Double mos, Double packetLoss, Double jitterMs, Double rttMs, Double inboundKbps,
                          Double outboundKbps, long packetsReceived, long packetsLost, long packetsSent,
                          Instant sampledAt) {

    /** ITU-T G.107's default transmission rating with no impairment (R0 − Is, narrowband reference). */
    public static final double R_DEFAULT = 93.2;
    /**
     * Equipment impairment of Opus at the bitrates WhatsApp uses, taken as 0: G.113 gives no value for Opus, and at
     * 16 kHz and above it is at least as good as G.711 (Ie = 0).
     */
    public static final double OPUS_IE = 0;
    /**
     * Packet-loss robustness of Opus with its loss concealment. G.113 lists 25.1 for G.711 with PLC and 19.0 for
     * G.729A; Opus conceals at least as well as G.729A, so 20 is a conservative choice for random loss.
     */
    public static final double OPUS_BPL = 20;
    /**
     * Delay of the receiver's jitter buffer and packetisation that the network RTT does not show: one 20 ms Opus
     * frame, plus twice the jitter for the buffer (see {@link #oneWayDelayMs}).
     */
    public static final double FRAME_MS = 20;

    /**
     * Cumulative counters of one {@code getStats} report (audio only).
     *
     * @param atNanos         when the report was delivered ({@link System#nanoTime()}): the interval's length
     * @param packetsReceived {@code inbound-rtp} packetsReceived, summed over the audio receive streams; null if none
     * @param packetsLost     {@code inbound-rtp} packetsLost (may go down: duplicates and late packets); null if none
     * @param bytesReceived   {@code inbound-rtp} bytesReceived; null if none
     * @param jitterSeconds   {@code inbound-rtp} jitter (the largest of the streams); null if none
     * @param bytesSent       {@code outbound-rtp} bytesSent; null if none
     * @param packetsSent     {@code outbound-rtp} packetsSent; null if none
     * @param rttSeconds      {@code remote-inbound-rtp} roundTripTime, else the selected pair's currentRoundTripTime
     */
    public record Counters(long atNanos, Long packetsReceived, Long packetsLost, Long bytesReceived,
                           Double jitterSeconds, Long bytesSent, Long packetsSent, Double rttSeconds) {

        /** The counters of a report's stats objects; missing ones stay null. */
        public static Counters of(long atNanos, Collection<RTCStats> stats) {
            Long received = null;
            Long lost = null;
            Long bytesIn = null;
            Double jitter = null;
            Long bytesOut = null;
            Long sent = null;
            Double remoteRtt = null;
            Double pairRtt = null;
            String selectedPair = null;
            for (RTCStats s : stats) {
                if (s.getType() == RTCStatsType.TRANSPORT) {
                    Object id = s.getAttributes().get("selectedCandidatePairId");
                    if (id instanceof String pair) {
                        selectedPair = pair;
                    }
                }
            }
            for (RTCStats s : stats) {
                Map<String, Object> a = s.getAttributes();
                if (s.getType() == null || a == null) {
                    continue;
                }
                switch (s.getType()) {
                    case INBOUND_RTP -> {
                        if (audio(a)) {
                            received = sum(received, number(a.get("packetsReceived")));
                            lost = sum(lost, number(a.get("packetsLost")));
                            bytesIn = sum(bytesIn, number(a.get("bytesReceived")));
                            jitter = max(jitter, decimal(a.get("jitter")));
                        }
                    }
                    case OUTBOUND_RTP -> {
                        if (audio(a)) {
                            bytesOut = sum(bytesOut, number(a.get("bytesSent")));
                            sent = sum(sent, number(a.get("packetsSent")));
                        }
                    }
                    case REMOTE_INBOUND_RTP -> {
                        if (audio(a)) {
                            remoteRtt = max(remoteRtt, decimal(a.get("roundTripTime")));
                        }
                    }
                    case CANDIDATE_PAIR -> {
                        boolean selected = selectedPair != null ? selectedPair.equals(s.getId())
                                : Boolean.TRUE.equals(a.get("nominated")) && "succeeded".equals(String.valueOf(a.get("state")));
                        if (selected) {
                            pairRtt = decimal(a.get("currentRoundTripTime"));
                        }
                    }
                    default -> {
                    }
                }
            }
            return new Counters(atNanos, received, lost, bytesIn, jitter, bytesOut, sent,
                    remoteRtt != null ? remoteRtt : pairRtt);
        }

        private static boolean audio(Map<String, Object> a) {
            Object kind = a.containsKey("kind") ? a.get("kind") : a.get("mediaType");
            return kind == null || "audio".equals(String.valueOf(kind));
        }
    }

    /**
     * The quality over the interval from {@code previous} (null: the call's first sample) to {@code current}.
     * Counters that went backwards (a new receive stream, a restarted sender) make that interval count as a first
     * sample: loss since the new stream began, no bitrate.
     */
    public static CallQuality between(Counters previous, Counters current, Instant sampledAt) {
        double seconds = previous == null ? 0 : (current.atNanos() - previous.atNanos()) / 1e9;
        Counters from = previous;
        if (from != null && (backwards(from.packetsReceived(), current.packetsReceived())
                || backwards(from.bytesReceived(), current.bytesReceived()))) {
            from = null; // the receive stream restarted: count from its beginning
        }
        Long received = delta(from == null ? null : from.packetsReceived(), current.packetsReceived());
        Long lost = delta(from == null ? null : from.packetsLost(), current.packetsLost());
        Double loss = null;
        if (received != null) {
            long lostInInterval = lost == null ? 0 : Math.max(0, lost); // packetsLost may go down: duplicates
            long expected = received + lostInInterval;
            loss = expected > 0 ? (double) lostInInterval / expected : null; // nothing arrived: nothing to say
        }
        Double inKbps = previous == null || from == null ? null
                : kbps(from.bytesReceived(), current.bytesReceived(), seconds);
        Double outKbps = previous == null ? null : kbps(previous.bytesSent(), current.bytesSent(), seconds);
        Double jitterMs = current.jitterSeconds() == null ? null : current.jitterSeconds() * 1000;
        Double rttMs = current.rttSeconds() == null ? null : current.rttSeconds() * 1000;
        Double mos = loss == null ? null : mos(rttMs, jitterMs == null ? 0 : jitterMs, loss);
        return new CallQuality(mos, loss, jitterMs, rttMs, inKbps, outKbps, orZero(current.packetsReceived()),
                Math.max(0, orZero(current.packetsLost())), orZero(current.packetsSent()), sampledAt);
    }

    /**
     * The estimated MOS (listening-conversational quality, 1..4.5) of a call with this round-trip time (null:
     * unknown), jitter and packet loss, by the E-model of ITU-T G.107 in the simplified form of Cole and Rosenbluth
     * (2001), with Opus's values (Ie = {@value #OPUS_IE}, Bpl = {@value #OPUS_BPL}):
     * <pre>
     *   d      = rtt/2 + 2·jitter + 20 ms                          (one-way delay, {@link #oneWayDelayMs})
     *   Id     = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3)           (H: 0 below, 1 above)
     *   Ie_eff = Ie + (95 − Ie)·Ppl / (Ppl + Bpl)                  (Ppl: loss in %, random loss: BurstR = 1)
     *   R      = 93.2 − Id − Ie_eff
     *   MOS    = 1 + 0.035·R + 7·10⁻⁶·R·(R − 60)·(100 − R)        (R in 0..100; 1 below, 4.5 above; never under 1)
     * </pre>
     * Limits: an estimate for monitoring and comparing calls, not a measurement of what anybody heard. R0 = 93.2 is
     * the narrowband reference, so a perfect wideband Opus call still scores ≈ 4.4, not the 4.5 of the wideband
     * E-model (G.107.1); loss is taken as random (bursty loss hurts more than this says); echo, noise, level and
     * the far end's own jitter buffer and network are not seen; with an unknown RTT only the jitter buffer counts as
     * delay, so the MOS is then optimistic for a long path.
     */
    public static double mos(Double rttMs, double jitterMs, double loss) {
        return mosOf(rFactor(rttMs, jitterMs, loss));
    }

    /** The E-model's transmission rating R (see {@link #mos}). */
    public static double rFactor(Double rttMs, double jitterMs, double loss) {
        double d = oneWayDelayMs(rttMs, jitterMs);
        double id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
        double ppl = 100 * Math.min(1, Math.max(0, loss));
        double ieEff = OPUS_IE + (95 - OPUS_IE) * ppl / (ppl + OPUS_BPL);
        return R_DEFAULT - id - ieEff;
    }

    /** Mouth-to-ear delay as the E-model takes it: half the RTT, the jitter buffer (twice the jitter) and a frame. */
    public static double oneWayDelayMs(Double rttMs, double jitterMs) {
        double network = rttMs == null ? 0 : Math.max(0, rttMs) / 2;
        return network + 2 * Math.max(0, jitterMs) + FRAME_MS;
    }

    /** G.107's mapping of R to MOS (Annex B). */
    public static double mosOf(double r) {
        if (r <= 0) {
            return 1;
        }
        if (r >= 100) {
            return 4.5;
        }
        // the cubic dips just under 1 for R below ~6.5: held at 1 there, so MOS never rises as R falls
        return Math.max(1, 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r));
    }

    // --- internals ------------------------------------------------------------------------------------------

    private static boolean backwards(Long before, Long now) {
        return before != null && now != null && now < before;
    }

    private static Long delta(Long before, Long now) {
        if (now == null) {
            return null;
        }
        return before == null ? now : now - before;
    }

    private static Double kbps(Long before, Long now, double seconds) {
        if (before == null || now == null || now < before || seconds <= 0) {
            return null;
        }
        return (now - before) * 8 / seconds / 1000;
    }

    private static long orZero(Long n) {
        return n == null ? 0 : n;
    }

    private static Long sum(Long a, Long b) {
        if (b == null) {
            return a;
        }
        return a == null ? b : a + b;
    }

    private static Double max(Double a, Double b) {
        if (b == null) {
            return a;
        }
        return a == null ? b : Math.max(a, b);
    }

    private static Long number(Object value) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        if (value instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static Double decimal(Object value) {
        if (value instanceof Number n) {
            double d = n.doubleValue();
            return Double.isFinite(d) ? d : null;
        }
        return null;
    }
}
