package dev.callgate.simulator;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites an SDP from libwebrtc into the shape of Meta's media endpoint (spec §6): session-level {@code a=ice-lite},
 * a BUNDLE group naming the one mid, one audio m-line offering only Opus and {@code telephone-event/8000}, Opus with
 * {@value #OPUS_FMTP} and {@code a=ptime:20}, the lines of a single SSRC, {@code a=rtcp-mux}, UDP host candidates
 * only. Idempotent.
 */
final class MetaSdp {

    /** The mid of Meta's offers. */
    static final String MID = "audio";
    static final String OPUS_FMTP = "minptime=10;useinbandfec=1"; // spec §6: as in Meta's SDPs

    private static final Pattern RTPMAP = Pattern.compile("^a=rtpmap:(\\d+) ([^/\\s]+)/(\\d+)");
    private static final Pattern PT_ATTRIBUTE = Pattern.compile("^a=(?:rtpmap|fmtp|rtcp-fb):(\\d+)[ \\s]");
    private static final Pattern TCP_CANDIDATE = Pattern.compile("^a=candidate:\\S+ \\d+ tcp ", Pattern.CASE_INSENSITIVE);
    private static final Pattern SSRC = Pattern.compile("^a=ssrc:(\\d+) ");

    private MetaSdp() {
    }

    /**
     * @param mid the mid to give the audio section (an offer's), or null to keep its own (an answer must echo the
     *            offer's mid)
     */
    static String shape(String sdp, String mid) {
        List<String> lines = sdp.lines().toList();
        int firstMedia = indexOfMedia(lines);
        if (firstMedia < 0) {
            throw new IllegalArgumentException("SDP has no m-line");
        }
        List<String> media = lines.subList(firstMedia, lines.size());
        String audioMid = mid != null ? mid : media.stream().filter(l -> l.startsWith("a=mid:"))
                .map(l -> l.substring("a=mid:".length()).strip()).findFirst().orElse(MID);
        Set<String> keep = keptPayloadTypes(media);
        String opus = opusPayloadType(media);

        List<String> out = new ArrayList<>();
        for (String line : lines.subList(0, firstMedia)) {
            if (line.startsWith("a=group:BUNDLE") || line.equals("a=ice-lite")) {
                continue;
            }
            out.add(line);
            if (line.startsWith("t=")) {
                out.add("a=group:BUNDLE " + audioMid);
                out.add("a=ice-lite");
            }
        }
        String ssrc = null;
        boolean rtcpMux = false;
        for (int i = 0; i < media.size(); i++) {
            String line = media.get(i);
            if (line.startsWith("m=")) {
                if (i > 0 || !line.startsWith("m=audio ")) {
                    break; // one audio m-line only: whatever follows the first section is dropped
                }
                out.add(mLine(line, keep));
                continue;
            }
            Matcher pt = PT_ATTRIBUTE.matcher(line);
            if (pt.find() && !keep.contains(pt.group(1))) {
                continue;
            }
            if (line.startsWith("a=mid:")) {
                out.add("a=mid:" + audioMid);
            } else if (opus != null && line.startsWith("a=fmtp:" + opus + " ")) {
                out.add("a=fmtp:" + opus + " " + OPUS_FMTP);
                out.add("a=ptime:20");
            } else if (line.startsWith("a=ptime:") || line.startsWith("a=maxptime:")
                    || line.startsWith("a=ssrc-group:") || TCP_CANDIDATE.matcher(line).find()) {
                continue;
            } else if (line.startsWith("a=ssrc:")) {
                Matcher m = SSRC.matcher(line);
                String id = m.find() ? m.group(1) : null;
                if (ssrc == null) {
                    ssrc = id;
                }
                if (ssrc != null && ssrc.equals(id)) {
                    out.add(line);
                }
            } else {
                rtcpMux |= line.equals("a=rtcp-mux");
                out.add(line);
            }
        }
        if (opus != null && out.stream().noneMatch(l -> l.startsWith("a=fmtp:" + opus + " "))) {
            int rtpmap = indexOf(out, "a=rtpmap:" + opus + " ");
            out.add(rtpmap + 1, "a=fmtp:" + opus + " " + OPUS_FMTP);
            out.add(rtpmap + 2, "a=ptime:20");
        }
        if (!rtcpMux) {
            out.add(indexOf(out, "a=mid:") + 1, "a=rtcp-mux");
        }
        return String.join("\r\n", out) + "\r\n";
    }

    private static int indexOfMedia(List<String> lines) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("m=")) {
                return i;
            }
        }
        return -1;
    }

    private static int indexOf(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        throw new IllegalArgumentException("SDP has no line starting with " + prefix);
    }

    /** Opus and telephone-event/8000, in the order of the m-line. */
    private static Set<String> keptPayloadTypes(List<String> media) {
        Set<String> keep = new LinkedHashSet<>();
        for (String line : media) {
            Matcher m = RTPMAP.matcher(line);
            if (m.find() && (m.group(2).equalsIgnoreCase("opus")
                    || m.group(2).equalsIgnoreCase("telephone-event") && m.group(3).equals("8000"))) {
                keep.add(m.group(1));
            }
        }
        return keep;
    }

    private static String opusPayloadType(List<String> media) {
        for (String line : media) {
            Matcher m = RTPMAP.matcher(line);
            if (m.find() && m.group(2).equalsIgnoreCase("opus")) {
                return m.group(1);
            }
        }
        return null;
    }

    private static String mLine(String line, Set<String> keep) {
        String[] parts = line.split(" ");
        StringBuilder out = new StringBuilder(parts[0]).append(' ').append(parts[1]).append(' ').append(parts[2]);
        for (int i = 3; i < parts.length; i++) {
            if (keep.contains(parts[i])) {
                out.append(' ').append(parts[i]);
            }
        }
        return out.toString();
    }
}
