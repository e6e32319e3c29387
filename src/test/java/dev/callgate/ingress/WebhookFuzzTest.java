package dev.callgate.ingress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.callgate.support.IngressAndSimulatorOnly;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile input at the ingress: thousands of signed webhooks mutated at random (extreme numbers, NUL characters, wrong
 * types, missing and nested fields) get 200 or 400 — never a 5xx — and oversized chunked bodies are cut off while read.
 * Calls are off in this profile, so nothing downstream consumes what is published.
 */
@QuarkusTest
@TestProfile(IngressAndSimulatorOnly.class)
@WithTestResource(KafkaBroker.class)
class WebhookFuzzTest {

    private static final JsonNode[] HOSTILE = {
            JsonNodeFactory.instance.numberNode(99999999999999999L),
            JsonNodeFactory.instance.numberNode(-99999999999999999L),
            JsonNodeFactory.instance.numberNode(1e308),
            JsonNodeFactory.instance.numberNode(new java.math.BigInteger("123456789012345678901234567890")),
            JsonNodeFactory.instance.textNode("99999999999999999"),
            JsonNodeFactory.instance.textNode("nul\u0000inside"),
            JsonNodeFactory.instance.textNode("x".repeat(5000)),
            JsonNodeFactory.instance.textNode("\uD83D\uDCDE é ß \u202E"),
            JsonNodeFactory.instance.textNode(""),
            JsonNodeFactory.instance.nullNode(),
            JsonNodeFactory.instance.booleanNode(true),
            JsonNodeFactory.instance.objectNode(),
            JsonNodeFactory.instance.arrayNode(),
            JsonNodeFactory.instance.arrayNode().add(1).add("two"),
    };

    @TestHTTPResource("/webhooks/whatsapp")
    URI webhookUri;

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void thousandsOfMutatedSignedWebhooksGet200Or400NeverA5xx() throws Exception {
        String user = Webhooks.newUser();
        List<String> seeds = List.of(
                Webhooks.connectAndTerminate(Webhooks.newCallId(), user),
                Webhooks.callStatus(Webhooks.newCallId(), user, "RINGING"),
                Webhooks.permissionReply(user, true),
                Webhooks.messageStatusesOnly(user));
        Random random = new Random(20261202);
        Map<Integer, Integer> byStatus = new TreeMap<>();
        List<String> fiveHundreds = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            JsonNode tree = json.readTree(seeds.get(i % seeds.size()));
            for (int m = 1 + random.nextInt(3); m > 0; m--) {
                mutate(tree, random);
            }
            String body = json.writeValueAsString(tree);
            int status = Webhooks.postSigned(body).extract().statusCode();
            byStatus.merge(status, 1, Integer::sum);
            if (status >= 500) {
                fiveHundreds.add(body.length() > 400 ? body.substring(0, 400) : body);
            }
        }
        assertThat(fiveHundreds).as("bodies answered 5xx").isEmpty();
        assertThat(byStatus.keySet()).isSubsetOf(200, 400);
        assertThat(byStatus).containsKeys(200, 400); // the mutations hit both paths
    }

    @Test
    void anOutOfRangeTimestampIs400() {
        String body = Webhooks.callStatus(Webhooks.newCallId(), Webhooks.newUser(), "RINGING")
                .replace("\"1767168005\"", "99999999999999999");
        Webhooks.postSigned(body).statusCode(400).contentType("application/problem+json");
    }

    @Test
    void parallelUnsignedChunkedBodiesOfFifteenMebibytesAreCutOffWith413() {
        HttpClient client = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            HttpRequest request = HttpRequest.newBuilder(webhookUri).header("Content-Type", "application/json")
                    // streamed without a length (chunked), generated as it is sent: 15 MiB of whitespace
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new dev.callgate.support.BlankBody(15L * 1024 * 1024)))
                    .build();
            responses.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .exceptionally(failure -> null));
        }
        for (CompletableFuture<HttpResponse<String>> future : responses) {
            HttpResponse<String> response = future.join();
            // the server answers 413 and closes the connection; a client still sending sees it closed instead
            if (response != null) {
                assertThat(response.statusCode()).isEqualTo(413);
            }
        }
        // and the ingress goes on serving
        Webhooks.postSigned(Webhooks.callStatus(Webhooks.newCallId(), Webhooks.newUser(), "RINGING")).statusCode(200);
    }

    /** Replaces, removes or nests one value somewhere in the tree. */
    private static void mutate(JsonNode root, Random random) {
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        JsonNode target = containers.get(random.nextInt(containers.size()));
        JsonNode hostile = HOSTILE[random.nextInt(HOSTILE.length)];
        if (target instanceof ObjectNode object && object.size() > 0) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            String name = names.get(random.nextInt(names.size()));
            switch (random.nextInt(3)) {
                case 0 -> object.remove(name);
                case 1 -> object.set(name, hostile.deepCopy());
                default -> object.set(name, JsonNodeFactory.instance.arrayNode().add(object.get(name)));
            }
        } else if (target instanceof ArrayNode array && array.size() > 0) {
            int index = random.nextInt(array.size());
            if (random.nextBoolean()) {
                array.set(index, hostile.deepCopy());
            } else {
                array.add(array.get(index).deepCopy());
            }
        }
    }

    private static void collect(JsonNode node, List<JsonNode> out) {
        if (node.isContainerNode()) {
            out.add(node);
            for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
                collect(it.next(), out);
            }
        }
    }
}
