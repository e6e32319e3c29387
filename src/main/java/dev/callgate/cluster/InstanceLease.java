package dev.callgate.cluster;

import dev.callgate.call.CallConfig;

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
    private final io.vertx.core.Vertx vertx;
    private dev.callgate.runtime.Periodic keeper;
    private volatile SqlConnection held;
    private volatile boolean fenced;
    private final java.util.concurrent.atomic.AtomicBoolean renewing = new java.util.concurrent.atomic.AtomicBoolean();
    /** Who hears the notifications of {@link #MEDIA_COMMANDS_CHANNEL} (their payload: the instance id they are for). */
    private final java.util.List<java.util.function.Consumer<String>> mediaCommandListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    /**
     * The PostgreSQL notification channel a media command's insert notifies (payload: its owner's instance id), in the
     * inserting transaction: delivered at its commit, so the owner claims the row at once instead of at its next poll.
     */
    public static final String MEDIA_COMMANDS_CHANNEL = "callgate_media_commands";
    /** Names this process's lease sessions in {@code pg_stat_activity} (application_name, at most 63 bytes). */
    private final String processTag = "callgate-lease-" + java.util.UUID.randomUUID();

    public InstanceLease(Pool pool, Instance instance, CallConfig config, io.vertx.core.Vertx vertx) {
        this.vertx = vertx;
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
        long epoch = newEpoch().await().atMost(Duration.ofSeconds(30));
        instance.epoch(epoch);
        LOG.infof("instance %s: lease taken, epoch %d", instance.id(), epoch);
        keeper = dev.callgate.runtime.Periodic.every(vertx, config.heartbeatInterval(), "instance lease",
                () -> renew().onFailure(Fenced.class).invoke(e -> {
                    // another process runs as this instance now: this one must not act for it
                    LOG.errorf("instance %s: %s; stopping", instance.id(), e.getMessage());
                    io.quarkus.runtime.Quarkus.asyncExit(1);
                }));
    }

    void onStop(@jakarta.enterprise.event.Observes io.quarkus.runtime.ShutdownEvent event) {
        if (keeper != null) {
            keeper.cancel();
        }
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
     * Keeps the lease: checks on its own connection that PostgreSQL still has the lock there, and takes it again after
     * the connection broke. A lock still held by a stale session of this same process (its socket died on our side
     * only) is released by ending that session. Fails with {@link Fenced} only when another process holds it. One
     * renewal at a time.
     */
    Uni<Void> renew() {
        if (fenced) {
            return Uni.createFrom().failure(new Fenced("this process was fenced: another one runs as instance '"
                    + instance.id() + "'"));
        }
        if (!renewing.compareAndSet(false, true)) {
            return Uni.createFrom().voidItem();
        }
        return stillHeld().chain(held -> held ? Uni.createFrom().voidItem() : retake())
                .eventually(() -> renewing.set(false));
    }

    /** Whether the lease's connection still holds the lock (false: no connection, or it broke, or the lock is gone). */
    private Uni<Boolean> stillHeld() {
        SqlConnection connection = held;
        if (connection == null) {
            return Uni.createFrom().item(false);
        }
        return connection.query("select count(*) as n from pg_locks where locktype = 'advisory' and granted"
                        + " and pid = pg_backend_pid()").execute()
                .map(rows -> rows.iterator().next().getLong("n") > 0)
                .ifNoItem().after(Duration.ofSeconds(3)).fail()
                .onFailure().recoverWithItem(false)
                .invoke(ok -> {
                    if (!ok && held == connection) {
                        LOG.warnf("instance %s: the lease's connection no longer holds it; taking it again",
                                instance.id());
                        held = null;
                        connection.close().subscribe().with(v -> {
                        }, e -> {
                        });
                    }
                });
    }

    private Uni<Void> retake() {
        return tryAcquire().chain(taken -> taken ? Uni.createFrom().item(true) : endOwnStaleSession()
                        .chain(ended -> ended ? tryAcquire() : Uni.createFrom().item(false)))
                .chain(taken -> {
                    if (taken) {
                        LOG.infof("instance %s: lease taken again after its connection broke", instance.id());
                        return Uni.createFrom().voidItem();
                    }
                    fenced = true;
                    return Uni.createFrom().failure(new Fenced("another process took over instance '"
                            + instance.id() + "' while this one could not reach PostgreSQL"));
                });
    }

    /** Ends a session of this process that still holds the lock (its socket died on our side only); true if one did. */
    private Uni<Boolean> endOwnStaleSession() {
        return pool.preparedQuery("""
                        select count(pg_terminate_backend(a.pid)) as n from pg_stat_activity a
                        where a.application_name = $1 and a.pid <> pg_backend_pid()""")
                .execute(Tuple.of(processTag)).map(rows -> rows.iterator().next().getLong("n") > 0)
                .onFailure().recoverWithItem(false);
    }

    public boolean held() {
        return held != null;
    }

    private Uni<Boolean> tryAcquire() {
        return pool.getConnection().chain(connection -> connection
                .preparedQuery("select set_config('application_name', $1, false)").execute(Tuple.of(processTag))
                .chain(() -> connection.preparedQuery("select pg_try_advisory_lock(hashtext($1)) as taken")
                        .execute(Tuple.of("callgate:instance:" + instance.id())))
                .map(rows -> rows.iterator().next().getBoolean("taken"))
                .chain(taken -> {
                    if (!taken) {
                        return connection.close().replaceWith(false);
                    }
                    connection.closeHandler(() -> {
                        LOG.warnf("instance %s: the connection holding its lease closed", instance.id());
                        if (held == connection) {
                            held = null;
                        }
                    });
                    held = connection;
                    return listen(connection).replaceWith(true);
                })
                .onFailure().call(e -> connection.close()));
    }

    /** Calls {@code listener} with the payload of every media-command notification (whatever instance it is for). */
    public void onMediaCommand(java.util.function.Consumer<String> listener) {
        mediaCommandListeners.add(listener);
    }

    /**
     * Listens for media-command notifications on the lease's connection (it lives as long as the process and is taken
     * again after a break, listening again). A failure only costs the wake-up: the poll still finds every row.
     */
    private Uni<Void> listen(SqlConnection connection) {
        return Uni.createFrom().deferred(() -> {
                    io.vertx.mutiny.pgclient.PgConnection.cast(connection).notificationHandler(notification -> {
                        if (MEDIA_COMMANDS_CHANNEL.equals(notification.getChannel())) {
                            mediaCommandListeners.forEach(l -> l.accept(notification.getPayload()));
                        }
                    });
                    return connection.query("listen " + MEDIA_COMMANDS_CHANNEL).execute().replaceWithVoid();
                })
                .onFailure().invoke(e -> LOG.warnf("instance %s: not listening for media commands (they are found by "
                        + "polling): %s", instance.id(), e.toString()))
                .onFailure().recoverWithNull();
    }

    /**
     * This process's epoch: one more than the last process's under this instance id. Taken once, with the lease, at
     * start (a lease taken again after a broken connection is the same process, holding the same media).
     */
    private Uni<Long> newEpoch() {
        return pool.preparedQuery("""
                        insert into instances (id, epoch) values ($1, 1)
                        on conflict (id) do update set epoch = instances.epoch + 1, started_at = now(), seen_at = now()
                        returning epoch""")
                .execute(Tuple.of(instance.id())).map(rows -> rows.iterator().next().getLong("epoch"));
    }

    /**
     * Runs {@code sql} on the lease's own connection, so it never waits behind the pool (a heartbeat while the
     * consumers keep every pooled connection busy); on the pool while the lease's connection is gone.
     */
    public Uni<Void> onOwnConnection(String sql, Tuple args) {
        SqlConnection connection = held;
        return (connection != null ? connection.preparedQuery(sql).execute(args)
                : pool.preparedQuery(sql).execute(args)).replaceWithVoid();
    }

    /** Another process holds this instance's lease: this one must stop acting for the instance. */
    static final class Fenced extends IllegalStateException {
        Fenced(String message) {
            super(message);
        }
    }
}
