package dev.callgate.media;

import java.util.stream.Collectors;

/** Rewrites the host candidates of an SDP to announce another address (a 1:1 NAT's public IP). */
final class Candidates {

    private Candidates() {
    }

    /**
     * Every {@code a=candidate} of type {@code host} gets {@code publicIp} as its connection address, and each
     * {@code c=} line too; other candidates (srflx, relay) already carry the outside address and are kept.
     */
    static String announce(String sdp, String publicIp) {
        String ipVersion = publicIp.contains(":") ? "IP6" : "IP4";
        String eol = sdp.contains("\r\n") ? "\r\n" : "\n";
        String rewritten = sdp.lines().map(line -> {
            if (line.startsWith("a=candidate:") && line.contains(" typ host")) {
                String[] parts = line.split(" ");
                if (parts.length > 5) {
                    parts[4] = publicIp; // foundation component transport priority ADDRESS port typ host
                    return String.join(" ", parts);
                }
            }
            if (line.startsWith("c=IN ")) {
                return "c=IN " + ipVersion + " " + publicIp;
            }
            return line;
        }).collect(Collectors.joining(eol));
        return sdp.endsWith(eol) ? rewritten + eol : rewritten;
    }
}
