package dev.callgate.call;

import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Runs work from a timer, a media thread or a Cloud API callback on a fresh duplicated Vert.x context flagged safe,
 * as Hibernate Reactive requires: each piece of work gets its own session.
 */
final class SafeContext {

    private SafeContext() {
    }

    static void run(Vertx vertx, Runnable work) {
        Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        VertxContextSafetyToggle.setContextSafe(context, true);
        context.runOnContext(v -> work.run());
    }
}
