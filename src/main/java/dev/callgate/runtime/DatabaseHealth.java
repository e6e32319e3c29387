package dev.callgate.runtime;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.health.api.HealthGroup;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheckResponse;

import java.time.Duration;

/**
 * PostgreSQL's reachability, shown at {@code /q/health/group/database} — deliberately not part of readiness: while a
 * managed database fails over (30–120 s) every pod would leave the Service, and Meta's webhook deliveries would fail
 * at the load balancer instead of waiting safely in Kafka. The ingress needs Kafka alone; the consumers retry.
 */
@HealthGroup("database")
@ApplicationScoped
public class DatabaseHealth implements AsyncHealthCheck {

    private final Pool pool;

    public DatabaseHealth(Pool pool) {
        this.pool = pool;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return pool.query("select 1").execute()
                .ifNoItem().after(Duration.ofSeconds(3)).fail()
                .map(rows -> HealthCheckResponse.named("PostgreSQL").up().build())
                .onFailure().recoverWithItem(failure -> HealthCheckResponse.named("PostgreSQL").down()
                        .withData("error", String.valueOf(failure.getMessage())).build());
    }
}
