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
            // The 503'd attempt never reached the topic: its sends failed for good within the publish timeout.
            assertThat(topic.drainToEnd().stream().filter(r -> callId.equals(r.key()))).hasSize(2);
            assertThat(Database.callEvents(callId)).containsExactly("CALL connect", "CALL terminate");
        }
    }
}
