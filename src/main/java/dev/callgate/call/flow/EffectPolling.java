package dev.callgate.call.flow;

import dev.callgate.call.CallConfig;
import dev.callgate.cluster.Instance;
import dev.callgate.cluster.InstanceLease;

import dev.callgate.runtime.Periodic;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.time.Duration;

/**
 * The pollers that find effects no commit handed over: Cloud API effects that are due again or were left by a
 * stopped instance ({@link CloudApiEffects#poll}), and media effects other instances decided for the calls this one
 * holds ({@link MediaCommands#claim}) — claimed at once when PostgreSQL notifies their commit, the poll being the
 * safety net. Their results go to the orchestrator. And the set-ups routed to an instance that never took them,
 * moved to one that will ({@link MediaCommands#moveStranded}).
 */
@ApplicationScoped
public class EffectPolling {

    private final CloudApiEffects cloudApiEffects;
    private final MediaCommands mediaCommands;
    private final CallOrchestrator orchestrator;
    private final CallConfig config;
    private final Vertx vertx;
    private final InstanceLease lease;
    private final Instance instance;
    private Periodic effects;
    private Periodic media;
    private Periodic stranded;

    public EffectPolling(CloudApiEffects cloudApiEffects, MediaCommands mediaCommands, CallOrchestrator orchestrator,
                         CallConfig config, Vertx vertx, InstanceLease lease, Instance instance) {
        this.cloudApiEffects = cloudApiEffects;
        this.mediaCommands = mediaCommands;
        this.orchestrator = orchestrator;
        this.config = config;
        this.vertx = vertx;
        this.lease = lease;
        this.instance = instance;
    }

    void start(@Observes StartupEvent event) {
        if (config.enabled()) {
            effects = Periodic.every(vertx, config.effectPollInterval(), "effect poll",
                    () -> cloudApiEffects.poll(orchestrator));
            media = Periodic.every(vertx, config.mediaCommandPollInterval(), "reading media commands",
                    () -> mediaCommands.claim(orchestrator));
            Duration timeout = config.mediaClaimTimeout();
            stranded = Periodic.every(vertx, timeout.dividedBy(3), "moving set-ups no instance took",
                    () -> mediaCommands.moveStranded(timeout));
            Periodic claims = media;
            lease.onMediaCommand(owner -> {
                if (instance.id().equals(owner)) {
                    claims.nudge(); // another instance committed a command for a call whose media is here
                }
            });
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (effects != null) {
            effects.cancel();
        }
        if (media != null) {
            media.cancel();
        }
        if (stranded != null) {
            stranded.cancel();
        }
    }
}
