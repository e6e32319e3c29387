package dev.callgate.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import dev.callgate.support.CloudEvents;
import dev.callgate.support.Commands;
import dev.callgate.support.Database;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.LiveCalls;
import dev.callgate.support.SimulatorAdminClient;
import dev.callgate.support.WebhookTopic;
import dev.callgate.support.Webhooks;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The chart's Grafana dashboard and PrometheusRule query what the service really exports: the service is driven so
 * its meters exist (a call placed and hung up while Meta does not take the terminate, a connect Meta refuses with a
 * 138xxx code, a webhook with a bad signature, a command that goes to the DLQ), {@code /q/metrics} is scraped, and
 * every metric name in every dashboard query and every alert expression must be in the scrape. A renamed meter, or a
 * typo in a query, fails here instead of showing an empty panel or an alert that can never fire. Also the meters added
 * for the alerts: the census of open calls and their overdue deadlines, terminates ended unconfirmed, DLQ records.
 */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class MonitoringQueriesTest {

    static final Path DASHBOARD = HelmChartTest.CHART.resolve("dashboards/callgate.json");

    /** PromQL words that look like metric names but are not (functions are told apart by their parenthesis). */
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "and", "or", "unless", "offset", "inf", "nan");
    /** An identifier not glued to a number (5m, 1e3), and whether a parenthesis follows (a function call). */
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");
    /** Grafana's {@code label_values([selector,] label)}: only the selector names a metric. */
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\((?:(.*),)?\\s*\\w+\\s*\\)\\s*$");

    @Inject
    MeterRegistry registry;

    /**
     * The metric names a PromQL expression reads: identifiers that are not functions, keywords, label names (inside
     * {@code {…}}, {@code by/without/on/ignoring/group_*(…)}), strings, durations or Grafana variables.
     */
    static Set<String> metricNames(String expr) {
        String e = expr
                .replaceAll("\\$\\{[^}]*}", "1")            // ${datasource}, ${namespace:regex}
                .replaceAll("\\$\\w+", "1")                 // $pod, $__rate_interval
                .replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"") // string literals (label values, regexes)
                .replaceAll("'(?:[^'\\\\]|\\\\.)*'", "''")
                .replaceAll("`[^`]*`", "``")
                .replaceAll("\\{[^}]*}", " ")               // label matchers
                .replaceAll("\\[[^]]*]", " ")               // ranges, subqueries
                .replaceAll("(?i)\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(e);
        while (m.find()) {
            if (m.group(2) == null && !KEYWORDS.contains(m.group(1).toLowerCase())) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /** The metric names a Grafana variable's query reads ({@code label_values(…)}, {@code query_result(…)}). */
    static Set<String> variableMetricNames(String query) {
        Matcher labelValues = LABEL_VALUES.matcher(query);
        if (labelValues.matches()) {
            return labelValues.group(1) == null ? Set.of() : metricNames(labelValues.group(1));
        }
        Matcher result = Pattern.compile("^\\s*query_result\\((.*)\\)\\s*$").matcher(query);
        return result.matches() ? metricNames(result.group(1)) : metricNames(query);
    }

    /** Every PromQL query of the dashboard, by where it is: panel targets and template variables. */
    static Map<String, Set<String>> dashboardQueries() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        Map<String, Set<String>> queries = new LinkedHashMap<>();
        List<JsonNode> panels = new ArrayList<>();
        dashboard.path("panels").forEach(panels::add);
        for (int i = 0; i < panels.size(); i++) { // rows may hold panels of their own
            panels.get(i).path("panels").forEach(panels::add);
        }
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                queries.put("panel '" + panel.path("title").asText() + "' " + target.path("refId").asText() + ": "
                        + expr, metricNames(expr));
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if ("query".equals(variable.path("type").asText())) {
                JsonNode q = variable.path("query");
                String query = q.isObject() ? q.path("query").asText() : q.asText();
                queries.put("variable " + variable.path("name").asText() + ": " + query, variableMetricNames(query));
            }
        }
        return queries;
    }

    /** Every alert of the PrometheusRule the chart renders with the observability values, by alert name. */
    static Map<String, Set<String>> alertExpressions() throws IOException {
        String rendered = new Helm(HelmChartTest.CHART).template().withName("callgate")
                .withValuesFile(HelmChartTest.OBSERVABILITY).call();
        Map<String, Set<String>> alerts = new LinkedHashMap<>();
        try (var docs = new YAMLMapper().readerFor(JsonNode.class).readValues(rendered)) {
            while (docs.hasNext()) {
                JsonNode doc = (JsonNode) docs.next();
                if (doc != null && "PrometheusRule".equals(doc.path("kind").asText())) {
                    for (JsonNode group : doc.path("spec").path("groups")) {
                        for (JsonNode rule : group.path("rules")) {
                            String expr = rule.path("expr").asText();
                            alerts.put("alert " + rule.path("alert").asText() + ": " + expr, metricNames(expr));
                        }
                    }
                }
            }
        }
        return alerts;
    }

    /** The metric names of a Prometheus scrape (each sample line's name, before its labels or value). */
    static Set<String> scrapedNames(String scrape) {
        return scrape.lines().filter(l -> !l.isBlank() && !l.startsWith("#"))
                .map(l -> l.split("[{ ]", 2)[0]).collect(Collectors.toCollection(TreeSet::new));
    }

    /** The queries naming a metric the scrape does not hold, with the names missing. */
    static Map<String, Set<String>> missing(Map<String, Set<String>> queries, Set<String> scraped) {
        Map<String, Set<String>> missing = new LinkedHashMap<>();
        queries.forEach((where, names) -> {
            Set<String> absent = names.stream().filter(n -> !scraped.contains(n))
                    .collect(Collectors.toCollection(TreeSet::new));
            if (!absent.isEmpty()) {
                missing.put(where, absent);
            }
        });
        return missing;
    }

    private double count(String name, String... tags) {
        var counter = registry.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    private double gauge(String name, String... tags) {
        var gauge = registry.find(name).tags(tags).gauge();
        return gauge == null ? Double.NaN : gauge.value();
    }

    @Test
    void theExtractorFindsMetricNamesAndNothingElse() {
        assertThat(metricNames("histogram_quantile(0.99, sum by (le, pod) (rate(callgate_call_setup_seconds_bucket"
                + "{namespace=~\"$namespace\", pod=~\"${pod:regex}\"}[$__rate_interval])))"))
                .containsExactly("callgate_call_setup_seconds_bucket");
        assertThat(metricNames("max by (pod) (callgate_media_calls) / on (pod) group_left max by (pod) "
                + "(callgate_media_capacity) > 0.85 and increase(callgate_x_total[10m] offset 5m) > bool 1e3"))
                .containsExactly("callgate_media_calls", "callgate_media_capacity", "callgate_x_total");
        assertThat(variableMetricNames("label_values(callgate_media_calls{namespace=\"$namespace\"}, pod)"))
                .containsExactly("callgate_media_calls");
        assertThat(variableMetricNames("label_values(namespace)")).isEmpty();
    }

    @Test
    void aQueryNamingAMetricTheServiceDoesNotExportIsReported() {
        Set<String> scraped = scrapedNames(given().get("/q/metrics").then().statusCode(200).extract().asString());
        Map<String, Set<String>> queries = Map.of(
                "real", metricNames("sum(callgate_media_calls) / sum(callgate_media_capacity)"),
                "typo", metricNames("sum(callgate_media_calls) / sum(callgate_media_capacities)"));
        assertThat(missing(queries, scraped)).containsOnlyKeys("typo")
                .containsEntry("typo", Set.of("callgate_media_capacities"));
    }

    @Test
    void everyDashboardQueryAndEveryAlertNamesAMetricTheServiceExports() throws Exception {
        SimulatorAdminClient.reset();
        double unconfirmedBefore = count("callgate.calls.terminate.unconfirmed");
        double commandsDeadBefore = count("callgate.consumer.dead.lettered", "channel", "commands-in");

        // the ingress refuses a webhook whose signature is wrong
        Webhooks.post("{}".getBytes(), "sha256=" + "0".repeat(64)).statusCode(401);

        try (WebhookTopic events = new WebhookTopic("callgate.events");
             WebhookTopic commandsDlq = new WebhookTopic("callgate.commands.dlq")) {
            // a command that cannot be read goes to the DLQ, counted
            String badRef = "monitoring-bad-" + UUID.randomUUID();
            Commands.send(badRef, "{\"type\":\"call.initiate\",\"callRef\":\"" + badRef + "\"}");
            commandsDlq.await(r -> badRef.equals(r.key()), 1);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    count("callgate.consumer.dead.lettered", "channel", "commands-in"))
                    .isGreaterThanOrEqualTo(commandsDeadBefore + 1));

            // Meta refuses a connect with a Calling API code (138xxx): the call fails, the Graph error is counted
            SimulatorAdminClient.fault("connect", 400, 138001, 0, 1);
            String refused = "monitoring-refused-" + UUID.randomUUID();
            Commands.send(refused, Commands.initiate(UUID.randomUUID().toString(), refused, Webhooks.PHONE_NUMBER_ID,
                    Webhooks.newUser(), null));
            events.await(r -> refused.equals(r.key()) && r.value().contains("\"dev.callgate.call.ended\""), 1,
                    Duration.ofSeconds(30));
            assertThat(count("callgate.cloudapi.requests", "action", "connect", "outcome", "graph_error",
                    "code", "138001")).isPositive();

            // a call up: the census counts it ACTIVE; then our hang-up, which Meta does not take (503s): the
            // terminate grace ends it unconfirmed while the terminate is retried
            String ref = LiveCalls.place(events, 1, "monitoring-").get(0);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(gauge("callgate.calls.open", "state", "active")).isGreaterThanOrEqualTo(1));
            SimulatorAdminClient.fault("terminate", 503, 131000, 0, 1000);
            Commands.send(ref, Commands.terminate("end-" + UUID.randomUUID(), ref));
            var ended = events.await(r -> ref.equals(r.key()) && r.value().contains("\"dev.callgate.call.ended\""),
                    1, Duration.ofSeconds(60)).get(0);
            assertThat(CloudEvents.data(ended).path("terminateConfirmed").asBoolean(true)).isFalse();
            // at least this call's (the 503s strike any call of this app hung up meanwhile, and count too)
            assertThat(count("callgate.calls.terminate.unconfirmed")).isGreaterThanOrEqualTo(unconfirmedBefore + 1);
            assertThat(count("callgate.call.effects.retries", "kind", "terminate")).isPositive();
        } finally {
            SimulatorAdminClient.reset(); // the terminate goes through at its next retry
        }

        String scrape = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Files.writeString(Path.of("target/monitoring-scrape.txt"), scrape); // what was there, when this fails
        Set<String> scraped = scrapedNames(scrape);

        Map<String, Set<String>> dashboard = dashboardQueries();
        Map<String, Set<String>> alerts = alertExpressions();
        assertThat(dashboard).as("the dashboard's queries").hasSizeGreaterThan(15);
        assertThat(alerts).as("the alerts").hasSizeGreaterThanOrEqualTo(8);
        assertThat(dashboard.values()).as("every query reads a metric").allSatisfy(n -> assertThat(n).isNotEmpty());
        assertThat(alerts.values()).as("every alert reads a metric").allSatisfy(n -> assertThat(n).isNotEmpty());
        Map<String, Set<String>> all = new LinkedHashMap<>(dashboard);
        all.putAll(alerts);
        assertThat(missing(all, scraped)).as("dashboard queries and alert expressions naming metrics /q/metrics does "
                + "not have (see target/monitoring-scrape.txt)").isEmpty();
    }

    @Test
    void aDeadlineThatCannotFireShowsAsOverdueUntilItIsGone() {
        // an open call whose row cannot be loaded (a direction no build knows): its max-duration timer, due five
        // minutes ago, fails to fire every time the poller takes it — the call stays open past its deadline
        UUID id = UUID.randomUUID();
        Database.execute("insert into calls (id, phone_number_id, direction, state, created_at) "
                + "values (?, ?, 'NOT_A_DIRECTION', 'ACTIVE', now() - interval '3 hours')", id, Webhooks.PHONE_NUMBER_ID);
        try {
            Database.execute("insert into call_timers (call_id, timer, fire_at) "
                    + "values (?, 'MAX_DURATION', now() - interval '5 minutes')", id);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(gauge("callgate.calls.overdue")).isBetween(299.0, 400.0));
        } finally {
            Database.execute("delete from calls where id = ?", id); // its timer goes with it (on delete cascade)
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(gauge("callgate.calls.overdue")).as("no deadline long past").isLessThan(60.0));
    }
}
