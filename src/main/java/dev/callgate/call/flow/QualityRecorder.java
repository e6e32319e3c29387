package dev.callgate.call.flow;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.callgate.call.CallConfig;
import dev.callgate.cluster.Instance;
import dev.callgate.media.CallQuality;
import dev.callgate.media.MediaWorkerPool;
import dev.callgate.media.QualityListener;
import dev.callgate.runtime.SafeContext;
import dev.callgate.runtime.StoreRetry;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the quality samples of the calls this instance holds go: the {@code callgate.call.quality.*} distributions
 * (no per-call tags), and the call row ({@code calls.quality}), so the latest sample outlives the media and reaches
 * {@code GET /v1/calls/{ref}} and the {@code ended} event.
 *
 * <p>Media never waits for PostgreSQL: a sample is handed over and written on a fresh safe Vert.x context, one write
 * per call at a time; samples that come meanwhile replace each other and only the newest is written next. A periodic
 * sample's write is tried once within a deadline, a failure is logged and the next sample tries again; the final one
 * (taken as the media closes) is retried ({@link StoreRetry}) for at most {@link #FINAL_WRITE_DEADLINE}. The update
 * never replaces a newer sample with an older one and never touches the row's version, so it cannot conflict with a
 * transition.
 */
@ApplicationScoped
public class QualityRecorder implements QualityListener {

    private static final Logger LOG = Logger.getLogger(QualityRecorder.class);
    static final Duration WRITE_DEADLINE = Duration.ofSeconds(5);
    static final Duration FINAL_WRITE_DEADLINE = Duration.ofSeconds(30);
    private static final long QUIET_NANOS = Duration.ofSeconds(30).toNanos();

    private final MediaWorkerPool media;
    private final Instance instance;
    private final Vertx vertx;
    private final CallConfig config;
    private final MeterRegistry registry;
    private final StoreRetry storeRetry;
    private final ObjectMapper mapper;

    private final DistributionSummary mos;
    private final DistributionSummary loss;
    private final DistributionSummary jitter;
    private final DistributionSummary rtt;
    private final DistributionSummary inbound;
    private final DistributionSummary outbound;

    /** A sample waiting to be written: the newest per call. */
    private record Pending(CallQuality quality, boolean last) {
    }

    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    /** Calls whose sample is being written now (one write per call at a time). */
    private final Set<String> writing = ConcurrentHashMap.newKeySet();
    private volatile long warnedAt;

    public QualityRecorder(MediaWorkerPool media, Instance instance, Vertx vertx, CallConfig config,
                           MeterRegistry registry, StoreRetry storeRetry, ObjectMapper mapper) {
        this.media = media;
        this.instance = instance;
        this.vertx = vertx;
        this.config = config;
        this.registry = registry;
        this.storeRetry = storeRetry;
        this.mapper = mapper;
        this.mos = DistributionSummary.builder("callgate.call.quality.mos")
                .description("Estimated MOS (E-model, 1..4.5) of each quality sample of a call")
                .publishPercentiles(0.05, 0.5).register(registry);
        this.loss = DistributionSummary.builder("callgate.call.quality.packet.loss")
                .description("Fraction (0..1) of inbound audio packets lost, per quality sample")
                .publishPercentiles(0.5, 0.95).register(registry);
        this.jitter = DistributionSummary.builder("callgate.call.quality.jitter.ms")
                .description("Inbound audio interarrival jitter in ms, per quality sample")
                .publishPercentiles(0.5, 0.95).register(registry);
        this.rtt = DistributionSummary.builder("callgate.call.quality.rtt.ms")
                .description("Round-trip time to the peer in ms, per quality sample that has one")
                .publishPercentiles(0.5, 0.95).register(registry);
        this.inbound = DistributionSummary.builder("callgate.call.quality.inbound.kbps")
                .description("Inbound audio RTP bitrate in kbit/s, per quality sample").register(registry);
        this.outbound = DistributionSummary.builder("callgate.call.quality.outbound.kbps")
                .description("Outbound audio RTP bitrate in kbit/s, per quality sample").register(registry);
    }

    void listen(@Observes StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        FunctionCounter.builder("callgate.media.quality.stats.stalls", media, MediaWorkerPool::statsStalls)
                .description("Stats requests libwebrtc left unanswered past callgate.media.quality-timeout")
                .register(registry);
        media.setQualityListener(this);
    }

    /** Media thread (or the thread closing the call): counts the sample and hands its write over. Never blocks. */
    @Override
    public void sampled(String callKey, CallQuality quality, boolean last) {
        record(quality);
        registry.counter("callgate.call.quality.samples", "final", String.valueOf(last)).increment();
        pending.merge(callKey, new Pending(quality, last),
                (older, newer) -> new Pending(newer.quality(), older.last() || newer.last()));
        if (writing.add(callKey)) {
            SafeContext.run(vertx, () -> writeNext(callKey));
        }
    }

    private void record(CallQuality q) {
        if (q.mos() != null) {
            mos.record(q.mos());
        }
        if (q.packetLoss() != null) {
            loss.record(q.packetLoss());
        }
        if (q.jitterMs() != null) {
            jitter.record(q.jitterMs());
        }
        if (q.rttMs() != null) {
            rtt.record(q.rttMs());
        }
        if (q.inboundKbps() != null) {
            inbound.record(q.inboundKbps());
        }
        if (q.outboundKbps() != null) {
            outbound.record(q.outboundKbps());
        }
    }

    /** Writes the call's newest sample, then whatever came meanwhile; on a safe context. */
    private void writeNext(String callKey) {
        Pending next = pending.remove(callKey);
        if (next == null) {
            writing.remove(callKey);
            if (pending.containsKey(callKey) && writing.add(callKey)) { // a sample came just now
                SafeContext.run(vertx, () -> writeNext(callKey));
            }
            return;
        }
        store(callKey, next).subscribe().with(
                rows -> {
                    if (rows == 0) {
                        LOG.debugf("call %s: quality sample not stored (the call is not held here, or a newer one "
                                + "is)", callKey);
                    }
                    SafeContext.run(vertx, () -> writeNext(callKey));
                },
                failure -> {
                    registry.counter("callgate.call.quality.write.failures").increment();
                    long now = System.nanoTime();
                    if (now - warnedAt >= QUIET_NANOS) {
                        warnedAt = now;
                        LOG.warnf("call %s: %s quality sample not stored (the next one will be): %s", callKey,
                                next.last() ? "final" : "periodic", failure.toString());
                    } else {
                        LOG.debugf("call %s: quality sample not stored: %s", callKey, failure.toString());
                    }
                    SafeContext.run(vertx, () -> writeNext(callKey));
                });
    }

    private Uni<Integer> store(String callKey, Pending sample) {
        String json = json(sample.quality());
        if (!sample.last()) {
            return update(callKey, json, sample.quality()).ifNoItem().after(WRITE_DEADLINE).fail();
        }
        return storeRetry.<Integer>untilStored("quality", callKey, "final quality sample",
                        () -> update(callKey, json, sample.quality()))
                .ifNoItem().after(FINAL_WRITE_DEADLINE).fail();
    }

    private Uni<Integer> update(String callKey, String json, CallQuality quality) {
        return Panache.withTransaction(() -> Panache.getSession().chain(s -> s.createNativeQuery("""
                        update calls set quality = cast(cast(?1 as text) as jsonb)
                        where call_reference = ?2 and media_owner = ?3
                        and (quality is null
                             or cast(quality ->> 'sampledAt' as timestamptz) <= cast(cast(?4 as text) as timestamptz))""")
                .setParameter(1, json).setParameter(2, callKey).setParameter(3, instance.id())
                .setParameter(4, quality.sampledAt().toString()).executeUpdate()));
    }

    /** The sample as {@code calls.quality} holds it (and the REST view and the ended event show it). */
    String json(CallQuality q) {
        ObjectNode node = mapper.createObjectNode();
        put(node, "mos", q.mos(), 2);
        put(node, "packetLoss", q.packetLoss(), 4);
        put(node, "jitterMs", q.jitterMs(), 1);
        put(node, "rttMs", q.rttMs(), 1);
        put(node, "inboundKbps", q.inboundKbps(), 1);
        put(node, "outboundKbps", q.outboundKbps(), 1);
        node.put("packetsReceived", q.packetsReceived());
        node.put("packetsLost", q.packetsLost());
        node.put("packetsSent", q.packetsSent());
        node.put("sampledAt", q.sampledAt().toString());
        return node.toString();
    }

    private static void put(ObjectNode node, String field, Double value, int decimals) {
        if (value == null) {
            node.putNull(field); // not measured: null, never a made-up 0
        } else {
            node.put(field, java.math.BigDecimal.valueOf(value).setScale(decimals, java.math.RoundingMode.HALF_UP)
                    .doubleValue());
        }
    }
}
