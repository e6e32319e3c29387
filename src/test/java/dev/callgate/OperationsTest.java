package dev.callgate;

import dev.callgate.support.KafkaBroker;
import dev.callgate.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

/** Health, metrics and the OpenAPI document an operator relies on. */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class OperationsTest {

    @Test
    void readinessCoversKafkaButNotPostgresWhichHasAGroupOfItsOwn() {
        given().when().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItems("Kafka connection health check"))
                // a database failover must not take every pod out of the Service: webhooks wait in Kafka
                .body("checks.name", org.hamcrest.Matchers.not(hasItems("PostgreSQL")))
                .body("checks.name", org.hamcrest.Matchers.not(hasItems("Reactive PostgreSQL connections health check")));
        given().when().get("/q/health/group/database").then().statusCode(200)
                .body("status", equalTo("UP")).body("checks.name", hasItems("PostgreSQL"));
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void metricsCountWebhooksByFieldAndResultAndTimeThePublish() {
        Webhooks.postSigned(Webhooks.callStatus(Webhooks.newCallId(), Webhooks.newUser(), "RINGING")).statusCode(200);
        Webhooks.postSigned(Webhooks.messageStatusesOnly(Webhooks.newUser())).statusCode(200);
        Webhooks.post("{}".getBytes(), null).statusCode(401);
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("callgate_webhooks_received_total{field=\"calls\",result=\"published\"}"))
                .body(containsString("callgate_webhooks_received_total{field=\"messages\",result=\"ignored\"}"))
                .body(containsString("callgate_webhooks_received_total{field=\"unknown\",result=\"invalid_signature\"}"))
                .body(containsString("callgate_webhook_publish_seconds_bucket"));
    }

    @Test
    void openApiDescribesTheWebhookEndpoint() {
        given().queryParam("format", "json").when().get("/q/openapi").then().statusCode(200)
                .body(containsString("/webhooks/whatsapp"));
    }
}
