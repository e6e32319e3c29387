package dev.callgate.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.JsonNode;
import dev.callgate.call.flow.CallOrchestrator;
import dev.callgate.call.flow.Drain;
import dev.callgate.runtime.StoreRetry;
import dev.callgate.permission.PermissionRequest;
import dev.callgate.permission.Permissions;
import io.micrometer.core.instrument.MeterRegistry;
import dev.callgate.runtime.CallLanes;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.util.List;

/**
 * Consumes {@code callgate.commands}. A valid command goes to the orchestrator (a repeated commandId is a no-op there);
 * an invalid one goes to {@code callgate.commands.dlq} with the reason, and a {@code dev.callgate.call.refused} event
 * says so when the command named a callRef. Its work on the database is retried without limit while it fails
 * transiently ({@link StoreRetry}: a {@code call.terminate} during a database outage is applied once PostgreSQL is
 * back, never dead-lettered); data PostgreSQL refuses goes to the DLQ at once with the reason. Commands of one call
 * (one Kafka key) are worked in order, those of different calls in parallel ({@link CallLanes}): a command retried or
 * held back (a draining instance's {@code call.initiate} no other instance can take) holds back only its own call.
 */
// created at start, not at the first record: its DLQ counter is exported at 0 from the first scrape, so the alerts'
// increase() sees the first record dead-lettered after a start (PrometheusRulesTest)
@io.quarkus.runtime.Startup
@ApplicationScoped
public class CommandConsumer {

    static final String CHANNEL = "commands-in";
    private static final Logger LOG = Logger.getLogger(CommandConsumer.class);

    private final CallOrchestrator orchestrator;
    private final ObjectMapper mapper;
    private final MeterRegistry registry;
    private final Permissions permissions;
    private final Drain drain;
    private final CommandReader commands;
    private final StoreRetry retry;
    private final dev.callgate.cluster.MediaPlacement placement;
    private final CallLanes lanes;

    public CommandConsumer(CallOrchestrator orchestrator, ObjectMapper mapper, MeterRegistry registry,
                           Permissions permissions, Drain drain, CommandReader commands, StoreRetry retry,
                           dev.callgate.cluster.MediaPlacement placement, Vertx vertx,
                           dev.callgate.tracing.CallTracing tracing,
                           @ConfigProperty(name = "callgate.consumers.max-in-flight", defaultValue = "64")
                           int maxInFlight) {
        this.lanes = new CallLanes(CHANNEL, maxInFlight, vertx, registry, tracing.enabled());
        this.placement = placement;
        this.retry = retry;
        this.commands = commands;
        this.permissions = permissions;
        this.drain = drain;
        this.orchestrator = orchestrator;
        this.mapper = mapper;
        this.registry = registry;
    }

    @Incoming(CHANNEL)
    public Uni<Void> consume(Message<String> message) {
        String key = message.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(kafka -> kafka.getKey() == null ? null : kafka.getKey().toString()).orElse(null);
        return lanes.admit(message, key, () -> consume(message.getPayload()));
    }

    /** One command: taken, refused (the record fails: the DLQ), or — draining — left on Kafka (never completes). */
    Uni<Void> consume(String json) {
        CallCommand command;
        try {
            JsonNode tree = mapper.readTree(json);
            if (tree != null && tree.isObject() && PermissionCommand.TYPE.equals(tree.path("type").asText())) {
                return requestPermission(tree);
            }
            command = commands.read(tree, null);
        } catch (JsonProcessingException e) {
            return refuse(new InvalidCommandException(null, null,
                    List.of("not JSON: " + e.getOriginalMessage())));
        } catch (InvalidCommandException e) {
            return refuse(e);
        }
        if (command instanceof CallCommand.Initiate && drain.draining()) {
            // shutting down: the new call's media goes to another instance with room (MediaPlacement), so the
            // commands behind it are not held up; only when no instance can take it is it left on Kafka (never
            // acknowledged, so its offset is not committed) for the instance that takes this partition over
            CallCommand initiate = command;
            return placement.anotherInstanceHasRoom().onFailure().recoverWithItem(false).chain(room -> {
                if (room) {
                    LOG.infof("call %s: draining, its media goes to another instance", initiate.callRef());
                    return accept(initiate);
                }
                LOG.infof("call %s: draining and no other instance has room; command %s left on Kafka",
                        initiate.callRef(), initiate.commandId());
                return Uni.createFrom().nothing();
            });
        }
        return accept(command);
    }

    /** A valid command taken: counted, logged and handed to the orchestrator, retried until stored. */
    private Uni<Void> accept(CallCommand command) {
        dev.callgate.runtime.CallLog.name(command.callRef(), null);
        registry.counter("callgate.commands", "type", command.getClass().getSimpleName().toLowerCase(),
                "result", "accepted").increment();
        LOG.infof("call %s: command %s (%s)", command.callRef(), command.commandId(),
                command.getClass().getSimpleName());
        return retry.untilStored(CHANNEL, command.callRef(), "command " + command.commandId(),
                () -> dispatch(orchestrator, command));
    }

    /** Hands a valid command to the orchestrator (shared with the REST facade). */
    static Uni<Void> dispatch(CallOrchestrator orchestrator, CallCommand command) {
        if (command instanceof CallCommand.Initiate initiate) {
            return orchestrator.initiate(initiate.call());
        }
        if (command instanceof CallCommand.Accept accept) {
            return orchestrator.accept(accept.commandId(), accept.callRef(), accept.toneHz(), accept.prompt(),
                    accept.recording(), accept.transcription(), accept.stream());
        }
        if (command instanceof CallCommand.StartStream start) {
            return orchestrator.startStream(start.commandId(), start.callRef(), start.stream());
        }
        if (command instanceof CallCommand.StopStream stop) {
            return orchestrator.stopStream(stop.commandId(), stop.callRef());
        }
        if (command instanceof CallCommand.Reject reject) {
            return orchestrator.reject(reject.commandId(), reject.callRef());
        }
        return orchestrator.hangUp(command.commandId(), command.callRef());
    }

    /** A permission request: a refusal by Meta's rules or by Meta is an event, not a dead letter. */
    private Uni<Void> requestPermission(JsonNode tree) {
        PermissionRequest request;
        try {
            request = PermissionCommand.parse(tree, null);
        } catch (InvalidCommandException e) {
            return refuse(e);
        }
        registry.counter("callgate.commands", "type", "permission_request", "result", "accepted").increment();
        return retry.untilStored(CHANNEL, "perm:" + request.phoneNumberId() + ":" + request.to(), "permission request " + request.commandId(),
                () -> permissions.request(request)).replaceWithVoid();
    }

    /** Publishes the refusal (when there is a callRef), then fails the record so it goes to the DLQ. */
    private Uni<Void> refuse(InvalidCommandException invalid) {
        registry.counter("callgate.commands", "type", "unknown", "result", "invalid").increment();
        LOG.warnf("%s", invalid.getMessage());
        Uni<Void> event = invalid.callRef() == null ? Uni.createFrom().voidItem()
                : retry.untilStored(CHANNEL, invalid.callRef(), "refusal of command " + invalid.commandId(),
                () -> orchestrator.refuse(invalid.callRef(), invalid.commandId(), String.join("; ", invalid.problems())));
        return event.chain(() -> Uni.createFrom().failure(invalid));
    }
}
