package dev.callgate.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Twilio's Media Streams messages as Twilio documents them ("Media Streams - WebSocket Messages"): the shapes an
 * application written for Twilio reads, and the ones it sends. The expectations are Twilio's field names and types,
 * not Callgate's.
 */
class TwilioMessagesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final TwilioMessages messages = new TwilioMessages(JSON, "MZ18ad3ab5a668481ce02b83e7395059f0",
            "bic-42", "106540352242922");

    private static JsonNode tree(String json) throws Exception {
        return JSON.readTree(json);
    }

    @Test
    void connectedComesFirstAndNamesTheProtocol() throws Exception {
        JsonNode connected = tree(messages.connected());
        assertThat(connected.path("event").asText()).isEqualTo("connected");
        assertThat(connected.path("protocol").asText()).isEqualTo("Call");
        assertThat(connected.path("version").asText()).isEqualTo("1.0.0");
        assertThat(connected.has("sequenceNumber")).as("connected carries no sequence number").isFalse();
    }

    @Test
    void startCarriesTheStreamTheCallTheTracksTheParametersAndMulaw8k() throws Exception {
        messages.connected();
        JsonNode start = tree(messages.start(List.of("inbound"), Map.of("agent", "sales")));
        assertThat(start.path("event").asText()).isEqualTo("start");
        assertThat(start.path("sequenceNumber").isTextual()).as("a string, as Twilio sends it").isTrue();
        assertThat(start.path("sequenceNumber").asText()).isEqualTo("1");
        assertThat(start.path("streamSid").asText()).isEqualTo("MZ18ad3ab5a668481ce02b83e7395059f0");
        JsonNode body = start.path("start");
        assertThat(body.path("streamSid").asText()).isEqualTo("MZ18ad3ab5a668481ce02b83e7395059f0");
        assertThat(body.path("callSid").asText()).isEqualTo("bic-42");
        assertThat(body.path("accountSid").asText()).isEqualTo("106540352242922");
        assertThat(body.path("tracks").get(0).asText()).isEqualTo("inbound");
        assertThat(body.path("customParameters").path("agent").asText()).isEqualTo("sales");
        assertThat(body.path("mediaFormat").path("encoding").asText()).isEqualTo("audio/x-mulaw");
        assertThat(body.path("mediaFormat").path("sampleRate").asInt()).isEqualTo(8000);
        assertThat(body.path("mediaFormat").path("channels").asInt()).isEqualTo(1);
    }

    @Test
    void mediaChunksAreNumberedAndTimedAsStringsWithBase64Payload() throws Exception {
        messages.start(List.of("inbound"), Map.of());
        byte[] mulaw = new byte[160]; // 20 ms at 8 kHz
        mulaw[0] = (byte) 0x7E;
        JsonNode first = tree(messages.media("inbound", mulaw, 0, 160, 0));
        JsonNode second = tree(messages.media("inbound", mulaw, 0, 160, 20));
        assertThat(first.path("sequenceNumber").asText()).isEqualTo("2");
        assertThat(second.path("sequenceNumber").asText()).isEqualTo("3");
        assertThat(first.path("media").path("track").asText()).isEqualTo("inbound");
        assertThat(first.path("media").path("chunk").asText()).isEqualTo("1");
        assertThat(second.path("media").path("chunk").asText()).isEqualTo("2");
        assertThat(second.path("media").path("timestamp").isTextual()).isTrue();
        assertThat(second.path("media").path("timestamp").asText()).isEqualTo("20");
        assertThat(Base64.getDecoder().decode(first.path("media").path("payload").asText())).isEqualTo(mulaw);
        assertThat(first.path("streamSid").asText()).isEqualTo(messages.streamSid());
    }

    @Test
    void markAndStopAsTwilioSendsThem() throws Exception {
        JsonNode mark = tree(messages.mark("my label"));
        assertThat(mark.path("event").asText()).isEqualTo("mark");
        assertThat(mark.path("mark").path("name").asText()).isEqualTo("my label");
        assertThat(mark.path("streamSid").asText()).isEqualTo(messages.streamSid());
        JsonNode stop = tree(messages.stop());
        assertThat(stop.path("event").asText()).isEqualTo("stop");
        assertThat(stop.path("sequenceNumber").asText()).isEqualTo("2");
        assertThat(stop.path("stop").path("callSid").asText()).isEqualTo("bic-42");
        assertThat(stop.path("stop").path("accountSid").asText()).isEqualTo("106540352242922");
    }

    @Test
    void theApplicationsMediaMarkAndClearAreRead() {
        byte[] audio = {(byte) 0xFF, (byte) 0x7F, 0x00};
        String media = "{\"event\":\"media\",\"streamSid\":\"MZ18ad3ab5a668481ce02b83e7395059f0\","
                + "\"media\":{\"payload\":\"" + Base64.getEncoder().encodeToString(audio) + "\"}}";
        assertThat(TwilioMessages.read(JSON, media)).isInstanceOfSatisfying(TwilioMessages.Media.class,
                m -> assertThat(m.mulaw()).isEqualTo(audio));
        assertThat(TwilioMessages.read(JSON, "{\"event\":\"mark\",\"streamSid\":\"MZ1\",\"mark\":{\"name\":\"my label\"}}"))
                .isEqualTo(new TwilioMessages.Mark("my label"));
        assertThat(TwilioMessages.read(JSON, "{\"event\":\"clear\",\"streamSid\":\"MZ1\"}"))
                .isEqualTo(new TwilioMessages.Clear());
        assertThat(TwilioMessages.read(JSON, "{\"event\":\"dtmf\",\"streamSid\":\"MZ1\"}"))
                .isEqualTo(new TwilioMessages.Other("dtmf"));
    }

    @Test
    void whatIsNotAMessageIsRefusedWithTheReason() {
        assertThatThrownBy(() -> TwilioMessages.read(JSON, "{not json")).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> TwilioMessages.read(JSON, "[1]")).hasMessageContaining("with an event");
        assertThatThrownBy(() -> TwilioMessages.read(JSON, "{\"event\":\"media\",\"media\":{}}"))
                .hasMessageContaining("payload");
        assertThatThrownBy(() -> TwilioMessages.read(JSON, "{\"event\":\"media\",\"media\":{\"payload\":\"%%%\"}}"))
                .hasMessageContaining("base64");
        assertThatThrownBy(() -> TwilioMessages.read(JSON, "{\"event\":\"mark\",\"mark\":{}}"))
                .hasMessageContaining("mark.name");
    }

    @Test
    void streamSidsHaveTwiliosShape() {
        assertThat(TwilioMessages.newStreamSid()).matches("MZ[0-9a-f]{32}");
    }
}
