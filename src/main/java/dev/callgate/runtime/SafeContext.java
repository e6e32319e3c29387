package dev.callgate.runtime;

import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.util.function.Supplier;

/**
 * Runs work from a timer, a media thread or a Cloud API callback on a fresh duplicated Vert.x context flagged safe,
 * as Hibernate Reactive requires: each piece of work gets its own session.
 */
public final class SafeContext {

    private SafeContext() {
    }

    public static void run(Vertx vertx, Runnable work) {
        run(vertx, null, work);
    }

    /**
     * As {@link #run(Vertx, Runnable)}, the work in {@code trace}: made current on the fresh context for the work's
     * whole life (never detached: the context ends with the work), so every span and log line of it — the REST client's
     * and SQL client's included — belongs to that trace. Null or the root context: none.
     */
    public static void run(Vertx vertx, io.opentelemetry.context.Context trace, Runnable work) {
        Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        VertxContextSafetyToggle.setContextSafe(context, true);
        context.runOnContext(v -> {
            if (trace != null && trace != io.opentelemetry.context.Context.root()) {
                @SuppressWarnings("resource") // attached to this duplicated context, which the work alone uses
                io.opentelemetry.context.Scope attached = trace.makeCurrent();
            }
            work.run();
        });
    }

    /** The result of {@code work}, run on a fresh safe context (e.g. after blocking work on a worker thread). */
    public static <T> Uni<T> on(Vertx vertx, Supplier<Uni<T>> work) {
        return Uni.createFrom().emitter(emitter -> run(vertx, () -> work.get().subscribe()
                .with(emitter::complete, emitter::fail)));
    }
}
