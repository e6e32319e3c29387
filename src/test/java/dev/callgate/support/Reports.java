package dev.callgate.support;

import io.restassured.path.json.JsonPath;

/**
 * Numbers read from a JSON report (a call view, a simulator report) that may not carry them yet. {@code null} for a
 * missing field, so that an AssertJ assertion inside Awaitility's {@code untilAsserted} fails as an assertion (and is
 * retried) instead of a {@link NullPointerException} ending the wait at once.
 */
public final class Reports {

    private Reports() {
    }

    public static Double number(JsonPath report, String path) {
        Object value = report.get(path);
        return value == null ? null : ((Number) value).doubleValue();
    }

    public static Long count(JsonPath report, String path) {
        Object value = report.get(path);
        return value == null ? null : ((Number) value).longValue();
    }
}
