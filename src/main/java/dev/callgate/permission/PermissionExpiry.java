package dev.callgate.permission;

import dev.callgate.runtime.Periodic;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Meta sends nothing when a temporary permission lapses (spec §2.2): this looks for lapsed ones and turns each into
 * no_permission with a {@code dev.callgate.permission.expired} event. Safe with several instances (one update).
 */
@ApplicationScoped
public class PermissionExpiry {

    private final Permissions permissions;
    private final Vertx vertx;
    private final PermissionConfig config;
    private final boolean enabled;
    private Periodic poller;

    public PermissionExpiry(Permissions permissions, Vertx vertx, PermissionConfig config,
                            @ConfigProperty(name = "callgate.calls.enabled", defaultValue = "true") boolean enabled) {
        this.permissions = permissions;
        this.vertx = vertx;
        this.config = config;
        this.enabled = enabled;
    }

    void start(@Observes StartupEvent event) {
        if (enabled) {
            poller = Periodic.every(vertx, config.expiryPollInterval(), "looking for expired permissions",
                    permissions::expire);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (poller != null) {
            poller.cancel();
        }
    }
}
