package dev.callgate.ingress;

import dev.callgate.contract.WebhookRecord;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaProducer;
import io.vertx.core.Vertx;
import dev.callgate.tracing.CallTracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Publishes the records of one webhook to {@code callgate.webhooks} and completes only when the broker has
 * acknowledged all of them (acks=all, idempotent producer), or fails within the publish timeout.
 *
 * <p>The records go straight to the Kafka producer of the {@code webhooks-out} channel (its configuration, health
 * and metrics are SmallRye's): {@code send} with a callback, from the caller's thread — the event loop — once the
 * producer knows the topic's partitions, so it does not block there; before that (start-up, a broker not reached yet)
 * each send runs on the channel's own sending thread, where waiting for metadata blocks nobody. One Vert.x timer per
 * webhook bounds the whole: the producer's own bounds (max.block.ms + delivery.timeout.ms, checked at start-up to be
 * shorter) normally answer first.
 */
@Startup
@ApplicationScoped
public class WebhookPublisher {

    static final String CHANNEL = "webhooks-out";
    private static final Logger LOG = Logger.getLogger(WebhookPublisher.class);

    private final KafkaClientService kafka;
    private final ObjectWriter writer;
    private final Vertx vertx;
    private final String topic;
    private final Duration timeout;
    private final Timer ackLatency;
    private final CallTracing tracing;
    private volatile KafkaProducer<String, String> channelProducer;
    /** The producer has had the topic's partitions: a send no longer waits for metadata. */
    private volatile boolean partitionsKnown;

    public WebhookPublisher(
            // not used to send: injecting it wires the channel, whose producer is then taken from SmallRye
            @Channel(CHANNEL) MutinyEmitter<String> channel,
            KafkaClientService kafka, ObjectMapper mapper, IngressConfig config, MeterRegistry registry, Vertx vertx,
            CallTracing tracing,
            @ConfigProperty(name = "mp.messaging.outgoing." + CHANNEL + ".topic") String topic,
            @ConfigProperty(name = "mp.messaging.outgoing." + CHANNEL + ".max.block.ms",
                    defaultValue = "60000") long maxBlockMs,
            @ConfigProperty(name = "mp.messaging.outgoing." + CHANNEL + ".delivery.timeout.ms",
                    defaultValue = "120000") long deliveryTimeoutMs) {
        // A record must be acknowledged or definitively failed before the POST gives up on it; otherwise a webhook
        // answered 503 could still land on Kafka later, next to Meta's retry.
        if (maxBlockMs + deliveryTimeoutMs >= config.publishTimeout().toMillis()) {
            throw new IllegalStateException("callgate.ingress.publish-timeout (" + config.publishTimeout()
                    + ") must exceed the producer's max.block.ms + delivery.timeout.ms (" + maxBlockMs + " + "
                    + deliveryTimeoutMs + " ms)");
        }
        this.tracing = tracing;
        this.kafka = kafka;
        this.writer = mapper.writerFor(WebhookRecord.class);
        this.vertx = vertx;
        this.topic = topic;
        this.timeout = config.publishTimeout();
        this.ackLatency = Timer.builder("callgate.webhook.publish")
                .description("Time from handing a webhook's records to Kafka until all are acknowledged")
                .publishPercentileHistogram()
                .register(registry);
    }

    /** Sends every record, keyed, in order; the Uni completes when all are acknowledged. */
    public Uni<Void> publish(List<WebhookRecord> records) {
        return Uni.createFrom().completionStage(() -> send(records));
    }

    /**
     * Sends every record, keyed, in order; completes when all are acknowledged, or exceptionally with a
     * {@link PublishFailedException}. One after the other: a record is sent only once the one before it is
     * acknowledged, so a failure leaves at most a prefix of the webhook on the topic (Meta's retry repeats it;
     * consumers dedup), never a later event without an earlier one (a terminate without its connect).
     */
    public CompletionStage<Void> send(List<WebhookRecord> records) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (records.isEmpty()) {
            done.complete(null);
            return done;
        }
        long start = System.nanoTime();
        io.vertx.core.Context context = vertx.getOrCreateContext();
        // the delivery's trace (its HTTP request's span): each record's producer span goes under it
        Context trace = Context.current();
        long timer = vertx.setTimer(timeout.toMillis(), id -> done.completeExceptionally(new PublishFailedException(
                "Kafka did not acknowledge " + records.size() + " record(s) within " + timeout, null)));
        sendFrom(context, trace, records, 0, done);
        return done.whenComplete((ok, failure) -> {
            vertx.cancelTimer(timer);
            if (failure == null) {
                ackLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            }
        });
    }

    private void sendFrom(io.vertx.core.Context context, Context trace, List<WebhookRecord> records, int index,
                          CompletableFuture<Void> done) {
        try {
            sendNext(context, trace, records, index, done);
        } catch (RuntimeException e) { // no producer (the channel did not start), a closed producer
            done.completeExceptionally(new PublishFailedException("Kafka refused " + records.size() + " record(s): "
                    + e.getMessage(), e));
        }
    }

    private void sendNext(io.vertx.core.Context context, Context trace, List<WebhookRecord> records, int index,
                          CompletableFuture<Void> done) {
        if (index == records.size()) {
            done.complete(null);
            return;
        }
        if (done.isDone()) {
            return; // timed out: the rest is not sent
        }
        WebhookRecord record = records.get(index);
        ProducerRecord<String, String> message;
        try {
            message = new ProducerRecord<>(topic, record.key(), writer.writeValueAsString(record));
        } catch (JsonProcessingException e) {
            done.completeExceptionally(new IllegalStateException("cannot serialise webhook record "
                    + record.dedupId(), e));
            return;
        }
        KafkaProducer<String, String> producer = producer();
        Span span = tracing.publish(topic, trace, message.headers());
        // the producer's I/O thread calls back: the next record (and the answer) go back to the caller's context
        org.apache.kafka.clients.producer.Callback acked = (metadata, failure) -> {
            CallTracing.end(span, failure);
            if (failure != null) {
                done.completeExceptionally(new PublishFailedException("Kafka refused " + records.size()
                        + " record(s): " + failure.getMessage(), failure));
            } else {
                partitionsKnown = true;
                if (index + 1 == records.size()) {
                    done.complete(null);
                } else {
                    context.runOnContext(v -> sendFrom(context, trace, records, index + 1, done));
                }
            }
        };
        if (partitionsKnown) {
            try {
                producer.unwrap().send(message, acked);
            } catch (RuntimeException e) {
                CallTracing.end(span, e);
                throw e;
            }
        } else {
            producer.runOnSendingThread((Producer<String, String> p) -> {
                p.send(message, acked);
            }).subscribe().with(sent -> {
            }, refused -> {
                CallTracing.end(span, refused);
                done.completeExceptionally(new PublishFailedException("Kafka refused " + records.size()
                        + " record(s): " + refused.getMessage(), refused));
            });
        }
    }

    private KafkaProducer<String, String> producer() {
        KafkaProducer<String, String> producer = channelProducer;
        if (producer == null) {
            producer = kafka.getProducer(CHANNEL);
            if (producer == null) {
                throw new IllegalStateException("no Kafka producer for channel " + CHANNEL);
            }
            channelProducer = producer;
            LOG.debugf("webhook publisher: producer of %s for topic %s", CHANNEL, topic);
        }
        return producer;
    }
}
