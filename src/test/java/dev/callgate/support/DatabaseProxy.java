package dev.callgate.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.net.URI;
import java.util.Map;

/**
 * Puts a {@link TcpProxy} between the service's reactive datasource and the test database, so a test can cut
 * PostgreSQL off as the service sees it ({@link #cut()}, {@link #restore()}). Only for the test class that names it
 * ({@code @WithTestResource(DatabaseProxy.class)}): other classes keep their direct connection. Flyway (JDBC, at
 * start-up) and the tests' own reads ({@link Database}) go straight to PostgreSQL.
 */
public class DatabaseProxy implements QuarkusTestResourceLifecycleManager {

    /** As in application.properties: {@code %test.quarkus.datasource.reactive.url}. */
    private static final String DEFAULT_URL = "postgresql://127.0.0.1:5432/callgate_test";

    private static volatile TcpProxy proxy;

    @Override
    public Map<String, String> start() {
        String configured = System.getenv().getOrDefault("CALLGATE_TEST_DB_URL", DEFAULT_URL);
        URI direct = URI.create(configured);
        proxy = TcpProxy.start(direct.getHost(), direct.getPort() < 0 ? 5432 : direct.getPort());
        String viaProxy = direct.getScheme() + "://127.0.0.1:" + proxy.port() + direct.getRawPath()
                + (direct.getRawQuery() == null ? "" : "?" + direct.getRawQuery());
        return Map.of("quarkus.datasource.reactive.url", viaProxy,
                "%test.quarkus.datasource.reactive.url", viaProxy);
    }

    @Override
    public void stop() {
        if (proxy != null) {
            proxy.close();
            proxy = null;
        }
    }

    /** PostgreSQL is gone for the service: its connections are closed, new ones refused. */
    public static void cut() {
        proxy.cut();
    }

    /** PostgreSQL is back. */
    public static void restore() {
        proxy.restore();
    }
}
