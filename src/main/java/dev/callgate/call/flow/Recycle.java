package dev.callgate.call.flow;

import dev.callgate.call.CallConfig;
import dev.callgate.cluster.Instance;
import dev.callgate.cluster.MediaPlacement;
import dev.callgate.media.MediaWorkerPool;
import dev.callgate.runtime.Periodic;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Contains the native memory webrtc-java 0.14.0 never frees (~130 kB per closed PeerConnection, docs/benchmarks.md):
 * left alone, a busy instance's resident memory grows until the container's limit kills it, cutting every call it
 * holds. Past {@code CALLGATE_CALLS_RECYCLE_AT_RSS_MIB}, and once another live instance has room for new calls, this
 * instance <em>recycles</em>: it takes no new calls (as a drain does: readiness DOWN, {@code instances.draining}, new
 * calls' media placed elsewhere), lets its active calls end by themselves — however long they last, no healthy call is
 * cut — and then exits with status 0, for Kubernetes to restart it under the same name. While no other instance has
 * room it stays and says so (WARN, at most every 5 minutes). A SIGTERM meanwhile drains as usual.
 *
 * <p>Checked every heartbeat interval. {@code callgate_process_rss_bytes} shows the resident memory whether or not
 * recycling is on; {@code callgate_instance_recycling} is 1 from the start of a recycle.
 */
@ApplicationScoped
public class Recycle {

    private static final Logger LOG = Logger.getLogger(Recycle.class);
    private static final Duration NO_ROOM_LOG_EVERY = Duration.ofMinutes(5);
    private static final Path STATUS = Path.of("/proc/self/status");

    /** What one check does. */
    enum Step {
        /** Under the threshold, draining for a SIGTERM, or recycling is off: nothing. */
        STAY,
        /** Past the threshold: recycle if another instance has room. */
        OVER,
        /** Recycling: calls are still active here. */
        WAIT,
        /** Recycling and no call left: exit for the restart. */
        EXIT
    }

    private final CallConfig config;
    private final MediaWorkerPool media;
    private final MediaPlacement placement;
    private final Drain drain;
    private final Instance instance;
    private final Vertx vertx;
    private volatile boolean recycling;
    private volatile boolean exiting;
    private long lastNoRoomLog;
    private Periodic checks;

    public Recycle(CallConfig config, MediaWorkerPool media, MediaPlacement placement, Drain drain, Instance instance,
                   Vertx vertx, MeterRegistry registry) {
        this.config = config;
        this.media = media;
        this.placement = placement;
        this.drain = drain;
        this.instance = instance;
        this.vertx = vertx;
        Gauge.builder("callgate.process.rss", () -> Math.max(0, rssKib()) * 1024.0).baseUnit("bytes")
                .description("resident memory of this process (VmRSS), native memory included").register(registry);
        Gauge.builder("callgate.instance.recycling", this, r -> r.recycling ? 1 : 0)
                .description("1 while this instance recycles itself (past CALLGATE_CALLS_RECYCLE_AT_RSS_MIB)")
                .register(registry);
    }

    /** The step for this check: pure, from what it observed. */
    static Step decide(long rssMib, long thresholdMib, boolean recycling, boolean draining, int activeCalls) {
        if (thresholdMib <= 0 || rssMib < 0) {
            return Step.STAY;
        }
        if (recycling) {
            return activeCalls == 0 ? Step.EXIT : Step.WAIT;
        }
        if (draining) {
            return Step.STAY;
        }
        return rssMib >= thresholdMib ? Step.OVER : Step.STAY;
    }

    void start(@Observes StartupEvent event) {
        if (!config.enabled() || config.recycleAtRssMib() <= 0) {
            return;
        }
        LOG.infof("instance %s recycles itself past %d MiB of resident memory (now %d MiB)", instance.id(),
                config.recycleAtRssMib(), rssKib() / 1024);
        checks = Periodic.every(vertx, config.heartbeatInterval(), "recycle check", this::check);
    }

    void stop(@Observes ShutdownEvent event) {
        if (checks != null) {
            checks.cancel();
        }
    }

    Uni<Void> check() {
        if (exiting) {
            return Uni.createFrom().voidItem();
        }
        long rssKib = rssKib();
        long rssMib = rssKib < 0 ? -1 : rssKib / 1024;
        long threshold = config.recycleAtRssMib();
        switch (decide(rssMib, threshold, recycling, drain.draining(), media.activeCalls())) {
            case OVER:
                return placement.anotherInstanceHasRoom().chain(room -> {
                    if (!room) {
                        long now = System.nanoTime();
                        if (lastNoRoomLog == 0 || now - lastNoRoomLog > NO_ROOM_LOG_EVERY.toNanos()) {
                            lastNoRoomLog = now;
                            LOG.warnf("instance %s: resident memory %d MiB is past %d MiB, but no other live instance"
                                    + " has room for new calls: not recycling yet", instance.id(), rssMib, threshold);
                        }
                        return Uni.createFrom().voidItem();
                    }
                    recycling = true;
                    LOG.warnf("instance %s recycles: resident memory %d MiB is past %d MiB (webrtc-java keeps native"
                                    + " memory of every closed PeerConnection); no new calls here, %d active call(s)"
                                    + " may end by themselves, then the process exits for its restart", instance.id(),
                            rssMib, threshold, media.activeCalls());
                    return Uni.createFrom().completionStage(() -> vertx.<Void>executeBlocking(() -> {
                        drain.stopTakingCalls();
                        return null;
                    }, false).toCompletionStage());
                });
            case EXIT:
                exiting = true;
                LOG.infof("instance %s recycled: no call left here; exiting (status 0) for the restart",
                        instance.id());
                Quarkus.asyncExit(0);
                return Uni.createFrom().voidItem();
            default:
                return Uni.createFrom().voidItem();
        }
    }

    /** This process's resident memory in KiB (VmRSS of /proc/self/status), -1 where there is none. */
    static long rssKib() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring("VmRSS:".length()).replace("kB", "").strip());
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
