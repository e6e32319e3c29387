package dev.callgate.ingress;

import dev.callgate.support.Database;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.WebhookTopic;
import dev.callgate.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/** With the broker down the ingress answers 503 (Meta retries); once it is back the retry lands exactly once. */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class KafkaOutageTest {

    @Test
    void webhookIs503WhileKafkaIsDownAndStoredOnceAfterItIsBack() throws Exception {
        String callId = Webhooks.newCallId();
        String body = Webhooks.connectAndTerminate(callId, Webhooks.newUser());
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            KafkaBroker.stopBroker();
            try {
                Webhooks.postSigned(body).statusCode(503)
                        .contentType("application/problem+json")
                        .body("status", equalTo(503));
            } finally {
                KafkaBroker.restartBroker();
            }
            // Meta's retry of the same delivery, once Kafka is back (the producer may need a moment to reconnect).
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> Webhooks.postSigned(body).extract().statusCode() == 200);

            await().atMost(Duration.ofSeconds(30)).until(() -> Database.callEvents(callId).size() == 2
                    && topic.committedPast("callgate-call-events", r -> callId.equals(r.key())));
            // Both events are on the topic. A retry while the broker recovers can find one record of a webhook
            // acknowledged and the other not (503, Meta retries): the topic is at-least-once, so an event may be
            // there twice, with the same dedup id — and PostgreSQL holds each event exactly once.
            var onTopic = topic.drainToEnd().stream().filter(r -> callId.equals(r.key())).toList();
            assertThat(onTopic.stream().map(r -> dedupId(r.value())).distinct()).hasSize(2);
            assertThat(Database.callEvents(callId)).containsExactly("CALL connect", "CALL terminate");
        }
    }

    private static String dedupId(String json) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).path("dedupId").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
