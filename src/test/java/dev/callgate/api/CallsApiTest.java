package dev.callgate.api;

import dev.callgate.support.KafkaBroker;
import dev.callgate.support.SimulatorAdminClient;
import dev.callgate.support.WebhookTopic;
import dev.callgate.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/** The REST twin of the commands: place, read, list, hang up, and clear errors. */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class CallsApiTest {

    @Test
    void placeReadListAndHangUp() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 100, "neverHangUp", true);
        String callRef = "rest-" + UUID.randomUUID();
        given().contentType("application/json")
                .body(Map.of("callRef", callRef, "phoneNumberId", Webhooks.PHONE_NUMBER_ID, "to", user))
                .post("/v1/calls").then().statusCode(202)
                .header("Location", containsString("/v1/calls/" + callRef))
                .body("callRef", equalTo(callRef));
        await().atMost(Duration.ofSeconds(15)).until(() ->
                "ACTIVE".equals(given().get("/v1/calls/" + callRef).then().extract().path("state")));
        given().queryParam("state", "active").get("/v1/calls").then().statusCode(200)
                .body("callRef", hasItem(callRef));

        given().delete("/v1/calls/" + callRef).then().statusCode(202);
        await().atMost(Duration.ofSeconds(20)).until(() ->
                "ENDED".equals(given().get("/v1/calls/" + callRef).then().extract().path("state")));
        given().get("/v1/calls/" + callRef).then().body("outcome", equalTo("COMPLETED"))
                .body("reason", equalTo("hung_up"));
    }

    @Test
    void invalidRequestsGetProblems() {
        given().contentType("application/json").body(Map.of("callRef", "x y", "to", "12"))
                .post("/v1/calls").then().statusCode(400)
                .contentType("application/problem+json")
                .body("detail", containsString("callRef")).body("detail", containsString("phoneNumberId"))
                .body("detail", containsString("to is required"));
        given().get("/v1/calls/nope-" + UUID.randomUUID()).then().statusCode(404)
                .contentType("application/problem+json");
        given().delete("/v1/calls/nope-" + UUID.randomUUID()).then().statusCode(404);
        given().queryParam("state", "SLEEPING").get("/v1/calls").then().statusCode(400);
    }

    @Test
    void badMediaIsRefusedWhenTheRequestArrivesWithoutNamingAServerPath() throws Exception {
        java.nio.file.Files.createDirectories(dev.callgate.support.Prompts.DIR);
        java.nio.file.Files.writeString(dev.callgate.support.Prompts.DIR.resolve("broken.wav"), "not a wav at all");
        for (var media : java.util.List.of(Map.of("prompt", "no-such-prompt"), Map.of("prompt", "broken"),
                Map.of("tone", 9000))) {
            String callRef = "media-" + UUID.randomUUID();
            String detail = given().contentType("application/json").body(Map.of("callRef", callRef,
                            "phoneNumberId", Webhooks.PHONE_NUMBER_ID, "to", Webhooks.newUser(), "media", media))
                    .post("/v1/calls").then().statusCode(400).contentType("application/problem+json")
                    .extract().path("detail");
            org.assertj.core.api.Assertions.assertThat(detail).containsAnyOf("media.prompt", "media.tone")
                    .doesNotContain("target", "test-prompts", ".wav'", "\\");
            given().get("/v1/calls/" + callRef).then().statusCode(404); // no call was created
        }
        given().contentType("application/json").body(Map.of("callRef", "x-" + UUID.randomUUID(),
                        "phoneNumberId", Webhooks.PHONE_NUMBER_ID, "to", Webhooks.newUser(),
                        "media", Map.of("prompt", "no-such-prompt")))
                .post("/v1/calls").then().body("detail", containsString("media.prompt 'no-such-prompt' does not exist"));
    }

    @Test
    void aPromptThatCannotBePlayedIsRefusedOnKafkaWithAnEventAndADeadLetter() {
        String callRef = "kafka-media-" + UUID.randomUUID();
        try (WebhookTopic dlq = new WebhookTopic("callgate.commands.dlq");
             WebhookTopic events = new WebhookTopic("callgate.events")) {
            dev.callgate.support.Commands.send(callRef, dev.callgate.support.Commands.initiate("c-" + UUID.randomUUID(),
                    callRef, Webhooks.PHONE_NUMBER_ID, Webhooks.newUser(), "{\"prompt\":\"missing-greeting\"}"));
            var dead = dlq.await(r -> callRef.equals(r.key()), 1).get(0);
            org.assertj.core.api.Assertions.assertThat(new String(dead.headers().lastHeader("dead-letter-reason")
                    .value())).contains("media.prompt 'missing-greeting' does not exist");
            var refused = events.await(r -> callRef.equals(r.key()), 1).get(0);
            org.assertj.core.api.Assertions.assertThat(refused.value()).contains("dev.callgate.call.refused")
                    .contains("missing-greeting");
        }
        given().get("/v1/calls/" + callRef).then().statusCode(404);
    }

    @Test
    void aUsedCallRefIsAConflict() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "reject", true, "answerAfterMs", 50);
        String callRef = "rest-" + UUID.randomUUID();
        var body = Map.of("callRef", callRef, "phoneNumberId", Webhooks.PHONE_NUMBER_ID, "to", user);
        given().contentType("application/json").body(body).post("/v1/calls").then().statusCode(202);
        given().contentType("application/json").body(body).post("/v1/calls").then().statusCode(409)
                .body("detail", containsString(callRef));
    }

    @Test
    void anInvalidCommandOnKafkaGoesToTheDlqAndIsRefusedByEvent() {
        String callRef = "bad-" + UUID.randomUUID();
        try (WebhookTopic dlq = new WebhookTopic("callgate.commands.dlq");
             WebhookTopic events = new WebhookTopic("callgate.events")) {
            dev.callgate.support.Commands.send(callRef, """
                    {"type":"call.initiate","commandId":"c-1","callRef":"%s","phoneNumberId":"x","to":"1"}"""
                    .formatted(callRef));
            var dead = dlq.await(r -> callRef.equals(r.key()), 1).get(0);
            org.assertj.core.api.Assertions.assertThat(new String(dead.headers().lastHeader("dead-letter-reason")
                    .value())).contains("phoneNumberId").contains("to is required");
            var refused = events.await(r -> callRef.equals(r.key()), 1).get(0);
            org.assertj.core.api.Assertions.assertThat(refused.value()).contains("dev.callgate.call.refused")
                    .contains("phoneNumberId");
        }
    }
}
