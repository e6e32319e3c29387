package dev.callgate.stream;

import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/** The upgrade's signature, checked the way docs/streams.md tells an application to check it. */
class StreamSignatureTest {

    private static final String URL = "wss://agent.example.com/ws?agent=sales";

    @Test
    void theSignatureIsHmacSha256OverTimestampDotUrlInHex() throws Exception {
        String header = new StreamSignature("s3cret").sign(URL, 1_767_225_600L);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("s3cret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = HexFormat.of().formatHex(mac.doFinal(("1767225600." + URL).getBytes(StandardCharsets.UTF_8)));
        assertThat(header).isEqualTo("t=1767225600,v1=" + expected);
    }

    @Test
    void anotherSecretAnotherUrlOrAnOldTimestampDoNotVerify() {
        StreamSignature signature = new StreamSignature("s3cret");
        String header = signature.sign(URL, 1_000_000L);
        assertThat(signature.verify(header, URL, 1_000_100L, 300)).isTrue();
        assertThat(new StreamSignature("other").verify(header, URL, 1_000_100L, 300)).isFalse();
        assertThat(signature.verify(header, URL + "&x=1", 1_000_100L, 300)).isFalse();
        assertThat(signature.verify(header, URL, 1_000_400L, 300)).as("replayed after 400 s").isFalse();
        assertThat(signature.verify("t=1000000,v1=zz", URL, 1_000_000L, 300)).isFalse();
        assertThat(signature.verify(null, URL, 1_000_000L, 300)).isFalse();
    }
}
