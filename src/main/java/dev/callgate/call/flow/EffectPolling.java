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

/**
 * The two pollers that find effects no commit handed over: Cloud API effects that are due again or were left by a
 * stopped instance ({@link CloudApiEffects#poll}), and media effects other instances decided for the calls this one
 * holds ({@link MediaCommands#claim}) — claimed at once when PostgreSQL notifies their commit, the poll being the
 * safety net. Their results go to the orchestrator.
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
    }
}
