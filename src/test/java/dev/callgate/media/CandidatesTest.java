package dev.callgate.media;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Announcing a public address in our SDP (a 1:1 NAT). */
class CandidatesTest {

    private static final String SDP = String.join("\r\n",
            "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "m=audio 40012 UDP/TLS/RTP/SAVPF 111",
            "c=IN IP4 10.1.2.3",
            "a=candidate:1 1 udp 2122260223 10.1.2.3 40012 typ host generation 0",
            "a=candidate:2 1 udp 1686052607 203.0.113.9 40012 typ srflx raddr 10.1.2.3 rport 40012",
            "a=rtpmap:111 opus/48000/2", "");

    @Test
    void hostCandidatesAndTheConnectionLineAnnounceThePublicAddress() {
        String announced = Candidates.announce(SDP, "198.51.100.7");
        assertThat(announced).contains("a=candidate:1 1 udp 2122260223 198.51.100.7 40012 typ host generation 0\r\n")
                .contains("c=IN IP4 198.51.100.7\r\n")
                // a server-reflexive candidate already names the outside address
                .contains("a=candidate:2 1 udp 1686052607 203.0.113.9 40012 typ srflx raddr 10.1.2.3 rport 40012")
                .doesNotContain(" 10.1.2.3 40012 typ host").endsWith("\r\n");
        assertThat(announced.lines().count()).isEqualTo(SDP.lines().count());
    }

    @Test
    void anIpv6AddressIsAnnouncedAsIp6() {
        assertThat(Candidates.announce(SDP, "2001:db8::7")).contains("c=IN IP6 2001:db8::7");
    }
}
