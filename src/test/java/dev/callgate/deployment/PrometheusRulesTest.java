package dev.callgate.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import dev.callgate.support.Commands;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.PrometheusServer;
import dev.callgate.support.WebhookTopic;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;

import static dev.callgate.support.PrometheusServer.JOB;
import static dev.callgate.support.PrometheusServer.NAMESPACE;
import static dev.callgate.support.PrometheusServer.POD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The chart's alerts and dashboard in a real Prometheus (2.42, Debian's) scraping this service: the rendered
 * PrometheusRule's groups pass {@code promtool check rules}, load, and every rule evaluates without error; a command
 * sent to the DLQ fires {@code CallgateCommandsDeadLettered} with its labels and runbook, while the webhooks' sibling
 * stays quiet. Every dashboard query, its Grafana variables filled in, runs without error, and the variables' queries
 * find this service's namespace, job and pod. {@link MonitoringQueriesTest} checks the metric names against a scrape;
 * this checks the PromQL itself, and that alerts fire.
 */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class PrometheusRulesTest {

    private static final YAMLMapper YAML = new YAMLMapper();

    /**
     * The PrometheusRule's groups as a rule file: the chart rendered with the observability values, its selector
     * this scrape's job (as {@code prometheusRule.selector} would be set for a Prometheus that names jobs otherwise).
     */
    static String ruleFile(Path dir) throws IOException {
        ObjectNode values = (ObjectNode) YAML.readTree(HelmChartTest.OBSERVABILITY.toFile());
        ((ObjectNode) values.path("prometheusRule")).put("selector", "job=\"" + JOB + "\"");
        Path file = dir.resolve("values.yaml");
        YAML.writeValue(file.toFile(), values);
        String rendered = new Helm(HelmChartTest.CHART).template().withName("callgate").withValuesFile(file).call();
        try (var docs = YAML.readerFor(JsonNode.class).readValues(rendered)) {
            while (docs.hasNext()) {
                JsonNode doc = (JsonNode) docs.next();
                if (doc != null && "PrometheusRule".equals(doc.path("kind").asText())) {
                    ObjectNode rules = YAML.createObjectNode();
                    rules.set("groups", doc.path("spec").path("groups"));
                    return YAML.writeValueAsString(rules);
                }
            }
        }
        throw new AssertionError("the chart rendered no PrometheusRule with " + HelmChartTest.OBSERVABILITY);
    }

    private static double value(JsonNode answer) {
        JsonNode result = answer.path("data").path("result");
        return result.isEmpty() ? Double.NaN : Double.parseDouble(result.get(0).path("value").get(1).asText());
    }

    /** {@code series} with this scrape's job among its matchers. */
    private static String ofThisJob(String series) {
        int brace = series.indexOf('{');
        return brace < 0 ? series + "{job=\"" + JOB + "\"}"
                : series.substring(0, brace + 1) + "job=\"" + JOB + "\", " + series.substring(brace + 1);
    }

    private static List<JsonNode> rules(PrometheusServer prometheus) {
        List<JsonNode> rules = new ArrayList<>();
        prometheus.api("rules", null, null).path("data").path("groups")
                .forEach(group -> group.path("rules").forEach(rules::add));
        return rules;
    }

    private static List<JsonNode> firing(PrometheusServer prometheus, String alert) {
        return StreamSupport.stream(prometheus.api("alerts", null, null).path("data").path("alerts").spliterator(),
                        false)
                .filter(a -> alert.equals(a.path("labels").path("alertname").asText())
                        && "firing".equals(a.path("state").asText()))
                .toList();
    }

    @Test
    void theAlertsPassPromtoolLoadEvaluateAndTheDeadLetterAlertFiresForADeadLetteredCommand() throws Exception {
        Path dir = Files.createTempDirectory("prometheus-rules-");
        String rules = ruleFile(dir);
        Files.writeString(dir.resolve("checked.yml"), rules);
        Process check = new ProcessBuilder(PrometheusServer.tool("promtool"), "check", "rules",
                dir.resolve("checked.yml").toString()).redirectErrorStream(true).start();
        String checked = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(check.waitFor()).as(checked).isZero();
        assertThat(checked).contains("SUCCESS: " + HelmChartTest.ALERTS.size() + " rules found");

        try (PrometheusServer prometheus = PrometheusServer.start(rules, RestAssured.port, dir);
             WebhookTopic commandsDlq = new WebhookTopic("callgate.commands.dlq")) {
            assertThat(rules(prometheus)).extracting(r -> r.path("name").asText())
                    .containsExactlyInAnyOrderElementsOf(HelmChartTest.ALERTS);
            // the counters the alerts read with increase() exist before their first event, or that event would be
            // lost to the alert (a series appearing at 1 shows no increase); likewise the gauges they read
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(List.of(
                    "callgate_consumer_dead_lettered_total{channel=\"commands-in\"}",
                    "callgate_consumer_dead_lettered_total{channel=\"webhooks-in\"}",
                    "callgate_calls_terminate_unconfirmed_total", "callgate_call_effects_abandoned_total",
                    "callgate_calls_overdue_seconds", "callgate_media_calls", "callgate_media_capacity"))
                    .allSatisfy(series -> assertThat(value(prometheus.query(ofThisJob(series)))).as(series)
                            .isNotNaN()));
            // scraped twice at least before the record: increase() needs a sample from before it
            String deadLettered = ofThisJob("callgate_consumer_dead_lettered_total{channel=\"commands-in\"}");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(value(prometheus.query("count_over_time(" + deadLettered + "[1m])")))
                            .as("samples of %s: %s", deadLettered, prometheus.query(deadLettered))
                            .isGreaterThanOrEqualTo(2));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(rules(prometheus))
                    .as("every alert evaluated, none with an error").allSatisfy(rule -> {
                        assertThat(rule.path("health").asText()).as(rule.toString()).isEqualTo("ok");
                        assertThat(rule.path("lastEvaluation").asText()).doesNotStartWith("0001-");
                    }));
            assertThat(firing(prometheus, "CallgateCommandsDeadLettered")).isEmpty();

            String badRef = "prometheus-bad-" + UUID.randomUUID();
            Commands.send(badRef, "{\"type\":\"call.initiate\",\"callRef\":\"" + badRef + "\"}");
            commandsDlq.await(r -> badRef.equals(r.key()), 1);

            await().atMost(Duration.ofSeconds(30)).until(() ->
                    !firing(prometheus, "CallgateCommandsDeadLettered").isEmpty());
            JsonNode alert = firing(prometheus, "CallgateCommandsDeadLettered").get(0);
            assertThat(alert.path("labels").path("severity").asText()).isEqualTo("warning");
            assertThat(alert.path("labels").path("team").asText()).as("the alertLabels value").isEqualTo("voice");
            assertThat(alert.path("labels").path("namespace").asText()).isEqualTo(NAMESPACE);
            assertThat(alert.path("annotations").path("runbook_url").asText())
                    .endsWith("docs/operations.md#callgatecommandsdeadlettered");
            assertThat(alert.path("annotations").path("description").asText())
                    .as("the value rendered into the text").doesNotContain("{{").contains("command(s)");
            assertThat(firing(prometheus, "CallgateWebhooksDeadLettered")).as("the webhooks' DLQ got nothing")
                    .isEmpty();
        }
    }

    /** Every panel query of the dashboard, by panel title and ref id. */
    static Map<String, String> panelQueries() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(MonitoringQueriesTest.DASHBOARD.toFile());
        List<JsonNode> panels = new ArrayList<>();
        dashboard.path("panels").forEach(panels::add);
        for (int i = 0; i < panels.size(); i++) {
            panels.get(i).path("panels").forEach(panels::add);
        }
        Map<String, String> queries = new LinkedHashMap<>();
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                queries.put(panel.path("title").asText() + " " + target.path("refId").asText(),
                        target.path("expr").asText());
            }
        }
        return queries;
    }

    /** A Grafana query with its variables as Grafana fills them in for this service. */
    static String filledIn(String query) {
        Map<String, String> variables = Map.of("namespace", NAMESPACE, "job", JOB, "pod", POD,
                "__rate_interval", "1m", "__interval", "15s", "__range", "1h");
        Matcher m = Pattern.compile("\\$\\{(\\w+)(?::\\w+)?}|\\$(\\w+)").matcher(query);
        StringBuilder filled = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            String value = variables.get(name);
            if (value == null) {
                throw new AssertionError("a variable this test does not know: $" + name + " in " + query);
            }
            m.appendReplacement(filled, Matcher.quoteReplacement(value));
        }
        m.appendTail(filled);
        return filled.toString();
    }

    @Test
    void everyDashboardQueryRunsInPrometheusAndItsVariablesFindThisService() throws Exception {
        Path dir = Files.createTempDirectory("prometheus-dashboard-");
        try (PrometheusServer prometheus = PrometheusServer.start("groups: []\n", RestAssured.port, dir)) {
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    value(prometheus.query("up{job=\"" + JOB + "\"}")) == 1);

            Map<String, String> queries = panelQueries();
            assertThat(queries).hasSizeGreaterThan(15);
            Map<String, String> refused = new LinkedHashMap<>();
            queries.forEach((panel, expr) -> {
                JsonNode answer = prometheus.query(filledIn(expr));
                if (!"success".equals(answer.path("status").asText())) {
                    refused.put(panel + ": " + expr, answer.path("error").asText());
                }
            });
            assertThat(refused).as("dashboard queries Prometheus refused").isEmpty();

            // the variables: label_values(<selector>, <label>) — the selector's series carry this service's label
            JsonNode dashboard = new ObjectMapper().readTree(MonitoringQueriesTest.DASHBOARD.toFile());
            Map<String, String> expected = Map.of("namespace", NAMESPACE, "job", JOB, "pod", POD);
            Pattern labelValues = Pattern.compile("^\\s*label_values\\((.*),\\s*(\\w+)\\s*\\)\\s*$");
            int checked = 0;
            for (JsonNode variable : dashboard.path("templating").path("list")) {
                if (!"query".equals(variable.path("type").asText())) {
                    continue;
                }
                JsonNode q = variable.path("query");
                String query = q.isObject() ? q.path("query").asText() : q.asText();
                Matcher m = labelValues.matcher(query);
                assertThat(m.matches()).as("a label_values() query: " + query).isTrue();
                JsonNode series = prometheus.api("series", "match[]", filledIn(m.group(1)));
                assertThat(series.path("status").asText()).as(query).isEqualTo("success");
                assertThat(StreamSupport.stream(series.path("data").spliterator(), false)
                        .map(s -> s.path(m.group(2)).asText()).toList())
                        .as("variable " + variable.path("name").asText()).contains(expected.get(m.group(2)));
                checked++;
            }
            assertThat(checked).as("the namespace, job and pod variables").isEqualTo(3);
        }
    }
}
