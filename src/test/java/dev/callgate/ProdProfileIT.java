package dev.callgate;

import org.junit.jupiter.api.Test;

import org.awaitility.Awaitility;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged application in the prod profile: it refuses to start without its secrets, and the Cloud API simulator
 * is not part of it.
 */
class ProdProfileIT {

    private static final Path RUNNER = Path.of("target/quarkus-app/quarkus-run.jar");

    private static Process start(List<String> env) throws IOException {
        return start(env, null);
    }

    /** Starts the runner jar; its output goes to {@code log} when given (for a process left running). */
    private static Process start(List<String> env, Path log) throws IOException {
        assertThat(RUNNER).exists();
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", RUNNER.toString()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("CALLGATE_") || name.startsWith("QUARKUS_"));
        for (String pair : env) {
            String[] kv = pair.split("=", 2);
            builder.environment().put(kv[0], kv[1]);
        }
        // a port nobody uses, so a start that wrongly succeeds does not collide with anything
        builder.environment().put("CALLGATE_HTTP_PORT", "18089");
        if (log != null) {
            builder.redirectOutput(log.toFile());
        }
        return builder.start();
    }

    private static String finish(Process process) throws Exception {
        boolean exited = process.waitFor(90, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        assertThat(exited).as("the application should exit by itself").isTrue();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void refusesToStartWithoutTheAppSecretAndVerifyToken() throws Exception {
        Process process = start(List.of());
        String output = finish(process);
        assertThat(process.exitValue()).isNotZero();
        assertThat(output).contains("callgate.whatsapp.app-secret").contains("callgate.whatsapp.verify-token")
                .contains("callgate.cloudapi.access-token");
    }

    @Test
    void servesNoSimulatorEndpoints() throws Exception {
        Process process = start(List.of("CALLGATE_WHATSAPP_APP_SECRET=it-secret", "CALLGATE_WHATSAPP_VERIFY_TOKEN=it-token",
                "CALLGATE_CLOUDAPI_ACCESS_TOKEN=it-access-token",
                // the database test.sh prepares; Kafka need not run for the HTTP surface to answer
                "CALLGATE_DB_URL=" + System.getProperty("callgate.it.db-url", "postgresql://127.0.0.1:5432/callgate_test"),
                "CALLGATE_DB_JDBC_URL=" + System.getProperty("callgate.it.jdbc-url",
                        "jdbc:postgresql://127.0.0.1:5432/callgate_test")), Path.of("target/prod-profile-it-server.log"));
        try {
            HttpClient http = HttpClient.newHttpClient();
            URI live = URI.create("http://127.0.0.1:18089/q/health/live");
            Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                    http.send(HttpRequest.newBuilder(live).build(), HttpResponse.BodyHandlers.discarding())
                            .statusCode() == 200);
            for (String path : List.of("/simulator", "/simulator/calls", "/v23.0/106540352242922/settings",
                    "/106540352242922/calls")) {
                int status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:18089" + path))
                        .header("Authorization", "Bearer sim-access-token").build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                assertThat(status).as(path).isEqualTo(404);
            }
            // the REST API without a configured key refuses to serve
            int api = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:18089/v1/calls")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
            assertThat(api).isEqualTo(503);
            // the webhook ingress is there
            int handshake = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:18089/webhooks/whatsapp"
                    + "?hub.mode=subscribe&hub.verify_token=it-token&hub.challenge=9")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
            assertThat(handshake).isEqualTo(200);
        } finally {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** The simulator is left out of the packaged application altogether, not only switched off (pom: prod-jar). */
    @Test
    void carriesNoSimulatorClasses() throws Exception {
        List<Path> jars;
        try (var files = Files.list(Path.of("target/quarkus-app/app"))) {
            jars = new java.util.ArrayList<>(files.filter(f -> f.toString().endsWith(".jar")).toList());
        }
        assertThat(jars).as("the application jar").isNotEmpty();
        jars.add(Path.of("target/quarkus-app/quarkus/generated-bytecode.jar"));
        for (Path jar : jars) {
            try (JarFile file = new JarFile(jar.toFile())) {
                List<String> simulator = file.stream().map(JarEntry::getName)
                        .filter(name -> name.startsWith("dev/callgate/simulator/")).toList();
                assertThat(simulator).as("simulator entries in " + jar).isEmpty();
            }
        }
    }

    @Test
    void refusesToStartWithoutTheVerifyTokenAndNeverPrintsTheSecret() throws Exception {
        String secret = "it-secret-" + System.nanoTime();
        Process process = start(List.of("CALLGATE_WHATSAPP_APP_SECRET=" + secret));
        String output = finish(process);
        assertThat(process.exitValue()).isNotZero();
        assertThat(output).contains("callgate.whatsapp.verify-token").doesNotContain(secret);
        Files.writeString(Path.of("target/prod-profile-it.log"), output);
    }
}
