package dev.callgate.permission;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Meta sends nothing when a temporary permission lapses (spec §2.2): this looks for lapsed ones and turns each into
 * no_permission with a {@code dev.callgate.permission.expired} event. Safe with several instances (one update).
 */
@ApplicationScoped
public class PermissionExpiry {

    private static final Logger LOG = Logger.getLogger(PermissionExpiry.class);

    private final Permissions permissions;
    private final Vertx vertx;
    private final PermissionConfig config;
    private final boolean enabled;
    private final AtomicBoolean running = new AtomicBoolean();
    private long timer = -1;

    public PermissionExpiry(Permissions permissions, Vertx vertx, PermissionConfig config,
                            @ConfigProperty(name = "callgate.calls.enabled", defaultValue = "true") boolean enabled) {
        this.permissions = permissions;
        this.vertx = vertx;
        this.config = config;
        this.enabled = enabled;
    }

    void start(@Observes StartupEvent event) {
        if (enabled) {
            timer = vertx.setPeriodic(config.expiryPollInterval().toMillis(), id -> poll());
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    private void poll() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        VertxContextSafetyToggle.setContextSafe(context, true);
        context.runOnContext(v -> permissions.expire().subscribe().with(n -> running.set(false), failure -> {
            running.set(false);
            LOG.warnf("looking for expired permissions failed: %s", failure.toString());
        }));
    }
}
