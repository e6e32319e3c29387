package dev.callgate.support;

import org.awaitility.Awaitility;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged Callgate (target/quarkus-app, prod build: no simulator in it) run as a separate process against the
 * test's Kafka broker and PostgreSQL database, talking to the Cloud API simulator of the test JVM. It can be killed
 * (SIGKILL), stopped (SIGTERM) and started again with the same instance id.
 */
public final class ServiceProcess implements AutoCloseable {

    private static final Path RUNNER = Path.of("target/quarkus-app/quarkus-run.jar");

    private final String instanceId;
    private final int port;
    private final Map<String, String> env = new LinkedHashMap<>();
    private Process process;
    private int starts;

    /**
     * @param simulatorPort where the test JVM serves the simulator's Graph API
     * @param extraEnv      further CALLGATE_* settings
     */
    public ServiceProcess(String instanceId, int port, int simulatorPort, Map<String, String> extraEnv) {
        this.instanceId = instanceId;
        this.port = port;
        env.put("CALLGATE_HTTP_PORT", String.valueOf(port));
        env.put("CALLGATE_INSTANCE_ID", instanceId);
        env.put("CALLGATE_WHATSAPP_APP_SECRET", "test-app-secret-5f2c");
        env.put("CALLGATE_WHATSAPP_VERIFY_TOKEN", "test-verify-token");
        env.put("CALLGATE_CLOUDAPI_ACCESS_TOKEN", "sim-access-token");
        env.put("CALLGATE_CLOUDAPI_BASE_URL", "http://localhost:" + simulatorPort);
        env.put("CALLGATE_KAFKA_BOOTSTRAP_SERVERS", KafkaBroker.bootstrapServers());
        env.put("CALLGATE_DB_URL", System.getProperty("callgate.it.db-url", "postgresql://127.0.0.1:5432/callgate_test"));
        env.put("CALLGATE_DB_JDBC_URL", System.getProperty("callgate.it.jdbc-url",
                "jdbc:postgresql://127.0.0.1:5432/callgate_test"));
        env.put("CALLGATE_API_KEY", "it-api-key");
        env.putAll(extraEnv);
        try {
            Files.deleteIfExists(log());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public String instanceId() {
        return instanceId;
    }

    public int port() {
        return port;
    }

    public Path log() {
        return Path.of("target", "service-" + instanceId + "-" + port + ".log"); // a twin keeps its own
    }

    /** Starts the process (again) and waits until it is ready: Kafka and PostgreSQL reachable. */
    /** Starts the process without waiting for it to be ready (it may refuse to start). */
    public ServiceProcess launch() throws IOException {
        if (!Files.exists(RUNNER)) {
            throw new IllegalStateException(RUNNER + " is missing: run through `mvn verify` (after package)");
        }
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", RUNNER.toString()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("CALLGATE_") || name.startsWith("QUARKUS_"));
        builder.environment().putAll(env);
        // every start appends to the same log, so a restart's log follows the killed run's
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()));
        Files.writeString(log(), "==== start " + (++starts) + System.lineSeparator(),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        process = builder.start();
        return this;
    }

    /** Starts the process and waits until it is ready. */
    public ServiceProcess start() throws IOException {
        launch();
        HttpClient http = HttpClient.newHttpClient();
        URI ready = URI.create("http://127.0.0.1:" + port + "/q/health/ready");
        Awaitility.await("instance " + instanceId + " ready").atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
                    if (!process.isAlive()) {
                        throw new AssertionError("instance " + instanceId + " exited with " + process.exitValue()
                                + "; see " + log());
                    }
                    return http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.discarding())
                            .statusCode() == 200;
                });
        return this;
    }

    /**
     * Whether the process has logged {@code text} (for waiting on what cannot be asked over HTTP, e.g. a drain): in a
     * line's message (the prod profile logs JSON lines), or anywhere in a line that is not JSON.
     */
    public boolean logged(String text) {
        return logLines().stream().anyMatch(line -> line.path("message").asText(line.path("line").asText())
                .contains(text));
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * The log, every start's, one node per line: a JSON line as it is, any other line (the start markers, a JVM
     * message) as {@code {"line": …}}.
     */
    public java.util.List<com.fasterxml.jackson.databind.JsonNode> logLines() {
        java.util.List<String> lines;
        try {
            lines = Files.readAllLines(log());
        } catch (IOException e) {
            return java.util.List.of();
        }
        java.util.List<com.fasterxml.jackson.databind.JsonNode> nodes = new java.util.ArrayList<>();
        for (String line : lines) {
            com.fasterxml.jackson.databind.JsonNode node = null;
            if (line.startsWith("{")) {
                try {
                    node = JSON.readTree(line);
                } catch (IOException notJson) {
                    node = null;
                }
            }
            nodes.add(node != null ? node : JSON.createObjectNode().put("line", line));
        }
        return nodes;
    }

    /**
     * The value of the first Prometheus sample of {@code /q/metrics} whose name and labels match {@code sample} (a
     * regular expression), or 0 when there is none.
     */
    public double metric(String sample) {
        String metrics = io.restassured.RestAssured.given().baseUri("http://127.0.0.1:" + port).get("/q/metrics")
                .then().statusCode(200).extract().asString();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + sample + " (?<value>[0-9.Ee+-]+)$")
                .matcher(metrics);
        return m.find() ? Double.parseDouble(m.group("value")) : 0;
    }

    /** The exit code of a process that has ended. */
    public int exitValue() {
        return process.exitValue();
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: the JVM gets no chance to close anything (a lost node, an OOM kill). */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("instance " + instanceId + " did not die");
        }
    }

    /** SIGTERM without waiting: the instance drains (its calls may go on) while the test goes on. */
    public void terminate() {
        process.destroy();
    }

    /** SIGTERM; returns the exit code. */
    public int stop(Duration max) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(max.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new IllegalStateException("instance " + instanceId + " did not stop within " + max);
        }
        return process.exitValue();
    }

    /**
     * SIGKILL if still running, then its {@code instances} row is marked draining. A killed instance looks alive for
     * three heartbeats; without this a later test's draining or recycling instance could place a new call's media on
     * this one, gone, and that call would fail at its set-up deadline (a GracefulShutdownIT failure in CI, when it ran
     * within seconds of another IT's close).
     */
    @Override
    public void close() throws InterruptedException {
        if (alive()) {
            kill();
        }
        try (java.sql.Connection db = java.sql.DriverManager.getConnection(env.get("CALLGATE_DB_JDBC_URL"),
                env.getOrDefault("CALLGATE_DB_USER", "callgate"), env.getOrDefault("CALLGATE_DB_PASSWORD", "callgate"));
             java.sql.PreparedStatement retire = db.prepareStatement(
                     "update instances set draining = true where id = ?")) {
            retire.setString(1, instanceId);
            retire.executeUpdate();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("instance " + instanceId + ": its row could not be retired", e);
        }
    }
}
