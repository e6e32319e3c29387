package dev.callgate.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading and validating the answer commands of user-initiated calls. */
class CallCommandTest {

    private final ObjectMapper json = new ObjectMapper();

    private CallCommand parse(String text) throws Exception {
        return CallCommand.parse(json.readTree(text), null);
    }

    @Test
    void acceptNamesTheCallByCallRefOrCallIdAndMayChooseMedia() throws Exception {
        assertThat(parse("{\"type\":\"call.accept\",\"commandId\":\"a1\",\"callId\":\"wacid.X-1_y\","
                + "\"media\":{\"tone\":880}}"))
                .isEqualTo(new CallCommand.Accept("a1", "wacid.X-1_y", 880.0, null));
        assertThat(parse("{\"type\":\"call.accept\",\"commandId\":\"a2\",\"callRef\":\"wacid.Z\","
                + "\"media\":{\"prompt\":\"welcome\"}}"))
                .isEqualTo(new CallCommand.Accept("a2", "wacid.Z", null, "welcome"));
        assertThat(parse("{\"type\":\"call.reject\",\"commandId\":\"r1\",\"callId\":\"wacid.Z\"}"))
                .isEqualTo(new CallCommand.Reject("r1", "wacid.Z"));
    }

    @Test
    void callIdsInMetasShapeAreAcceptedEverywhere() throws Exception {
        String id = "wacid.HBgLMTIxNTU1NTc5NDcVAgARGBI+RkQx/EU4MzI0NjdCRkJGQjcA==";
        assertThat(parse("{\"type\":\"call.accept\",\"commandId\":\"a+/=\",\"callId\":\"" + id + "\"}"))
                .isEqualTo(new CallCommand.Accept("a+/=", id, null, null));
        assertThat(parse("{\"type\":\"call.reject\",\"commandId\":\"r\",\"callRef\":\"" + id + "\"}"))
                .isEqualTo(new CallCommand.Reject("r", id));
        assertThat(parse("{\"type\":\"call.terminate\",\"commandId\":\"t\",\"callRef\":\"" + id + "\"}"))
                .isEqualTo(new CallCommand.Terminate("t", id));
        assertThatThrownBy(() -> parse("{\"type\":\"call.reject\",\"commandId\":\"r\",\"callRef\":\"a b\"}"))
                .isInstanceOf(InvalidCommandException.class);
    }

    @Test
    void aCallNamesItsUserByPhoneNumberOrByBsuid() throws Exception {
        CallCommand.Initiate byBsuid = (CallCommand.Initiate) parse("""
                {"type":"call.initiate","commandId":"i1","callRef":"r1","phoneNumberId":"1065","recipient":"US.13491208655302741918"}""");
        assertThat(byBsuid.call().to()).isNull();
        assertThat(byBsuid.call().recipient()).isEqualTo("US.13491208655302741918");
        assertThat(byBsuid.call().user()).isEqualTo("US.13491208655302741918");
        CallCommand.Initiate both = (CallCommand.Initiate) parse("""
                {"type":"call.initiate","commandId":"i2","callRef":"r2","phoneNumberId":"1065","to":"+4915112345678","recipient":"US.ENT.11815799212886844830"}""");
        assertThat(both.call().to()).isEqualTo("4915112345678");
        assertThat(both.call().user()).isEqualTo("4915112345678");
        assertThatThrownBy(() -> parse("""
                {"type":"call.initiate","commandId":"i3","callRef":"r3","phoneNumberId":"1065"}"""))
                .isInstanceOfSatisfying(InvalidCommandException.class, e -> assertThat(e.problems())
                        .anyMatch(p -> p.contains("to is required") && p.contains("recipient")));
        assertThatThrownBy(() -> parse("""
                {"type":"call.initiate","commandId":"i4","callRef":"r4","phoneNumberId":"1065","recipient":"4915112345678"}"""))
                .isInstanceOfSatisfying(InvalidCommandException.class, e -> assertThat(e.problems())
                        .anyMatch(p -> p.contains("BSUID")));
    }

    @Test
    void metaNativeRecordingAndTranscriptionAreReadIntoMetasShapeAndChecked() throws Exception {
        CallCommand.Initiate initiate = (CallCommand.Initiate) parse("""
                {"type":"call.initiate","commandId":"m1","callRef":"m1","phoneNumberId":"1065","to":"4915112345678",
                 "recording":{"status":"enabled","purpose":"quality assurance","announcementLanguage":"en_US"},
                 "transcription":{"status":"DISABLED"}}""");
        assertThat(initiate.call().recording().toString())
                .isEqualTo("{\"status\":\"ENABLED\",\"purpose\":\"quality assurance\",\"announcement_language\":\"en_US\"}");
        assertThat(initiate.call().transcription().path("status").asText()).isEqualTo("DISABLED");
        CallCommand.Accept accept = (CallCommand.Accept) parse("""
                {"type":"call.accept","commandId":"m2","callId":"wacid.A+/=","transcription":{"status":"ENABLED"}}""");
        assertThat(accept.transcription().path("status").asText()).isEqualTo("ENABLED");
        assertThatThrownBy(() -> parse("""
                {"type":"call.initiate","commandId":"m3","callRef":"m3","phoneNumberId":"1065","to":"4915112345678",
                 "recording":{"status":"ON","purpose":"%s"}}""".formatted("x".repeat(251))))
                .isInstanceOfSatisfying(InvalidCommandException.class, e -> assertThat(e.problems())
                        .anyMatch(p -> p.contains("recording.status is ENABLED or DISABLED"))
                        .anyMatch(p -> p.contains("recording.purpose is text of at most 250")));
    }

    @Test
    void acceptWithoutACallOrWithARecordingChoiceIsRefusedWithTheReasons() {
        assertThatThrownBy(() -> parse("{\"type\":\"call.reject\",\"commandId\":\"r2\"}"))
                .isInstanceOfSatisfying(InvalidCommandException.class, e -> assertThat(e.problems())
                        .anyMatch(p -> p.contains("callRef (or callId) is required")));
        assertThatThrownBy(() -> parse("{\"type\":\"call.accept\",\"commandId\":\"a3\",\"callId\":\"wacid.Z\","
                + "\"media\":{\"record\":true,\"tone\":5}}"))
                .isInstanceOfSatisfying(InvalidCommandException.class, e -> {
                    assertThat(e.callRef()).isEqualTo("wacid.Z");
                    assertThat(e.problems()).anyMatch(p -> p.contains("media.record cannot be chosen on accept"))
                            .anyMatch(p -> p.contains("media.tone"));
                });
        assertThatThrownBy(() -> parse("{\"type\":\"call.dance\",\"commandId\":\"d\",\"callRef\":\"x\"}"))
                .isInstanceOfSatisfying(InvalidCommandException.class, e -> assertThat(e.problems())
                        .anyMatch(p -> p.contains("call.accept, call.reject")));
    }

    @Test
    void aCallMayStreamItsAudioToAnApplicationAndABadStreamIsRefusedWithTheReason() throws Exception {
        CallCommand.Initiate streamed = (CallCommand.Initiate) parse("""
                {"type":"call.initiate","commandId":"s1","callRef":"r1","phoneNumberId":"1065","to":"4915112345678",
                 "media":{"stream":{"url":"wss://agent.example.com/twilio?key=abc","parameters":{"agent":"sales"}}}}""");
        JsonNode spec = json.readTree(streamed.call().stream());
        assertThat(spec.path("url").asText()).isEqualTo("wss://agent.example.com/twilio?key=abc");
        assertThat(spec.path("protocol").asText()).isEqualTo("twilio");
        assertThat(spec.path("parameters").path("agent").asText()).isEqualTo("sales");
        assertThat(spec.path("onClose").asText()).as("the default").isEqualTo("hangup");

        for (String bad : List.of(
                "{\"url\":\"https://agent.example.com\"}",
                "{\"url\":\"wss://user:pw@agent.example.com\"}",
                "{\"url\":\"wss://agent.example.com\",\"protocol\":\"sip\"}",
                "{\"url\":\"wss://agent.example.com\",\"protocol\":\"native\",\"format\":\"mulaw_8000\"}",
                "{\"url\":\"wss://agent.example.com\",\"format\":\"pcm_16000\"}",
                "{\"url\":\"wss://agent.example.com\",\"tracks\":[\"both\"]}",
                "{\"url\":\"wss://agent.example.com\",\"headers\":{\"Host\":\"evil\"}}",
                "{\"url\":\"wss://agent.example.com\",\"headers\":{\"Sec-WebSocket-Key\":\"x\"}}",
                "{\"url\":\"wss://agent.example.com\",\"headers\":{\"X-Ok\":\"line\\nbreak\"}}",
                "{\"url\":\"wss://agent.example.com\",\"onClose\":\"maybe\"}",
                "{\"url\":\"wss://agent.example.com\",\"parameters\":{\"n\":1}}",
                "{}")) {
            assertThatThrownBy(() -> parse("""
                    {"type":"call.initiate","commandId":"s2","callRef":"r2","phoneNumberId":"1065","to":"4915112345678",
                     "media":{"stream":%s}}""".formatted(bad))).as(bad).isInstanceOf(InvalidCommandException.class)
                    .hasMessageContaining("media.stream");
        }
        assertThatThrownBy(() -> parse("""
                {"type":"call.initiate","commandId":"s3","callRef":"r3","phoneNumberId":"1065","to":"4915112345678",
                 "media":{"tone":440,"stream":{"url":"wss://agent.example.com"}}}""")).hasMessageContaining("not more than one");
    }

    @Test
    void aNativeStreamWithHeadersOnAcceptAndTheStreamCommandsAreRead() throws Exception {
        CallCommand.Accept accept = (CallCommand.Accept) parse("""
                {"type":"call.accept","commandId":"a1","callId":"wacid.HBgLMTIzNDU2Nzg5MDEVAgARGBI0QTdCQUMzQjVEQUY2NTA2NUQA+/=",
                 "media":{"stream":{"url":"wss://agent.example.com/ws","protocol":"native","format":"pcm_24000",
                 "tracks":["inbound"],"headers":{"Authorization":"Bearer t0k3n"},"onClose":"continue"}}}""");
        JsonNode spec = json.readTree(accept.stream());
        assertThat(spec.path("protocol").asText()).isEqualTo("native");
        assertThat(spec.path("format").asText()).isEqualTo("pcm_24000");
        assertThat(spec.path("headers").path("Authorization").asText()).isEqualTo("Bearer t0k3n");
        assertThat(spec.path("onClose").asText()).isEqualTo("continue");
        assertThat(json.readTree(((CallCommand.StartStream) parse("""
                {"type":"call.stream.start","commandId":"s1","callRef":"r1",
                 "stream":{"url":"ws://10.0.0.7:8080/agent","protocol":"native"}}""")).stream()).path("format").asText())
                .as("native's default").isEqualTo("pcm_16000");
        assertThat(parse("""
                {"type":"call.stream.stop","commandId":"s2","callRef":"r1"}""")).isEqualTo(
                new CallCommand.StopStream("s2", "r1"));
        assertThatThrownBy(() -> parse("""
                {"type":"call.stream.start","commandId":"s3","callRef":"r1"}""")).hasMessageContaining("stream is required");
    }
}
