package dev.callgate.ingress;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.WebhookTopic;
import dev.callgate.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
@WithTestResource(KafkaBroker.class)
class WebhookSignatureTest {

    @Test
    void validSignatureIsAcceptedAndPublished() {
        String callId = Webhooks.newCallId();
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            Webhooks.postSigned(Webhooks.callStatus(callId, Webhooks.newUser(), "RINGING")).statusCode(200);
            assertThat(topic.await(r -> callId.equals(r.key()), 1)).hasSize(1);
        }
    }

    @Test
    void wrongSignatureIsRefusedAndNothingIsPublished() {
        String callId = Webhooks.newCallId();
        byte[] body = Webhooks.callStatus(callId, Webhooks.newUser(), "RINGING").getBytes(StandardCharsets.UTF_8);
        byte[] other = (new String(body, StandardCharsets.UTF_8) + " ").getBytes(StandardCharsets.UTF_8);
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            Webhooks.post(body, Webhooks.signature(other)).statusCode(401)
                    .contentType("application/problem+json")
                    .body("status", equalTo(401));
            Webhooks.post(body, "sha256=" + "0".repeat(64)).statusCode(401);
            Webhooks.post(body, "sha1=" + Webhooks.signature(body).substring(7)).statusCode(401);
            Webhooks.post(body, "sha256=zz").statusCode(401);
            assertThat(topic.drainToEnd()).noneMatch(r -> callId.equals(r.key()));
        }
    }

    @Test
    void missingSignatureIsRefusedAndNothingIsPublished() {
        String callId = Webhooks.newCallId();
        byte[] body = Webhooks.callStatus(callId, Webhooks.newUser(), "RINGING").getBytes(StandardCharsets.UTF_8);
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            Webhooks.post(body, null).statusCode(401);
            assertThat(topic.drainToEnd()).noneMatch(r -> callId.equals(r.key()));
        }
    }

    @Test
    void nonAsciiBodyIsVerifiedOverItsRawBytesNotOverReserialisedJson() throws Exception {
        String callId = Webhooks.newCallId();
        String user = Webhooks.newUser();
        // Raw UTF-8 as sent on the wire: a name with non-ASCII characters (ë, 🎧, ü).
        String json = Webhooks.connectAndTerminate(callId, user).replace("\"Zoë\"", "\"Zoë 🎧 Müller\"");
        byte[] raw = json.getBytes(StandardCharsets.UTF_8);

        // The same JSON re-serialised the way Meta escapes it (\\uXXXX): equal as JSON, different as bytes.
        ObjectMapper escaping = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
        byte[] reserialised = escaping.writeValueAsBytes(escaping.readTree(raw));
        assertThat(reserialised).isNotEqualTo(raw);

        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            Webhooks.post(raw, Webhooks.signature(reserialised)).statusCode(401);
            Webhooks.post(raw, Webhooks.signature(raw)).statusCode(200);
            var records = topic.await(r -> callId.equals(r.key()), 2);
            assertThat(records).hasSize(2);
            assertThat(records.get(0).value()).contains("Zoë 🎧 Müller");
        }
    }
}
