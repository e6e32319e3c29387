package dev.callgate.simulator;

import dev.callgate.media.AudioPeer;
import dev.callgate.media.AudioStats;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The WhatsApp user's phone in a simulated call: a real WebRTC peer (webrtc-java, through {@link AudioPeer}) that
 * sends a tone and measures what it hears, or, in media-less mode, a canned Meta-style SDP and nothing on the wire.
 *
 * <p>Like Meta's media endpoint it presents itself as ICE-lite ({@link MetaSdp}) and stays ICE-controlled, so the
 * business side has to be the controlling full agent. libwebrtc has no ICE-lite mode: underneath, the phone is still
 * a full agent that sends checks too, but never in the controlling role.
 */
final class UserPhone implements AutoCloseable {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern MID = Pattern.compile("(?m)^a=mid:(\\S+)");

    private final AudioPeer peer;
    private final double toneHz;
    private volatile AudioStats finalStats;
    private volatile long finalFramesSent;
    /** RTP packets received before the business's accept was handled (user-initiated calls); null until then. */
    private volatile CompletableFuture<Long> packetsBeforeAccept;

    private UserPhone(AudioPeer peer, double toneHz) {
        this.peer = peer;
        this.toneHz = toneHz;
    }

    /** The caller's phone (user-initiated): the user talks (sends the tone) from the start. */
    static UserPhone create(String callId, boolean media, double toneHz) {
        return new UserPhone(media ? AudioPeer.create("sim-" + callId, toneHz) : null, toneHz);
    }

    /**
     * The called user's phone (business-initiated): silent while it rings — media connects, but nobody speaks into
     * it — until {@link #pickUp()}.
     */
    static UserPhone ringing(String callId, boolean media, double toneHz) {
        return new UserPhone(media ? AudioPeer.create("sim-" + callId, 0) : null, toneHz);
    }

    /** The user picked up and speaks: the phone sends its tone from now on. */
    void pickUp() {
        if (peer != null && finalStats == null) {
            peer.setToneHz(toneHz);
        }
    }

    /** Business-initiated: answer the business's offer. */
    CompletableFuture<String> answer(String offerSdp) {
        // an answer keeps the offer's mid
        return peer != null ? peer.acceptOffer(offerSdp, sdp -> MetaSdp.shape(sdp, null))
                : CompletableFuture.completedFuture(cannedSdp("active", mid(offerSdp)));
    }

    /** User-initiated: the phone's offer. */
    CompletableFuture<String> offer() {
        return peer != null ? peer.createOfferAsControlled(MetaSdp.MID, sdp -> MetaSdp.shape(sdp, MetaSdp.MID))
                : CompletableFuture.completedFuture(cannedSdp("actpass", MetaSdp.MID));
    }

    /** User-initiated: apply the business's answer from pre_accept or accept. */
    CompletableFuture<Void> applyAnswer(String answerSdp) {
        return peer != null ? peer.applyAnswer(answerSdp) : CompletableFuture.completedFuture(null);
    }

    /**
     * User-initiated: the business's accept is being handled; takes the count of RTP packets the phone has received so
     * far (Meta takes the business's first media packet as the answer, so it should be 0). The stats request is made
     * now, before the accept is answered; libwebrtc delivers the count a moment later. Media-less phones count
     * nothing (null).
     */
    void countPacketsBeforeAccept() {
        if (peer != null && finalStats == null) {
            packetsBeforeAccept = peer.packetsReceived();
        }
    }

    boolean media() {
        return peer != null;
    }

    /** Frames of audio received so far (0 in media-less mode). */
    long receivedFrames() {
        AudioStats stats = finalStats != null ? finalStats : peer == null ? null : peer.received();
        return stats == null ? 0 : stats.frames();
    }

    /** What the phone heard and sent, for reports. */
    Map<String, Object> report() {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("media", peer != null);
        report.put("toneHz", toneHz);
        if (peer != null) {
            AudioStats stats = finalStats != null ? finalStats : peer.received();
            report.put("peerState", finalStats != null ? "CLOSED" : peer.state());
            report.put("framesSent", finalStats != null ? finalFramesSent : peer.framesSent());
            Map<String, Object> received = new LinkedHashMap<>();
            received.put("frames", stats.frames());
            received.put("levelDbfs", round(stats.levelDbfs()));
            received.put("dominantHz", round(stats.dominantHz()));
            received.put("firstFrameAt", stats.firstFrameAt() == null ? null : stats.firstFrameAt().toString());
            received.put("packets", finalStats != null ? null : livePacketsReceived());
            report.put("received", received);
        }
        CompletableFuture<Long> packets = packetsBeforeAccept;
        report.put("packetsBeforeAccept", packets == null || !packets.isDone() || packets.isCompletedExceptionally()
                ? null : packets.join());
        return report;
    }

    /** RTP packets received so far (getStats, waited for up to a second), or null when they cannot be read. */
    private Long livePacketsReceived() {
        try {
            return peer.packetsReceived().get(1, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            return null;
        }
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }

    @Override
    public void close() {
        if (peer != null && finalStats == null) {
            finalFramesSent = peer.framesSent();
            finalStats = peer.received();
            peer.close();
        }
    }

    private static String mid(String offer) {
        Matcher m = MID.matcher(offer == null ? "" : offer);
        return m.find() ? m.group(1) : "0";
    }

    /**
     * A Meta-style SDP for signalling-only runs: ICE-lite, host candidates on a placeholder address, the {@link MetaSdp}
     * shape (mid {@code audio} when offering, Opus fmtp, ptime 20, one SSRC).
     */
    static String cannedSdp(String setup, String mid) {
        byte[] fingerprint = new byte[32];
        RANDOM.nextBytes(fingerprint);
        String fp = HexFormat.ofDelimiter(":").withUpperCase().formatHex(fingerprint);
        String ufrag = HexFormat.of().formatHex(randomBytes(4));
        String pwd = HexFormat.of().formatHex(randomBytes(12));
        return String.join("\r\n",
                "v=0",
                "o=- " + System.currentTimeMillis() / 1000 + " 2 IN IP4 127.0.0.1",
                "s=-",
                "t=0 0",
                "a=group:BUNDLE " + mid,
                "a=ice-lite",
                "a=msid-semantic: WMS user",
                "m=audio 3480 UDP/TLS/RTP/SAVPF 111 126",
                "c=IN IP4 127.0.0.1",
                "a=rtcp:9 IN IP4 0.0.0.0",
                "a=candidate:1 1 udp 2122260223 127.0.0.1 3480 typ host generation 0",
                "a=candidate:2 1 udp 2122262783 ::1 3480 typ host generation 0",
                "a=ice-ufrag:" + ufrag,
                "a=ice-pwd:" + pwd,
                "a=fingerprint:sha-256 " + fp,
                "a=setup:" + setup,
                "a=mid:" + mid,
                "a=sendrecv",
                "a=rtcp-mux",
                "a=rtpmap:111 opus/48000/2",
                "a=fmtp:111 " + MetaSdp.OPUS_FMTP,
                "a=ptime:20",
                "a=rtpmap:126 telephone-event/8000",
                "a=ssrc:" + Integer.toUnsignedString(RANDOM.nextInt()) + " cname:user",
                "");
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
