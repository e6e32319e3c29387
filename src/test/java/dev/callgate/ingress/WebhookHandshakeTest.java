package dev.callgate.ingress;

import dev.callgate.support.KafkaBroker;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

@QuarkusTest
@WithTestResource(KafkaBroker.class)
class WebhookHandshakeTest {

    @Test
    void rightTokenEchoesTheChallengeAsPlainText() {
        given().queryParam("hub.mode", "subscribe")
                .queryParam("hub.verify_token", "test-verify-token")
                .queryParam("hub.challenge", "1158201444")
                .when().get("/webhooks/whatsapp")
                .then().statusCode(200)
                .contentType(startsWith("text/plain"))
                .body(equalTo("1158201444"));
    }

    @Test
    void wrongTokenIsForbidden() {
        given().queryParam("hub.mode", "subscribe")
                .queryParam("hub.verify_token", "test-verify-tokeN")
                .queryParam("hub.challenge", "1158201444")
                .when().get("/webhooks/whatsapp")
                .then().statusCode(403);
    }

    @Test
    void wrongModeIsForbidden() {
        given().queryParam("hub.mode", "unsubscribe")
                .queryParam("hub.verify_token", "test-verify-token")
                .queryParam("hub.challenge", "1158201444")
                .when().get("/webhooks/whatsapp")
                .then().statusCode(403);
    }

    @Test
    void missingParametersAreForbidden() {
        given().when().get("/webhooks/whatsapp").then().statusCode(403);
        given().queryParam("hub.verify_token", "test-verify-token").queryParam("hub.challenge", "1")
                .when().get("/webhooks/whatsapp").then().statusCode(403);
        given().queryParam("hub.mode", "subscribe").queryParam("hub.challenge", "1")
                .when().get("/webhooks/whatsapp").then().statusCode(403);
        given().queryParam("hub.mode", "subscribe").queryParam("hub.verify_token", "test-verify-token")
                .when().get("/webhooks/whatsapp").then().statusCode(403);
    }
}
