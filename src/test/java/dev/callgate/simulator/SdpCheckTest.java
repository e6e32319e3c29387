package dev.callgate.simulator;

import dev.callgate.cloudapi.CallingError;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** What the simulator refuses in the business's offers and answers (spec §6, §8.5). */
class SdpCheckTest {

    private static final String VALID = UserPhone.cannedSdp("actpass", "0");

    private static GraphError refused(String sdp) {
        GraphError error = catchThrowableOfType(GraphError.class,
                () -> SdpCheck.validate(sdp, "offer", true, false));
        assertThat(error).as("SDP refused").isNotNull();
        assertThat(error.error).isEqualTo(CallingError.INVALID_PARAMETER);
        assertThat(error.error.code()).isEqualTo(100);
        return error;
    }

    @Test
    void aMetaShapedSdpPasses() {
        assertThatCode(() -> SdpCheck.validate(VALID, "offer", true, true)).doesNotThrowAnyException();
    }

    @Test
    void refusesASecondMLine() {
        String twoAudio = VALID + "m=audio 3482 UDP/TLS/RTP/SAVPF 111\r\na=mid:1\r\na=rtcp-mux\r\n"
                + "a=rtpmap:111 opus/48000/2\r\n";
        assertThat(refused(twoAudio).details).contains("exactly one m-line").contains("found 2");
    }

    @Test
    void refusesAnSdpWithoutRtcpMux() {
        String withoutMux = VALID.replace("a=rtcp-mux\r\n", "");
        assertThat(withoutMux).doesNotContain("rtcp-mux");
        assertThat(refused(withoutMux).details).contains("a=rtcp-mux is required");
    }

    @Test
    void refusesAFingerprintOtherThanSha256() {
        String sha1 = VALID.replaceFirst("a=fingerprint:sha-256 [0-9A-F:]+",
                "a=fingerprint:sha-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB");
        assertThat(sha1).contains("a=fingerprint:sha-1 ");
        assertThat(refused(sha1).details).contains("sha-1").contains("use sha-256");
    }

    @Test
    void refusesASha1FingerprintNextToASha256One() {
        String both = VALID.replace("a=setup:", "a=fingerprint:sha-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:"
                + "19:E5:7C:AB\r\na=setup:");
        assertThat(refused(both).details).contains("sha-1");
    }
}
