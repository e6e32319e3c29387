package dev.callgate.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A stream spec read from JSON, written back, and shown in logs without what may be a credential. */
class StreamSpecTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theCanonicalJsonReadsBackToTheSameSpec() throws Exception {
        StreamSpec spec = new StreamSpec(URI.create("wss://agent.example.com/ws?token=abc"), StreamSpec.Protocol.NATIVE,
                24000, Map.of("agent", "sales"), Map.of("Authorization", "Bearer secret-token"),
                StreamSpec.OnClose.CONTINUE);
        assertThat(StreamSpec.read(JSON.readTree(spec.toJson().toString()), "stream")).isEqualTo(spec);
    }

    @Test
    void logsNeverShowTheQueryOrTheHeadersValues() {
        StreamSpec spec = new StreamSpec(URI.create("wss://agent.example.com:8443/ws?token=abc"),
                StreamSpec.Protocol.TWILIO, 8000, Map.of(), Map.of("Authorization", "Bearer secret-token"), null);
        assertThat(spec.toString()).contains("wss://agent.example.com:8443/ws", "Authorization")
                .doesNotContain("token=abc", "secret-token");
        assertThat(spec.safeUrl()).isEqualTo("wss://agent.example.com:8443/ws");
    }

    @Test
    void everyProblemIsNamed() throws Exception {
        assertThatThrownBy(() -> StreamSpec.read(JSON.readTree("""
                {"url":"http://a","protocol":"native","format":"mulaw_8000","onClose":"never"}"""), "media.stream"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("media.stream.onClose")
                .hasMessageNotContaining("media.stream.url is required");
        assertThatThrownBy(() -> StreamSpec.read(JSON.readTree("""
                {"url":"ws://a","protocol":"native","format":"mulaw_8000"}"""), "media.stream"))
                .hasMessageContaining("16000 or 24000");
    }
}
