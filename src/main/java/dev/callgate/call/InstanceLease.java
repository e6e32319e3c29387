package dev.callgate.call;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;

/**
 * One process per instance id. The process running as an instance holds a PostgreSQL session-level advisory lock on
 * its id over a connection of its own: PostgreSQL releases it the moment that process dies (its socket closes), so a
 * restarted process takes the id over at once, while a second process started with the id of a live one waits at
 * most {@code dead-after} and then refuses to run — it would otherwise end the live one's calls as media lost.
 * When the lease's connection breaks (a database outage) it is taken again once PostgreSQL is back; if another
 * process holds it by then, this one has been fenced and must stop.
 */
@ApplicationScoped
public class InstanceLease {

    private static final Logger LOG = Logger.getLogger(InstanceLease.class);

    private final Pool pool;
    private final Instance instance;
    private final CallConfig config;
    private volatile SqlConnection held;
    private volatile boolean fenced;

    public InstanceLease(Pool pool, Instance instance, CallConfig config) {
        this.pool = pool;
        this.instance = instance;
        this.config = config;
    }

    /**
     * Before anything else starts (consumers, recovery): the lease, or the process does not start — a twin must not
     * consume a single record under a live instance's name.
     */
    void onStart(@jakarta.enterprise.event.Observes @jakarta.annotation.Priority(
            jakarta.interceptor.Interceptor.Priority.PLATFORM_BEFORE) io.quarkus.runtime.StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        try {
            acquire(config.deadAfter()).await().atMost(config.deadAfter().plusSeconds(10));
        } catch (RuntimeException e) {
            LOG.errorf("instance %s: %s", instance.id(), e.getMessage());
            throw e;
        }
        LOG.infof("instance %s: lease taken", instance.id());
    }

    /** Takes the lease, trying every second for up to {@code patience}; fails if another live process holds it. */
    Uni<Void> acquire(Duration patience) {
        return tryAcquire()
                .chain(taken -> taken ? Uni.createFrom().voidItem()
                        : Uni.createFrom().failure(new IllegalStateException("held elsewhere")))
                .onFailure().retry().withBackOff(Duration.ofSeconds(1), Duration.ofSeconds(1))
                .expireIn(Math.max(1000, patience.toMillis()))
                .onFailure().transform(e -> new IllegalStateException("another live process runs as instance '"
                        + instance.id() + "' (it holds its lease in PostgreSQL); set CALLGATE_INSTANCE_ID to a "
                        + "name of its own for this one", e));
    }

    /**
     * Keeps the lease: re-takes it after its connection broke. Fails when another process took it meanwhile — this
     * process is fenced.
     */
    Uni<Void> renew() {
        if (fenced) {
            return Uni.createFrom().failure(new Fenced("this process was fenced: another one runs as instance '"
                    + instance.id() + "'"));
        }
        if (held != null) {
            return Uni.createFrom().voidItem();
        }
        return tryAcquire().chain(taken -> {
            if (taken) {
                LOG.infof("instance %s: lease taken again after its connection broke", instance.id());
                return Uni.createFrom().voidItem();
            }
            fenced = true;
            return Uni.createFrom().failure(new Fenced("another process took over instance '"
                    + instance.id() + "' while this one could not reach PostgreSQL"));
        });
    }

    public boolean held() {
        return held != null;
    }

    private Uni<Boolean> tryAcquire() {
        return pool.getConnection().chain(connection -> connection
                .preparedQuery("select pg_try_advisory_lock(hashtext($1)) as taken")
                .execute(Tuple.of("callgate:instance:" + instance.id()))
                .map(rows -> rows.iterator().next().getBoolean("taken"))
                .chain(taken -> {
                    if (!taken) {
                        return connection.close().replaceWith(false);
                    }
                    connection.closeHandler(() -> {
                        LOG.warnf("instance %s: the connection holding its lease closed", instance.id());
                        held = null;
                    });
                    held = connection;
                    return Uni.createFrom().item(true);
                })
                .onFailure().call(e -> connection.close()));
    }

    /** Another process holds this instance's lease: this one must stop acting for the instance. */
    static final class Fenced extends IllegalStateException {
        Fenced(String message) {
            super(message);
        }
    }
}
