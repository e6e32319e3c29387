package dev.callgate.ingress;

import dev.callgate.contract.WebhookRecord;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.TimeoutException;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.time.Duration;
import java.util.List;

/**
 * Publishes the records of one webhook to {@code callgate.webhooks} and completes only when the broker has
 * acknowledged all of them (acks=all, idempotent producer), or fails within the publish timeout.
 */
@Startup
@ApplicationScoped
public class WebhookPublisher {

    static final String CHANNEL = "webhooks-out";

    private final MutinyEmitter<String> emitter;
    private final ObjectMapper mapper;
    private final Duration timeout;
    private final Timer ackLatency;

    public WebhookPublisher(@Channel(CHANNEL) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 4096)
                            MutinyEmitter<String> emitter,
                            ObjectMapper mapper, IngressConfig config, MeterRegistry registry,
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
        this.emitter = emitter;
        this.mapper = mapper;
        this.timeout = config.publishTimeout();
        this.ackLatency = Timer.builder("callgate.webhook.publish")
                .description("Time from handing a webhook's records to Kafka until all are acknowledged")
                .publishPercentileHistogram()
                .register(registry);
    }

    /** Sends every record, keyed, in order; the Uni completes when all are acknowledged. */
    public Uni<Void> publish(List<WebhookRecord> records) {
        if (records.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        // One after the other: a record is sent only once the one before it is acknowledged, so a failure leaves at
        // most a prefix of the webhook on the topic (Meta's retry repeats it; consumers dedup), never a later event
        // without an earlier one (a terminate without its connect).
        Uni<Void> sends = Uni.createFrom().voidItem();
        for (WebhookRecord record : records) {
            sends = sends.chain(() -> send(record));
        }
        long start = System.nanoTime();
        return sends
                .ifNoItem().after(timeout).failWith(() -> new TimeoutException())
                .onItem().invoke(() -> ackLatency.record(Duration.ofNanos(System.nanoTime() - start)))
                .onFailure().transform(cause -> new PublishFailedException(cause instanceof TimeoutException
                        ? "Kafka did not acknowledge " + records.size() + " record(s) within " + timeout
                        : "Kafka refused " + records.size() + " record(s): " + cause.getMessage(), cause))
                .replaceWithVoid();
    }

    private Uni<Void> send(WebhookRecord record) {
        return Uni.createFrom().deferred(() -> emitter.sendMessage(Message.of(toJson(record))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(record.key()).build())));
    }

    private String toJson(WebhookRecord record) {
        try {
            return mapper.writeValueAsString(record);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise webhook record " + record.dedupId(), e);
        }
    }
}
