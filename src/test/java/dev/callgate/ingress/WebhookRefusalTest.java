package dev.callgate.ingress;

import dev.callgate.support.KafkaBroker;
import dev.callgate.support.WebhookTopic;
import dev.callgate.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** Bad input gets a clear error and publishes nothing. */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class WebhookRefusalTest {

    private static final int LIMIT = 1024 * 1024; // callgate.ingress.max-body-size default

    @TestHTTPResource("/webhooks/whatsapp")
    URI webhookUri;

    /** A signed, valid webhook padded with whitespace to the given size. */
    private static byte[] padded(String callId, int size) {
        String body = Webhooks.callStatus(callId, Webhooks.newUser(), "RINGING");
        return (body + " ".repeat(size - body.getBytes(StandardCharsets.UTF_8).length))
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void bodyAtTheLimitIsAccepted() {
        String callId = Webhooks.newCallId();
        byte[] body = padded(callId, LIMIT);
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            Webhooks.post(body, Webhooks.signature(body)).statusCode(200);
            assertThat(topic.await(r -> callId.equals(r.key()), 1)).hasSize(1);
        }
    }

    @Test
    void oversizedBodyIs413WithAProblemAndNothingIsPublished() {
        String callId = Webhooks.newCallId();
        byte[] body = padded(callId, LIMIT + 1);
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            Webhooks.post(body, Webhooks.signature(body)).statusCode(413)
                    .contentType("application/problem+json")
                    .body("status", equalTo(413))
                    .body("detail", containsString(String.valueOf(LIMIT)));
            assertThat(topic.drainToEnd()).noneMatch(r -> callId.equals(r.key()));
        }
    }

    @Test
    void oversizedChunkedBodyWithoutContentLengthIs413() throws Exception {
        String callId = Webhooks.newCallId();
        byte[] body = padded(callId, LIMIT + 10);
        HttpRequest request = HttpRequest.newBuilder(webhookUri)
                .header("Content-Type", "application/json")
                .header("X-Hub-Signature-256", Webhooks.signature(body))
                // an InputStream publisher has no known length: the body is sent chunked
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build();
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(request, HttpResponse.BodyHandlers.ofString());
            // cut off by Quarkus while it is read (quarkus.http.limits.max-body-size = the webhook limit)
            assertThat(response.statusCode()).isEqualTo(413);
            assertThat(topic.drainToEnd()).noneMatch(r -> callId.equals(r.key()));
        }
    }

    @Test
    void signedButMalformedJsonIs400WithAProblemAndNothingIsPublished() {
        String callId = Webhooks.newCallId();
        String truncated = Webhooks.connectAndTerminate(callId, Webhooks.newUser());
        truncated = truncated.substring(0, truncated.length() - 5);
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            Webhooks.postSigned(truncated).statusCode(400)
                    .contentType("application/problem+json")
                    .body("status", equalTo(400))
                    .body("title", equalTo("Bad Request"))
                    .body("detail", containsString("not valid JSON"));
            assertThat(topic.drainToEnd()).noneMatch(r -> callId.equals(r.key()));
        }
    }

    @Test
    void signedJsonThatIsNotAWebhookIs400() {
        Webhooks.postSigned("[1,2,3]").statusCode(400).body("detail", containsString("not a JSON object"));
        Webhooks.postSigned("{\"object\":\"whatsapp_business_account\",\"entry\":{}}").statusCode(400)
                .body("detail", containsString("'entry' must be an array"));
        Webhooks.postSigned(Webhooks.envelope("calls", "\"calls\":[{\"event\":\"connect\"}]")).statusCode(400)
                .body("detail", containsString("'id' is missing"));
    }
}
