package dev.callgate.call.flow;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The voice agent for incoming calls, configured the way README and the chart say: environment variables for all
 * numbers, and per number with the number's id as a quoted map key.
 */
class IncomingStreamConfigTest {

    private static IncomingCalls configured(Map<String, String> env) {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withSources(new EnvConfigSource(env, 300))
                .withMapping(IncomingCalls.class).build();
        return config.getConfigMapping(IncomingCalls.class);
    }

    @Test
    void aDefaultForAllNumbersAndOneOfItsOwnForANumber() {
        IncomingCalls incoming = configured(Map.of(
                "CALLGATE_INCOMING_STREAM_URL", "wss://agent.example.com/twilio",
                "CALLGATE_INCOMING_STREAMS__106540352242922__URL", "wss://sales.example.com/ws",
                "CALLGATE_INCOMING_STREAMS__106540352242922__PROTOCOL", "native",
                "CALLGATE_INCOMING_STREAMS__106540352242922__FORMAT", "pcm_24000",
                "CALLGATE_INCOMING_STREAMS__106540352242922__ON_CLOSE", "continue"));
        var sales = incoming.streamOf("106540352242922").orElseThrow();
        assertThat(sales.safeUrl()).isEqualTo("wss://sales.example.com/ws");
        assertThat(sales.format()).isEqualTo("pcm_24000");
        assertThat(sales.onClose().name()).isEqualTo("CONTINUE");
        var other = incoming.streamOf("999").orElseThrow();
        assertThat(other.safeUrl()).isEqualTo("wss://agent.example.com/twilio");
        assertThat(other.format()).isEqualTo("mulaw_8000");
    }

    @Test
    void noneConfiguredIsNoStreamAndABadOneIsNamed() {
        assertThat(configured(Map.of()).streamOf("106540352242922")).isEmpty();
        assertThatThrownBy(() -> configured(Map.of("CALLGATE_INCOMING_STREAM_URL", "https://agent.example.com"))
                .streamOf("1")).hasMessageContaining("callgate.incoming.stream");
        // the start-up check reads every configured stream
        assertThatThrownBy(() -> configured(Map.of("CALLGATE_INCOMING_STREAMS__42__URL", "wss://ok.example.com",
                "CALLGATE_INCOMING_STREAMS__43__URL", "ftp://agent.example.com")).checkStreams())
                .hasMessageContaining("callgate.incoming.streams.\"43\"");
    }
}
