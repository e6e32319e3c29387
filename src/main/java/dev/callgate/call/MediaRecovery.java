package dev.callgate.call;

import dev.callgate.media.MediaWorkerPool;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.UUID;

/**
 * After a restart, the calls whose media this instance held are gone with the old process: each live one is ended as
 * FAILED(media_lost) and terminated at the Cloud API (by the state machine), so nobody is left on a silent, billed call.
 */
@ApplicationScoped
public class MediaRecovery {

    private static final Logger LOG = Logger.getLogger(MediaRecovery.class);
    private static final List<CallState> WITH_MEDIA = List.of(CallState.OFFERING, CallState.DIALING, CallState.RINGING,
            CallState.CONNECTING, CallState.ACTIVE, CallState.PRE_ACCEPTED, CallState.ACCEPTING);

    private final CallOrchestrator orchestrator;
    private final MediaWorkerPool media;
    private final Instance instance;
    private final Vertx vertx;

    public MediaRecovery(CallOrchestrator orchestrator, MediaWorkerPool media, Instance instance, Vertx vertx) {
        this.orchestrator = orchestrator;
        this.media = media;
        this.instance = instance;
        this.vertx = vertx;
    }

    void onStart(@Observes StartupEvent event) {
        SafeContext.run(vertx, () -> recover().subscribe().with(
                n -> {
                    if (n > 0) {
                        LOG.warnf("ended %d call(s) whose media this instance lost in a restart", n);
                    }
                },
                failure -> LOG.errorf(failure, "media recovery failed")));
    }

    /** Ends every live call this instance owned but whose media it no longer holds; returns how many. */
    public Uni<Integer> recover() {
        return Panache.withSession(() -> Call.<Call>list("mediaOwner = ?1 and state in ?2", instance.id(), WITH_MEDIA))
                .chain(calls -> {
                    Uni<Integer> ended = Uni.createFrom().item(0);
                    for (Call call : calls) {
                        if (media.report(call.callRef != null ? call.callRef : call.id.toString()).isPresent()) {
                            continue; // still held here: not lost
                        }
                        UUID id = call.id;
                        LOG.warnf("call %s (%s): media lost with the previous process", call.callRef,
                                call.whatsappCallId);
                        ended = ended.chain(n -> orchestrator.signal(id, new CallSignal.MediaFailed("media_lost"))
                                .replaceWith(n + 1));
                    }
                    return ended;
                });
    }
}
