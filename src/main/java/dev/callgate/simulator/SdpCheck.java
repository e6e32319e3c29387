package dev.callgate.simulator;

import java.util.regex.Pattern;

/**
 * The SDP checks Meta applies to an offer or answer (spec §6, §8.5): one audio m-line with rtcp-mux, Opus, ICE
 * credentials, a sha-256 fingerprint (DTLS), a setup attribute. Failures are code 100 with the reason.
 */
final class SdpCheck {

    private static final Pattern AUDIO = Pattern.compile("(?m)^m=audio \\d+ UDP/TLS/RTP/SAVPF( \\d+)+\\s*$");
    private static final Pattern OPUS = Pattern.compile("(?mi)^a=rtpmap:\\d+ opus/48000/2\\s*$");
    private static final Pattern UFRAG = Pattern.compile("(?m)^a=ice-ufrag:\\S+");
    private static final Pattern PWD = Pattern.compile("(?m)^a=ice-pwd:\\S+");
    private static final Pattern FINGERPRINT = Pattern.compile("(?m)^a=fingerprint:\\S+ [0-9A-Fa-f:]+");
    private static final Pattern SETUP = Pattern.compile("(?m)^a=setup:(actpass|active|passive)\\s*$");
    private static final Pattern CANDIDATE = Pattern.compile("(?m)^a=candidate:");
    private static final Pattern VIDEO = Pattern.compile("(?m)^m=video ");
    private static final Pattern M_LINE = Pattern.compile("(?m)^m=");
    private static final Pattern RTCP_MUX = Pattern.compile("(?m)^a=rtcp-mux\\s*$");
    private static final Pattern FINGERPRINT_HASH = Pattern.compile("(?m)^a=fingerprint:(\\S+)");

    private SdpCheck() {
    }

    /** @throws GraphError code 100 naming the first failed check */
    static void validate(String sdp, String role, boolean dtls, boolean strictCandidates) {
        if (sdp == null || sdp.isBlank()) {
            throw GraphError.invalidParameter("session.sdp is required");
        }
        if (!sdp.startsWith("v=0")) {
            throw GraphError.invalidParameter("Invalid SDP: " + role + " must start with v=0");
        }
        if (!AUDIO.matcher(sdp).find()) {
            throw GraphError.invalidParameter("Invalid SDP: no audio m-line with UDP/TLS/RTP/SAVPF");
        }
        if (VIDEO.matcher(sdp).find()) {
            throw GraphError.invalidParameter("Invalid SDP: video is not supported");
        }
        long mLines = M_LINE.matcher(sdp).results().count();
        if (mLines > 1) {
            throw GraphError.invalidParameter("Invalid SDP: exactly one m-line is allowed, found " + mLines);
        }
        if (!RTCP_MUX.matcher(sdp).find()) {
            throw GraphError.invalidParameter("Invalid SDP: a=rtcp-mux is required");
        }
        if (!OPUS.matcher(sdp).find()) {
            throw GraphError.invalidParameter("Invalid SDP: opus/48000/2 is required");
        }
        if (!UFRAG.matcher(sdp).find() || !PWD.matcher(sdp).find()) {
            throw GraphError.invalidParameter("Invalid SDP: ice-ufrag and ice-pwd are required");
        }
        if (dtls && !FINGERPRINT.matcher(sdp).find()) {
            throw GraphError.invalidParameter("No fingerprint found in SDP");
        }
        FINGERPRINT_HASH.matcher(sdp).results().map(m -> m.group(1))
                .filter(hash -> !hash.equalsIgnoreCase("sha-256")).findFirst().ifPresent(hash -> {
                    throw GraphError.invalidParameter("Invalid SDP: fingerprint hash " + hash
                            + " is not supported, use sha-256");
                });
        if (!SETUP.matcher(sdp).find()) {
            throw GraphError.invalidParameter("Invalid SDP: a=setup attribute is required");
        }
        if (strictCandidates && !CANDIDATE.matcher(sdp).find()) {
            throw GraphError.invalidParameter("Invalid SDP: no ICE candidates (gather before sending)");
        }
    }

    /** The same SDP regardless of line endings and trailing whitespace (pre_accept vs accept). */
    static String normalise(String sdp) {
        return sdp == null ? "" : sdp.replace("\r\n", "\n").replace('\r', '\n').strip();
    }
}
