package dev.callgate.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Helm chart with a real Helm (helm-java bundles Helm's Go library): lint (strict) and template with the default
 * values, with a production-like values file and with the monitoring pieces on (ServiceMonitor, Grafana dashboard,
 * PrometheusRule), assertions on the rendered objects, and the plain manifests in {@code k8s/} kept equal to the
 * chart's default rendering. {@code -Dcallgate.update-k8s=true} rewrites them. That the dashboard's and the alerts'
 * queries name metrics the service exports is {@link MonitoringQueriesTest}'s part.
 */
class HelmChartTest {

    static final Path CHART = Path.of("deployment/helm/callgate");
    static final Path PRODUCTION = CHART.resolve("ci/production-values.yaml");
    static final Path OBSERVABILITY = CHART.resolve("ci/observability-values.yaml");
    static final Path OPERATIONS = Path.of("docs/operations.md");
    /** The alerts the chart ships, each with its runbook in docs/operations.md. */
    static final List<String> ALERTS = List.of("CallgateIngress5xx", "CallgateWebhooksDeadLettered",
            "CallgateCommandsDeadLettered", "CallgateConsumerLagGrowing", "CallgateCallsPastDeadline",
            "CallgateTerminatesNotConfirmed", "CallgateTerminateAbandoned", "CallgateMediaNearCapacity",
            "CallgateGraphCallingErrors");
    static final Path MANIFESTS = Path.of("k8s/callgate.yaml");
    static final String MANIFEST_HEADER = """
            # Plain manifests for users without Helm: the chart's default rendering
            #   (helm template callgate deployment/helm/callgate), kept equal to it by HelmChartTest;
            #   regenerate with ./mvnw test -Dtest=HelmChartTest -Dcallgate.update-k8s=true
            # Create the Secrets first (docs/deployment.md): callgate-db (password) and
            #   callgate-whatsapp (app-secret, verify-token, access-token).
            """;
    private final YAMLMapper yaml = new YAMLMapper();

    private List<JsonNode> objects(String rendered) throws IOException {
        List<JsonNode> objects = new ArrayList<>();
        try (var values = yaml.readerFor(JsonNode.class).readValues(rendered)) {
            while (values.hasNext()) {
                JsonNode node = (JsonNode) values.next();
                if (node != null && !node.isNull() && !node.isEmpty()) {
                    objects.add(node);
                }
            }
        }
        return objects;
    }

    private static JsonNode kind(List<JsonNode> objects, String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).findFirst().orElse(null);
    }

    private static Map<String, JsonNode> env(JsonNode statefulSet) {
        return java.util.stream.StreamSupport.stream(statefulSet.path("spec").path("template").path("spec")
                        .path("containers").get(0).path("env").spliterator(), false)
                .collect(Collectors.toMap(e -> e.path("name").asText(), e -> e));
    }

    private static String render(Path valuesFile) {
        var template = new Helm(CHART).template().withName("callgate");
        if (valuesFile != null) {
            template = template.withValuesFile(valuesFile);
        }
        return template.call();
    }

    /** A copy of the chart whose values.yaml is the defaults overlaid with {@code overrides} (helm lint -f …). */
    private Path chartWith(Path overrides, Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(CHART)) {
            for (Path file : files.sorted(Comparator.naturalOrder()).toList()) {
                Path target = dir.resolve(CHART.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
        ObjectNode values = (ObjectNode) yaml.readTree(CHART.resolve("values.yaml").toFile());
        yaml.readerForUpdating(values).readValue(overrides.toFile());
        Files.writeString(dir.resolve("values.yaml"), yaml.writeValueAsString(values));
        return dir;
    }

    @Test
    void theChartLintsCleanWithTheDefaultsAndWithProductionValues(@TempDir Path dir) throws IOException {
        LintResult defaults = new Helm(CHART).lint().strict().call();
        assertThat(defaults.isFailed()).as(String.join("\n", defaults.getMessages())).isFalse();
        assertThat(defaults.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));

        LintResult production = new Helm(chartWith(PRODUCTION, dir)).lint().strict().call();
        assertThat(production.isFailed()).as(String.join("\n", production.getMessages())).isFalse();
        assertThat(production.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @Test
    void theChartLintsCleanWithTheDashboardAndTheAlertsOn(@TempDir Path dir) throws IOException {
        LintResult observability = new Helm(chartWith(OBSERVABILITY, dir)).lint().strict().call();
        assertThat(observability.isFailed()).as(String.join("\n", observability.getMessages())).isFalse();
        assertThat(observability.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    /** GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces as dashes. */
    static String anchor(String heading) {
        return heading.trim().toLowerCase().replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
    }

    @Test
    void withTheObservabilityValuesADashboardConfigMapForTheSidecarAndAPrometheusRuleWithRunbooksRender()
            throws IOException {
        List<JsonNode> objects = objects(render(OBSERVABILITY));
        assertThat(objects.stream().map(o -> o.path("kind").asText()).toList()).containsExactlyInAnyOrder(
                "StatefulSet", "Service", "Service", "PodDisruptionBudget", "ServiceMonitor", "ConfigMap",
                "PrometheusRule");

        // the dashboard: a ConfigMap the Grafana sidecar picks up, holding the JSON of dashboards/callgate.json
        JsonNode configMap = kind(objects, "ConfigMap");
        assertThat(configMap.path("metadata").path("namespace").asText()).isEqualTo("monitoring");
        assertThat(configMap.path("metadata").path("labels").path("grafana_dashboard").asText()).isEqualTo("1");
        assertThat(configMap.path("metadata").path("annotations").path("grafana_folder").asText())
                .isEqualTo("Callgate");
        JsonNode dashboard = new ObjectMapper().readTree(configMap.path("data").path("callgate.json").asText());
        assertThat(dashboard).isEqualTo(new ObjectMapper().readTree(CHART.resolve("dashboards/callgate.json").toFile()));
        assertThat(dashboard.path("uid").asText()).isEqualTo("callgate");
        assertThat(dashboard.path("templating").path("list").findValuesAsText("name"))
                .contains("datasource", "namespace", "pod");
        List<JsonNode> targets = dashboard.path("panels").findValues("targets").stream()
                .flatMap(t -> java.util.stream.StreamSupport.stream(t.spliterator(), false)).toList();
        assertThat(targets).hasSizeGreaterThan(15).allSatisfy(t -> {
            assertThat(t.path("expr").asText()).isNotBlank();
            assertThat(t.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
        });

        // the alerts: every one complete, its runbook a section of docs/operations.md
        JsonNode rule = kind(objects, "PrometheusRule");
        assertThat(rule.path("metadata").path("labels").path("release").asText()).isEqualTo("prometheus");
        List<JsonNode> rules = rule.path("spec").path("groups").findValues("rules").stream()
                .flatMap(r -> java.util.stream.StreamSupport.stream(r.spliterator(), false)).toList();
        assertThat(rules.stream().map(r -> r.path("alert").asText()).toList())
                .containsExactlyInAnyOrderElementsOf(ALERTS);
        java.util.Set<String> sections = Files.readAllLines(OPERATIONS).stream().filter(l -> l.startsWith("#"))
                .map(l -> anchor(l.replaceFirst("^#+", ""))).collect(Collectors.toSet());
        assertThat(sections).as("the heading the author keeps for the tracing part")
                .contains("following-one-call-timeline-trace-logs", "alerts-and-runbooks", "dashboard");
        for (JsonNode r : rules) {
            String alert = r.path("alert").asText();
            assertThat(r.path("expr").asText()).as(alert).isNotBlank().contains("job=\"callgate\"");
            assertThat(r.path("for").asText()).as(alert).matches("[0-9]+[smh]");
            assertThat(r.path("labels").path("severity").asText()).as(alert).isIn("critical", "warning");
            assertThat(r.path("labels").path("team").asText()).as(alert + ": alertLabels").isEqualTo("voice");
            assertThat(r.path("annotations").path("summary").asText()).as(alert).isNotBlank();
            assertThat(r.path("annotations").path("description").asText()).as(alert).isNotBlank()
                    .doesNotContain("<no value>");
            String runbook = r.path("annotations").path("runbook_url").asText();
            assertThat(runbook).as(alert).isEqualTo("https://git.example.com/callgate/blob/main/docs/operations.md#"
                    + alert.toLowerCase());
            assertThat(sections).as(alert + ": its section in docs/operations.md").contains(alert.toLowerCase());
        }
        // thresholds come from the values
        assertThat(rules.stream().filter(r -> "CallgateCallsPastDeadline".equals(r.path("alert").asText()))
                .findFirst().orElseThrow().path("expr").asText()).endsWith("> 60");

        // scraped once per pod: the headless Service (same labels, same port) is dropped
        JsonNode relabel = kind(objects, "ServiceMonitor").path("spec").path("endpoints").get(0).path("relabelings")
                .get(0);
        assertThat(relabel.path("sourceLabels").get(0).asText()).isEqualTo("__meta_kubernetes_service_name");
        assertThat(relabel.path("regex").asText()).isEqualTo("callgate-headless");
        assertThat(relabel.path("action").asText()).isEqualTo("drop");
    }

    @Test
    void theAlertsThresholdsAndSelectorAreValuesAndTheSchemaRefusesNonsenseForThem(@TempDir Path dir)
            throws IOException {
        Path values = Files.writeString(dir.resolve("alerts.yaml"), """
                prometheusRule:
                  enabled: true
                  selector: 'cluster="eu1"'
                  thresholds:
                    mediaCapacityRatio: 0.5
                """);
        String rendered = new Helm(CHART).template().withName("callgate").withValuesFile(values).call();
        JsonNode rule = kind(objects(rendered), "PrometheusRule");
        List<JsonNode> rules = rule.path("spec").path("groups").findValues("rules").stream()
                .flatMap(r -> java.util.stream.StreamSupport.stream(r.spliterator(), false)).toList();
        assertThat(rules).allSatisfy(r -> assertThat(r.path("expr").asText()).contains("{cluster=\"eu1\"")
                .doesNotContain("job="));
        assertThat(rules.stream().filter(r -> "CallgateMediaNearCapacity".equals(r.path("alert").asText()))
                .findFirst().orElseThrow().path("expr").asText()).endsWith("> 0.5");
        assertThat(rules).allSatisfy(r -> assertThat(r.path("annotations").path("runbook_url").asText())
                .startsWith("docs/operations.md#"));

        assertThatThrownBy(() -> new Helm(CHART).template().withName("callgate")
                .set("prometheusRule.thresholds.mediaCapacityRatio", "2").call())
                .hasMessageContaining("/prometheusRule/thresholds/mediaCapacityRatio");
        assertThatThrownBy(() -> new Helm(CHART).template().withName("callgate")
                .set("prometheusRule.thresholds.lagg", "5").call())
                .hasMessageContaining("/prometheusRule/thresholds");
        assertThatThrownBy(() -> new Helm(CHART).template().withName("callgate")
                .set("grafanaDashboard.namespace", "Not_A_Namespace").call())
                .hasMessageContaining("/grafanaDashboard/namespace");
    }

    @Test
    void tracingIsOffByDefaultAndOnItPassesTheStandardOpenTelemetryVariables() throws IOException {
        Map<String, JsonNode> defaults = env(kind(objects(render(null)), "StatefulSet"));
        assertThat(defaults.get("OTEL_SDK_DISABLED").path("value").asText()).isEqualTo("true");
        assertThat(defaults).doesNotContainKeys("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_TRACES_SAMPLER_ARG");
        assertThat(defaults.get("CALLGATE_LOG_JSON").path("value").asText()).isEqualTo("true");
        assertThat(defaults.get("CALLGATE_LOG_PHONE_NUMBERS").path("value").asText()).isEqualTo("false");

        Map<String, JsonNode> on = env(kind(objects(render(OBSERVABILITY)), "StatefulSet"));
        assertThat(on.get("OTEL_SDK_DISABLED").path("value").asText()).isEqualTo("false");
        assertThat(on.get("OTEL_EXPORTER_OTLP_ENDPOINT").path("value").asText())
                .isEqualTo("http://tempo.monitoring:4317");
        assertThat(on.get("OTEL_EXPORTER_OTLP_PROTOCOL").path("value").asText()).isEqualTo("grpc");
        assertThat(on.get("OTEL_TRACES_SAMPLER_ARG").path("value").asText()).isEqualTo("0.25");
        assertThat(on.get("OTEL_SERVICE_NAME").path("value").asText()).isEqualTo("callgate");
        assertThat(on.get("OTEL_RESOURCE_ATTRIBUTES").path("value").asText())
                .isEqualTo("deployment.environment=prod");
    }

    @Test
    void theDefaultsRenderAStatefulSetWithProbesSecretsFromReferencesAndADisruptionBudget() throws IOException {
        List<JsonNode> objects = objects(render(null));
        assertThat(objects.stream().map(o -> o.path("kind").asText()).toList())
                .containsExactlyInAnyOrder("StatefulSet", "Service", "Service", "PodDisruptionBudget");

        JsonNode sts = kind(objects, "StatefulSet");
        assertThat(sts.path("spec").path("replicas").asInt()).isEqualTo(2);
        assertThat(sts.path("spec").path("serviceName").asText()).isEqualTo("callgate-headless");
        JsonNode pod = sts.path("spec").path("template").path("spec");
        assertThat(pod.path("terminationGracePeriodSeconds").asInt()).isEqualTo(90);
        assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.has("hostNetwork")).isFalse();
        JsonNode container = pod.path("containers").get(0);
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/ready");
        assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/live");
        assertThat(container.path("startupProbe").path("httpGet").path("path").asText())
                .isEqualTo("/q/health/started");

        Map<String, JsonNode> env = env(sts);
        assertThat(env.get("CALLGATE_INSTANCE_ID").path("valueFrom").path("fieldRef").path("fieldPath").asText())
                .isEqualTo("metadata.name");
        assertThat(env.get("CALLGATE_WHATSAPP_APP_SECRET").path("valueFrom").path("secretKeyRef").path("name")
                .asText()).isEqualTo("callgate-whatsapp");
        assertThat(env.get("CALLGATE_CLOUDAPI_ACCESS_TOKEN").path("valueFrom").path("secretKeyRef").path("key")
                .asText()).isEqualTo("access-token");
        assertThat(env.get("CALLGATE_DB_PASSWORD").path("valueFrom").path("secretKeyRef").path("name").asText())
                .isEqualTo("callgate-db");
        assertThat(env.get("CALLGATE_CALLS_DRAIN_TIMEOUT").path("value").asText()).isEqualTo("60s");
        assertThat(env.get("CALLGATE_CALLS_RECYCLE_AT_RSS_MIB").path("value").asText()).as("below the memory limit")
                .isEqualTo("1792");
        assertThat(env.get("CALLGATE_MEDIA_UDP_PORT_MIN").path("value").asText()).isEqualTo("40000");
        assertThat(env.get("CALLGATE_KAFKA_TOPIC_COMMANDS").path("value").asText()).isEqualTo("callgate.commands");
        assertThat(env.get("CALLGATE_KAFKA_GROUP_WEBHOOKS").path("value").asText()).isEqualTo("callgate-call-events");
        assertThat(env).doesNotContainKeys("CALLGATE_API_KEY", "CALLGATE_MEDIA_ICE_SERVERS");
        // recordings go to a volume of their own (a claim per pod), capped and with a retention
        assertThat(env.get("CALLGATE_MEDIA_RECORDING_DIRECTORY").path("value").asText())
                .isEqualTo("/var/lib/callgate/recordings");
        assertThat(env.get("CALLGATE_MEDIA_RECORDING_MAX_DURATION").path("value").asText()).isEqualTo("2h");
        assertThat(env.get("CALLGATE_MEDIA_RECORDING_RETENTION").path("value").asText()).isEqualTo("30d");
        assertThat(container.path("volumeMounts").get(0).path("mountPath").asText())
                .isEqualTo("/var/lib/callgate/recordings");
        assertThat(sts.path("spec").path("volumeClaimTemplates").get(0).path("metadata").path("name").asText())
                .isEqualTo("recordings");
        // no secret value is ever rendered from the defaults
        assertThat(objects).noneMatch(o -> "Secret".equals(o.path("kind").asText()));
    }

    @Test
    void productionValuesRenderHostNetworkAutoscalingAndAServiceMonitor() throws IOException {
        List<JsonNode> objects = objects(render(PRODUCTION));
        assertThat(objects.stream().map(o -> o.path("kind").asText()).toList()).containsExactlyInAnyOrder(
                "StatefulSet", "Service", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler",
                "ServiceMonitor");
        JsonNode sts = kind(objects, "StatefulSet");
        assertThat(sts.path("spec").has("replicas")).as("the HPA owns the replica count").isFalse();
        JsonNode pod = sts.path("spec").path("template").path("spec");
        assertThat(pod.path("hostNetwork").asBoolean()).isTrue();
        assertThat(pod.path("dnsPolicy").asText()).isEqualTo("ClusterFirstWithHostNet");
        assertThat(pod.path("terminationGracePeriodSeconds").asInt()).isEqualTo(330);
        assertThat(pod.path("containers").get(0).path("image").asText())
                .isEqualTo("registry.example.com/callgate:0.1.0");
        Map<String, JsonNode> env = env(sts);
        assertThat(env.get("CALLGATE_API_KEY").path("valueFrom").path("secretKeyRef").path("name").asText())
                .isEqualTo("callgate-api");
        assertThat(env.get("CALLGATE_MEDIA_ICE_SERVERS").path("value").asText()).isEqualTo("stun:stun.example.org:3478");
        assertThat(env.get("CALLGATE_INCOMING_RECORD").path("value").asText()).isEqualTo("false");
        JsonNode hpa = kind(objects, "HorizontalPodAutoscaler");
        assertThat(hpa.path("spec").path("scaleTargetRef").path("kind").asText()).isEqualTo("StatefulSet");
        assertThat(hpa.path("spec").path("metrics").get(0).path("pods").path("metric").path("name").asText())
                .isEqualTo("callgate_media_calls");
        assertThat(kind(objects, "ServiceMonitor").path("metadata").path("labels").path("release").asText())
                .isEqualTo("prometheus");
    }

    @Test
    void inlineSecretsAreCreatedAndTheSchemaRefusesNonsense() throws IOException {
        String rendered = new Helm(CHART).template().withName("callgate").set("whatsapp.existingSecret", "")
                .set("whatsapp.appSecret", "s3cret").set("whatsapp.verifyToken", "v3rify")
                .set("whatsapp.accessToken", "t0ken").call();
        JsonNode secret = kind(objects(rendered), "Secret");
        assertThat(secret.path("metadata").path("name").asText()).isEqualTo("callgate-whatsapp");
        assertThat(secret.path("stringData").path("access-token").asText()).isEqualTo("t0ken");

        assertThatThrownBy(() -> new Helm(CHART).template().withName("callgate").set("whatsapp.existingSecret", "")
                .call()).hasMessageContaining("whatsapp.appSecret (or whatsapp.existingSecret) is required");
        assertThatThrownBy(() -> new Helm(CHART).template().withName("callgate").set("incoming.policy", "maybe")
                .call()).hasMessageContaining("/incoming/policy");
        assertThatThrownBy(() -> new Helm(CHART).template().withName("callgate").set("calls.deadAfter", "soon")
                .call()).hasMessageContaining("/calls/deadAfter");
        assertThatThrownBy(() -> new Helm(CHART).template().withName("callgate")
                .set("incoming.stream.url", "http://agent.example.com").call())
                .hasMessageContaining("/incoming/stream/url");
    }

    @Test
    void aVoiceAgentForIncomingCallsAndTheStreamSigningSecretArePassedOn() throws IOException {
        String rendered = new Helm(CHART).template().withName("callgate")
                .set("incoming.stream.url", "wss://agent.example.com/twilio").set("incoming.stream.protocol", "native")
                .set("incoming.stream.format", "pcm_24000").set("streams.existingSecret", "callgate-streams").call();
        Map<String, JsonNode> env = env(kind(objects(rendered), "StatefulSet"));
        assertThat(env.get("CALLGATE_INCOMING_STREAM_URL").path("value").asText())
                .isEqualTo("wss://agent.example.com/twilio");
        assertThat(env.get("CALLGATE_INCOMING_STREAM_PROTOCOL").path("value").asText()).isEqualTo("native");
        assertThat(env.get("CALLGATE_INCOMING_STREAM_FORMAT").path("value").asText()).isEqualTo("pcm_24000");
        assertThat(env.get("CALLGATE_INCOMING_STREAM_ON_CLOSE").path("value").asText()).isEqualTo("hangup");
        assertThat(env.get("CALLGATE_STREAMS_SIGNING_SECRET").path("valueFrom").path("secretKeyRef").path("name")
                .asText()).isEqualTo("callgate-streams");
        // by default: no agent, unsigned upgrades
        assertThat(env(kind(objects(render(null)), "StatefulSet")))
                .doesNotContainKeys("CALLGATE_INCOMING_STREAM_URL", "CALLGATE_STREAMS_SIGNING_SECRET");
    }

    @Test
    void thePlainManifestsAreTheChartsDefaultRendering() throws IOException {
        String expected = MANIFEST_HEADER + render(null).replaceAll("(?m)^# Source: .*\\n", "");
        if (Boolean.getBoolean("callgate.update-k8s")) {
            Files.writeString(MANIFESTS, expected);
        }
        assertThat(Files.readString(MANIFESTS)).as("k8s/callgate.yaml is out of date: regenerate it (see its header)")
                .isEqualTo(expected);
    }
}
