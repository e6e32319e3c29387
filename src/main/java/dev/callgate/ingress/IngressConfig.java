package dev.callgate.ingress;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Limits of the webhook ingress. */
@ConfigMapping(prefix = "callgate.ingress")
public interface IngressConfig {

    /** Largest webhook body accepted; larger ones get 413 ({@code CALLGATE_INGRESS_MAX_BODY_SIZE}). */
    @WithDefault("1M")
    MemorySize maxBodySize();

    /**
     * How long a POST waits for Kafka to acknowledge all its records before answering 503
     * ({@code CALLGATE_INGRESS_PUBLISH_TIMEOUT}). Must exceed the producer's max.block.ms + delivery.timeout.ms.
     */
    @WithDefault("5s")
    Duration publishTimeout();
}
