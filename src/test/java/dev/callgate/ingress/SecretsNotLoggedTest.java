package dev.callgate.ingress;

import dev.callgate.support.KafkaBroker;
import dev.callgate.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** The app secret and verify token appear nowhere in the log, from start-up through every path that uses them. */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class SecretsNotLoggedTest {

    private static final String VERIFY_TOKEN = "test-verify-token";

    @Test
    void secretsNeverReachTheLog() throws Exception {
        given().queryParam("hub.mode", "subscribe").queryParam("hub.verify_token", VERIFY_TOKEN)
                .queryParam("hub.challenge", "7").get("/webhooks/whatsapp").then().statusCode(200);
        given().queryParam("hub.mode", "subscribe").queryParam("hub.verify_token", VERIFY_TOKEN + "x")
                .queryParam("hub.challenge", "7").get("/webhooks/whatsapp").then().statusCode(403);
        byte[] body = Webhooks.callStatus(Webhooks.newCallId(), Webhooks.newUser(), "RINGING")
                .getBytes(StandardCharsets.UTF_8);
        Webhooks.post(body, Webhooks.signature(body)).statusCode(200);
        Webhooks.post(body, "sha256=" + "ab".repeat(32)).statusCode(401);
        Webhooks.postSigned("{broken").statusCode(400);

        String log = Files.readString(Path.of("target/callgate-test.log"));
        assertThat(log).contains("webhook subscription verified").contains("webhook refused");
        assertThat(log).doesNotContain(Webhooks.APP_SECRET).doesNotContain(VERIFY_TOKEN);
    }
}
