package dev.callgate.call.flow;

import dev.callgate.call.CallConfig;
import dev.callgate.call.CallSignal;
import dev.callgate.call.CallState;
import dev.callgate.call.store.Call;
import dev.callgate.cluster.Instance;

import dev.callgate.media.MediaWorkerPool;
import dev.callgate.runtime.Periodic;
import dev.callgate.runtime.SafeContext;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.UUID;

/**
 * Calls whose PeerConnection is gone are ended as FAILED(media_lost) and terminated at the Cloud API (by the state
 * machine), so nobody is left on a silent, billed call: after a restart, the calls this instance held before; and,
 * on every heartbeat, the calls held by an instance that stopped saying it is alive ({@code instances.seen_at}).
 */
@ApplicationScoped
public class MediaRecovery {

    private static final Logger LOG = Logger.getLogger(MediaRecovery.class);
    private static final List<CallState> WITH_MEDIA = List.of(CallState.OFFERING, CallState.DIALING, CallState.RINGING,
            CallState.CONNECTING, CallState.ACTIVE, CallState.PRE_ACCEPTED, CallState.ACCEPTING);

    private final CallOrchestrator orchestrator;
    private final MediaWorkerPool media;
    private final Instance instance;
    private final Vertx vertx;
    private final CallConfig config;
    private final WebhookBacklog backlog;
    private final io.micrometer.core.instrument.MeterRegistry registry;
    private final CallEffects effects;
    private Periodic heartbeats;
    private Periodic reaper;
    private final dev.callgate.cluster.InstanceLease lease;
    /** {@link System#nanoTime()} of the first heartbeat that reached PostgreSQL after the last failed one; 0: failing. */
    private volatile long reachableSince;
    /** {@link System#nanoTime()} of the last heartbeat that reached PostgreSQL. */
    private volatile long lastHeartbeat;

    public MediaRecovery(CallOrchestrator orchestrator, MediaWorkerPool media, Instance instance, Vertx vertx,
                         CallConfig config, WebhookBacklog backlog, CallEffects effects,
                         io.micrometer.core.instrument.MeterRegistry registry,
                         dev.callgate.cluster.InstanceLease lease) {
        this.lease = lease;
        this.effects = effects;
        this.registry = registry;
        this.backlog = backlog;
        this.orchestrator = orchestrator;
        this.media = media;
        this.instance = instance;
        this.vertx = vertx;
        this.config = config;
    }

    void onStop(@Observes io.quarkus.runtime.ShutdownEvent event) {
        if (heartbeats != null) {
            heartbeats.cancel();
        }
        if (reaper != null) {
            reaper.cancel();
        }
    }

    /** Says this instance is alive; remembers since when PostgreSQL has been reachable. */
    Uni<Void> heartbeat() {
        // on the lease's own connection: a heartbeat never queues behind the consumers' work for a pooled one (late
        // heartbeats under load would make the other instances judge this one dead and end its healthy calls)
        return lease.onOwnConnection("""
                                insert into instances (id, draining, media_calls, media_capacity, epoch)
                                values ($1, $2, $3, $4, $5)
                                on conflict (id) do update set seen_at = now(), draining = excluded.draining,
                                    media_calls = excluded.media_calls, media_capacity = excluded.media_capacity,
                                    epoch = greatest(instances.epoch, excluded.epoch)""",
                        // the epoch too: a row lost (an operator's clean-up) comes back with this process's epoch
                        io.vertx.mutiny.sqlclient.Tuple.of(instance.id(), media.draining(), media.activeCalls(),
                                media.capacity(), instance.epoch()))
                .ifNoItem().after(java.time.Duration.ofSeconds(5)).fail() // a hung connection is an outage too
                .invoke(() -> {
                    long now = System.nanoTime();
                    // a gap since the last good heartbeat (a hung connection, a black-holed network) is an outage
                    // too, even if no heartbeat failed: the others' seen_at may be as old as ours
                    if (reachableSince == 0 || now - lastHeartbeat > 3 * config.heartbeatInterval().toNanos()) {
                        reachableSince = now;
                    }
                    lastHeartbeat = now;
                })
                .onFailure().invoke(() -> reachableSince = 0)
                .replaceWithVoid();
    }

    /**
     * Whether this instance may judge others dead: only once it has itself reached PostgreSQL without a break for a
     * whole {@code dead-after}. After an outage every instance's {@code seen_at} is old; the others need that long
     * to say again that they are alive, so the first instance back must not end their (healthy) calls.
     */
    boolean mayJudgeOthers() {
        long since = reachableSince;
        return since != 0 && System.nanoTime() - since >= config.deadAfter().toNanos();
    }

    /**
     * Closes the PeerConnections this instance holds for calls that ended (or moved) elsewhere — the CloseMedia that
     * was routed here may have been lost (an outage, this instance wrongly judged gone) — so no ended call keeps its
     * media. Returns how many it closed.
     */
    public Uni<Integer> closeOrphanedMedia() {
        List<String> held = media.callKeys();
        if (held.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        return Panache.withSession(() -> Panache.getSession().chain(s -> s.createNativeQuery("""
                        select call_reference from calls where call_reference in (?1) and media_owner = ?2
                        and state not in ('ENDED', 'TERMINATING')""", String.class)
                .setParameter(1, held).setParameter(2, instance.id()).getResultList()))
                .map(live -> {
                    int closed = 0;
                    for (String key : held) {
                        if (!live.contains(key) && media.report(key).isPresent()) {
                            LOG.warnf("call %s: it ended or moved elsewhere; closing the media still held here", key);
                            effects.close(key, null);
                            registry.counter("callgate.media.orphans.closed").increment();
                            closed++;
                        }
                    }
                    return closed;
                });
    }

    /**
     * Ends the live calls whose media owner is another instance that is gone, and drops the media commands waiting for
     * such owners; returns how many calls it ended, or -1 when this instance may not judge yet
     * ({@link #mayJudgeOthers()}).
     */
    public Uni<Integer> reapDeadOwners() {
        if (!mayJudgeOthers()) {
            LOG.debugf("instance %s: not judging others before PostgreSQL was reachable for %s", instance.id(),
                    config.deadAfter());
            return Uni.createFrom().item(-1);
        }
        double deadSeconds = config.deadAfter().toMillis() / 1000.0;
        return Panache.withSession(() -> Panache.getSession().chain(s -> s.createNativeQuery(
                        "select cast(c.id as text), c.media_owner from calls c"
                                + " left join instances i on i.id = c.media_owner"
                                + " where c.media_owner is not null and c.media_owner <> ?1"
                                + " and c.state in ('OFFERING','DIALING','RINGING','CONNECTING','ACTIVE',"
                                + "'PRE_ACCEPTED','ACCEPTING')"
                                + " and (i.id is null or i.seen_at < now() - make_interval(secs => ?2)) limit 100",
                        Object[].class)
                .setParameter(1, instance.id()).setParameter(2, deadSeconds).getResultList()))
                .chain(rows -> {
                    Uni<Integer> ended = Uni.createFrom().item(0);
                    for (Object[] row : rows) {
                        UUID id = UUID.fromString((String) row[0]);
                        LOG.warnf("call %s: its media owner %s is gone; ending it (media_lost)", id, row[1]);
                        ended = ended.chain(n -> orchestrator.signal(id, new CallSignal.MediaFailed("media_lost"))
                                .replaceWith(n + 1));
                    }
                    return ended;
                })
                // last, so the CloseMedia just routed to the gone owners goes too
                .call(() -> Panache.withTransaction(() -> Panache.getSession().chain(s -> s.createNativeQuery("""
                        delete from media_commands m where m.owner <> ?1 and not exists (
                            select 1 from instances i where i.id = m.owner
                            and i.seen_at >= now() - make_interval(secs => ?2))""")
                        .setParameter(1, instance.id()).setParameter(2, deadSeconds).executeUpdate())));
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        heartbeats = Periodic.every(vertx, config.heartbeatInterval(), "heartbeat", this::heartbeat);
        // apart from the heartbeat, so a slow judgement (a busy database) never delays saying this instance is alive
        reaper = Periodic.every(vertx, config.heartbeatInterval(), "dead-owner reaper",
                () -> reapDeadOwners().chain(this::closeOrphanedMedia));
        // the heartbeat answers on the lease connection's context: the recovery (Hibernate Reactive) gets a safe one
        SafeContext.run(vertx, () -> heartbeat().chain(() -> SafeContext.on(vertx, this::recoverAfterRestart))
                .subscribe().with(
                n -> {
                    if (n > 0) {
                        LOG.warnf("ended %d call(s) whose media this instance lost in a restart", n);
                    }
                },
                failure -> LOG.errorf(failure, "media recovery failed")));
    }

    /**
     * After a restart: when calls this instance held are still live, first lets the webhook consumer work through
     * the webhooks that were waiting on Kafka (a reject or hang-up that came while we were down ends its call with
     * its true outcome), then ends the rest FAILED(media_lost). Bounded by {@code callgate.calls.restart-catch-up}.
     */
    Uni<Integer> recoverAfterRestart() {
        return ownLiveCalls().chain(calls -> {
            if (calls.isEmpty()) {
                return Uni.createFrom().item(0);
            }
            LOG.infof("%d call(s) held by this instance before it restarted; catching up with the webhooks first",
                    calls.size());
            return backlog.awaitCaughtUp(config.restartCatchUp())
                    .chain(() -> SafeContext.on(vertx, this::recover));
        });
    }

    private Uni<List<Call>> ownLiveCalls() {
        return Panache.withSession(() -> Call.<Call>list("mediaOwner = ?1 and state in ?2", instance.id(), WITH_MEDIA));
    }

    /**
     * Ends every live call an earlier process of this instance owned (its media epoch is older than this process's)
     * and whose media this process does not hold; returns how many. A call of this process's own epoch is never
     * judged here: its media may be being created right now.
     */
    public Uni<Integer> recover() {
        return ownLiveCalls()
                .chain(calls -> {
                    Uni<Integer> ended = Uni.createFrom().item(0);
                    for (Call call : calls) {
                        if (media.report(call.mediaKey()).isPresent()
                                || (call.mediaEpoch != null && call.mediaEpoch >= instance.epoch())) {
                            continue; // held here, or this process's own: not lost
                        }
                        UUID id = call.id;
                        LOG.warnf("call %s (%s): media lost with the previous process", call.callRef,
                                call.whatsappCallId);
                        ended = ended.chain(n -> orchestrator.signal(id, new CallSignal.MediaFailed("media_lost"))
                                .replaceWith(n + 1));
                    }
                    return ended;
                });
    }
}
