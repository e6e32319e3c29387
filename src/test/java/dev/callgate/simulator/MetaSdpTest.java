package dev.callgate.simulator;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The Meta shape (spec §6) given to libwebrtc's SDP and to the canned one. */
class MetaSdpTest {

    /** An offer as libwebrtc 0.14.0 writes it (trimmed): several codecs, tcp candidates, BUNDLE on mid 0. */
    static final String LIBWEBRTC_OFFER = String.join("\r\n",
            "v=0",
            "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
            "s=-",
            "t=0 0",
            "a=group:BUNDLE 0",
            "a=extmap-allow-mixed",
            "a=msid-semantic: WMS phone-stream",
            "m=audio 47490 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126",
            "c=IN IP4 192.0.2.2",
            "a=rtcp:9 IN IP4 0.0.0.0",
            "a=candidate:3592353495 1 udp 2122194687 192.0.2.2 47490 typ host generation 0 network-id 1",
            "a=candidate:494417719 1 udp 2122265343 fd00::2 49960 typ host generation 0 network-id 2",
            "a=candidate:682893891 1 tcp 1518214911 192.0.2.2 43353 typ host tcptype passive generation 0",
            "a=ice-ufrag:sxiy",
            "a=ice-pwd:DeAiXXh8Q7ADPsk5Em7M3wYl",
            "a=ice-options:trickle",
            "a=fingerprint:sha-256 2E:A5:14:1F:31:EA:73:FC:00:5A:CE:86:79:09:F3:7F:D5:C1:C5:42:5A:0B:71:AD:9D:27:BE:"
                    + "6A:E7:E7:4B:A6",
            "a=setup:actpass",
            "a=mid:0",
            "a=sendrecv",
            "a=msid:phone-stream phone-audio",
            "a=rtcp-mux",
            "a=rtcp-rsize",
            "a=rtpmap:111 opus/48000/2",
            "a=rtcp-fb:111 transport-cc",
            "a=fmtp:111 minptime=10;useinbandfec=1;stereo=1;usedtx=1",
            "a=rtpmap:63 red/48000/2",
            "a=fmtp:63 111/111",
            "a=rtpmap:9 G722/8000",
            "a=rtpmap:0 PCMU/8000",
            "a=rtpmap:8 PCMA/8000",
            "a=rtpmap:13 CN/8000",
            "a=rtpmap:110 telephone-event/48000",
            "a=rtpmap:126 telephone-event/8000",
            "a=ssrc-group:FID 1111 2222",
            "a=ssrc:1111 cname:JM4bTtnFrjl2j+Rp",
            "a=ssrc:1111 msid:phone-stream phone-audio",
            "a=ssrc:2222 cname:JM4bTtnFrjl2j+Rp",
            "");

    /** Asserts every point of the Meta shape; returns the SDP for more checks. */
    static String assertMetaShaped(String sdp, String mid) {
        List<String> lines = sdp.lines().toList();
        int media = lines.indexOf(lines.stream().filter(l -> l.startsWith("m=")).findFirst().orElseThrow());
        assertThat(lines.subList(0, media)).as("session level").contains("a=ice-lite", "a=group:BUNDLE " + mid);
        assertThat(lines).filteredOn(l -> l.startsWith("m=")).hasSize(1).first().asString()
                .startsWith("m=audio ");
        assertThat(lines).contains("a=mid:" + mid, "a=rtcp-mux", "a=ptime:20");
        assertThat(lines).filteredOn(l -> l.startsWith("a=mid:")).hasSize(1);
        assertThat(lines).filteredOn(l -> l.startsWith("a=fmtp:") && l.contains(MetaSdp.OPUS_FMTP)).hasSize(1);
        assertThat(lines).filteredOn(l -> l.startsWith("a=fingerprint:")).allMatch(l -> l.startsWith(
                "a=fingerprint:sha-256 ")).isNotEmpty();
        assertThat(lines).filteredOn(l -> l.startsWith("a=ssrc:")).isNotEmpty()
                .extracting(l -> l.split("[: ]")[1]).containsOnly(lines.stream().filter(l -> l.startsWith("a=ssrc:"))
                        .findFirst().orElseThrow().split("[: ]")[1]);
        assertThat(lines).noneMatch(l -> l.startsWith("a=ssrc-group:"));
        assertThat(Pattern.compile("(?m)^a=msid-semantic:.*$").matcher(sdp).results().count()).isLessThanOrEqualTo(1);
        assertThat(sdp).contains("\r\n");
        return sdp;
    }

    @Test
    void anOfferGetsIceLiteMidAudioOpusAt20MsOneSsrcAndOnlyUdpCandidates() {
        String shaped = assertMetaShaped(MetaSdp.shape(LIBWEBRTC_OFFER, MetaSdp.MID), "audio");
        assertThat(shaped).contains("m=audio 47490 UDP/TLS/RTP/SAVPF 111 126\r\n")
                .contains("a=rtpmap:126 telephone-event/8000")
                .doesNotContain("red/48000", "G722", "PCMU", "PCMA", "CN/8000", "telephone-event/48000", "a=fmtp:63",
                        "stereo=1", "usedtx=1", " tcp ", "a=ssrc:2222")
                .contains("a=rtcp-fb:111 transport-cc", "a=ssrc:1111 cname:", "a=ssrc:1111 msid:",
                        "a=candidate:3592353495 1 udp", "a=candidate:494417719 1 udp");
    }

    @Test
    void anAnswerKeepsTheOffersMid() {
        assertMetaShaped(MetaSdp.shape(LIBWEBRTC_OFFER, null), "0");
    }

    @Test
    void shapingTwiceChangesNothing() {
        String once = MetaSdp.shape(LIBWEBRTC_OFFER, MetaSdp.MID);
        assertThat(MetaSdp.shape(once, MetaSdp.MID)).isEqualTo(once);
    }

    @Test
    void rtcpMuxIsAddedWhenMissing() {
        String shaped = MetaSdp.shape(LIBWEBRTC_OFFER.replace("a=rtcp-mux\r\n", ""), MetaSdp.MID);
        assertMetaShaped(shaped, "audio");
    }

    @Test
    void theCannedSdpOfTheMedialessPhoneIsMetaShaped() {
        assertMetaShaped(UserPhone.cannedSdp("actpass", MetaSdp.MID), "audio");
        assertMetaShaped(UserPhone.cannedSdp("active", "0"), "0");
        String canned = UserPhone.cannedSdp("actpass", MetaSdp.MID);
        assertThat(MetaSdp.shape(canned, MetaSdp.MID)).as("already in shape").isEqualTo(canned);
    }
}
