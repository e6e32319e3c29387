package dev.callgate.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.awaitility.Awaitility;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (the Debian package's binary, installed by {@code deployment/local/test.sh}) scraping the
 * test JVM's {@code /q/metrics} every second and evaluating the given rule file every second; its HTTP API for the
 * test. Its log is {@code target/prometheus.log}.
 */
public final class PrometheusServer implements AutoCloseable {

    /** The job and target labels the scraped series get, as a ServiceMonitor gives them on a cluster. */
    public static final String JOB = "callgate-under-test";
    public static final String NAMESPACE = "callgate-test";
    public static final String POD = "callgate-0";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final Process process;
    private final int port;

    private PrometheusServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** The path of a tool that must be installed (never skipped: the test fails saying what to install). */
    public static String tool(String name) {
        for (String dir : List.of("/usr/bin", "/usr/local/bin", "/bin")) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException(name + " is not installed: deployment/local/test.sh installs it "
                + "(apt-get install prometheus)");
    }

    /** Starts Prometheus with {@code rules} (a rule file's text) against the service on {@code servicePort}. */
    public static PrometheusServer start(String rules, int servicePort, Path dir) throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Files.writeString(dir.resolve("rules.yml"), rules);
        Files.writeString(dir.resolve("prometheus.yml"), """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files: [rules.yml]
                scrape_configs:
                  - job_name: %s
                    metrics_path: /q/metrics
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                        labels: {namespace: %s, pod: %s}
                """.formatted(JOB, servicePort, NAMESPACE, POD));
        Process process = new ProcessBuilder(tool("prometheus"),
                "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(Path.of("target", "prometheus.log").toFile()))
                .start();
        PrometheusServer server = new PrometheusServer(process, port);
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> server.get("/-/ready").statusCode() == 200);
        return server;
    }

    private HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code /api/v1/<path>} with one parameter; the whole JSON answer (status, data or errorType/error). */
    public JsonNode api(String path, String parameter, String value) {
        try {
            String query = parameter == null ? ""
                    : "?" + parameter + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
            return JSON.readTree(get("/api/v1/" + path + query).body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An instant query: the JSON answer. */
    public JsonNode query(String promql) {
        return api("query", "query", promql);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
