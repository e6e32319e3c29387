package dev.callgate.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.callgate.call.store.Call;
import dev.callgate.call.CallDirection;
import dev.callgate.call.flow.CallOrchestrator;
import dev.callgate.call.CallState;
import dev.callgate.call.flow.Drain;
import dev.callgate.media.MediaWorkerPool;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;


import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The REST twin of {@code callgate.commands}, for people and scripts. */
@Path("/v1/calls")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "calls")
public class CallsResource {

    private final CallOrchestrator orchestrator;
    private final MediaWorkerPool media;
    private final Drain drain;
    private final CommandReader commands;
    private final com.fasterxml.jackson.databind.ObjectMapper mapper;

    public CallsResource(CallOrchestrator orchestrator, MediaWorkerPool media, Drain drain, CommandReader commands,
                         com.fasterxml.jackson.databind.ObjectMapper mapper) {
        this.mapper = mapper;
        this.commands = commands;
        this.orchestrator = orchestrator;
        this.media = media;
        this.drain = drain;
    }

    @POST
    @Operation(summary = "Place a business-initiated call (body as the call.initiate command; commandId optional)")
    public Uni<Response> initiate(JsonNode body) {
        CallCommand command;
        try {
            if (body != null && body.isObject() && !body.has("type")) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) body).put("type", "call.initiate");
            }
            command = commands.read(body, "rest-" + UUID.randomUUID());
        } catch (InvalidCommandException e) {
            return Uni.createFrom().item(ApiKeyFilter.problem(Response.Status.BAD_REQUEST, "invalid-command",
                    String.join("; ", e.problems())));
        }
        if (drain.draining()) {
            return Uni.createFrom().item(ApiKeyFilter.problem(Response.Status.SERVICE_UNAVAILABLE, "draining",
                    "this instance is shutting down and takes no new calls; retry on another"));
        }
        if (!(command instanceof CallCommand.Initiate initiate)) {
            return Uni.createFrom().item(ApiKeyFilter.problem(Response.Status.BAD_REQUEST, "invalid-command",
                    "POST /v1/calls places a call; use DELETE /v1/calls/{callRef} to hang up"));
        }
        return existing(command.callRef()).chain(found -> found != null
                ? Uni.createFrom().item(ApiKeyFilter.problem(Response.Status.CONFLICT, "call-exists",
                "callRef " + command.callRef() + " is already used"))
                : orchestrator.initiate(initiate.call()).replaceWith(Response.accepted(
                        Map.of("callRef", command.callRef(), "commandId", command.commandId()))
                .location(jakarta.ws.rs.core.UriBuilder.fromPath("/v1/calls/{callRef}")
                        .build(new Object[]{command.callRef()}, true)).build()));
    }

    @GET
    @Path("/{callRef}")
    @Operation(summary = "One call: state, outcome, times, and its live media when this instance holds it")
    @WithSession
    public Uni<Response> get(@RestPath String callRef) {
        return Call.findByRef(callRef).map(call -> call == null
                ? ApiKeyFilter.problem(Response.Status.NOT_FOUND, "no-such-call", "no call with callRef " + callRef)
                : Response.ok(CallView.of(call, media.report(call.mediaKey()).orElse(null))).build());
    }

    @GET
    @Path("/{callRef}/timeline")
    @Operation(summary = "One call's history in order: the commands that named it, Meta's webhooks about it, the"
            + " Cloud API effects (attempts, result, last error) and the events published")
    @WithSession
    public Uni<Response> timeline(@RestPath String callRef) {
        return Call.findByRef(callRef).chain(call -> call == null
                ? Uni.createFrom().item(ApiKeyFilter.problem(Response.Status.NOT_FOUND, "no-such-call",
                "no call with callRef " + callRef))
                : CallTimeline.of(call, mapper).map(timeline -> Response.ok(timeline).build()));
    }

    @GET
    @Path("/{callRef}/recording")
    @Produces({"audio/wav", "application/problem+json"})
    @Operation(summary = "The call's recording (WAV, 48 kHz mono 16-bit), from the instance that held its media")
    @WithSession
    public Uni<Response> recording(@RestPath String callRef) {
        return Call.findByRef(callRef).map(call -> {
            if (call == null) {
                return ApiKeyFilter.problem(Response.Status.NOT_FOUND, "no-such-call", "no call with callRef " + callRef);
            }
            if (call.recordingPath == null) {
                return ApiKeyFilter.problem(Response.Status.NOT_FOUND, "no-recording",
                        "call " + callRef + " is not recorded (media.record)");
            }
            java.nio.file.Path file = java.nio.file.Path.of(call.recordingPath);
            if (!java.nio.file.Files.isRegularFile(file)) {
                return ApiKeyFilter.problem(Response.Status.NOT_FOUND, "recording-elsewhere",
                        "the recording of call " + callRef + " is not on this instance; it was written by "
                                + call.mediaOwner);
            }
            return Response.ok(file.toFile(), "audio/wav").build();
        });
    }

    @GET
    @Operation(summary = "Calls, newest first, optionally in one state (at most 100)")
    @WithSession
    public Uni<Response> list(@RestQuery String state) {
        CallState wanted;
        try {
            wanted = state == null ? null : CallState.valueOf(state.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().item(ApiKeyFilter.problem(Response.Status.BAD_REQUEST, "invalid-state",
                    "state is one of " + List.of(CallState.values())));
        }
        var query = wanted == null ? Call.<Call>find("order by createdAt desc")
                : Call.<Call>find("state = ?1 order by createdAt desc", wanted);
        return query.page(0, 100).list().map(calls -> Response.ok(calls.stream().map(CallView::of).toList()).build());
    }

    @DELETE
    @Path("/{callRef}")
    @Operation(summary = "Hang up")
    public Uni<Response> hangUp(@RestPath String callRef) {
        return existing(callRef).chain(found -> found == null
                ? Uni.createFrom().item(ApiKeyFilter.problem(Response.Status.NOT_FOUND, "no-such-call",
                "no call with callRef " + callRef))
                : orchestrator.hangUp("rest-" + UUID.randomUUID(), callRef)
                .replaceWith(Response.accepted(Map.of("callRef", callRef)).build()));
    }

    @POST
    @Path("/{callRef}/accept")
    @Operation(summary = "Accept a user-initiated call (callRef = its WhatsApp call id); body optional: "
            + "{\"media\": {\"tone\": Hz} | {\"prompt\": id}}")
    public Uni<Response> accept(@RestPath String callRef, JsonNode body) {
        ObjectNode command = body != null && body.isObject() ? ((ObjectNode) body).deepCopy()
                : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        command.put("type", "call.accept").put("callRef", callRef);
        return answer(callRef, command);
    }

    @POST
    @Path("/{callRef}/reject")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Reject a user-initiated call (callRef = its WhatsApp call id)")
    public Uni<Response> reject(@RestPath String callRef) {
        ObjectNode command = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        command.put("type", "call.reject").put("callRef", callRef);
        return answer(callRef, command);
    }

    @POST
    @Path("/{callRef}/stream")
    @Operation(summary = "Stream the call's audio to an application from now on (an active call at once, replacing "
            + "a running stream; else from the pick-up); body: {url, protocol, format, parameters, headers, onClose} "
            + "as media.stream")
    public Uni<Response> startStream(@RestPath String callRef, JsonNode body) {
        ObjectNode command = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        command.put("type", "call.stream.start").put("callRef", callRef);
        command.set("stream", body);
        return streamCommand(callRef, command, call -> null); // a running stream is replaced
    }

    @DELETE
    @Path("/{callRef}/stream")
    @Operation(summary = "End the call's audio stream; the call goes on, silent")
    public Uni<Response> stopStream(@RestPath String callRef) {
        ObjectNode command = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        command.put("type", "call.stream.stop").put("callRef", callRef);
        return streamCommand(callRef, command, call -> call.mediaStream == null ? "the call has no stream" : null);
    }

    /** 400 for a bad spec, 404 for an unknown call, 409 for an ended one or {@code conflict}'s refusal, else 202. */
    private Uni<Response> streamCommand(String callRef, ObjectNode body,
                                        java.util.function.Function<Call, String> conflict) {
        return command(callRef, body, call -> {
            if (!call.state.live() || call.state == CallState.TERMINATING) {
                return ApiKeyFilter.problem(Response.Status.CONFLICT, "call-ended", "the call has ended");
            }
            String refusal = conflict.apply(call);
            return refusal == null ? null
                    : ApiKeyFilter.problem(Response.Status.CONFLICT, "stream-conflict", refusal);
        });
    }

    /** 404 for an unknown call, 409 for one that is not an incoming call waiting for an answer, else 202. */
    private Uni<Response> answer(String callRef, ObjectNode body) {
        return command(callRef, body, call -> {
            String refusal = call.whyNotAnswerable();
            return refusal == null ? null : ApiKeyFilter.problem(Response.Status.CONFLICT,
                    call.direction != CallDirection.USER_INITIATED ? "not-incoming" : "call-ended", refusal);
        });
    }

    /**
     * A command about an existing call: 400 when it does not read, 404 for an unknown call, {@code refusal}'s answer
     * when it has one for the call as it stands, else dispatched and 202.
     */
    private Uni<Response> command(String callRef, ObjectNode body, java.util.function.Function<Call, Response> refusal) {
        CallCommand command;
        try {
            command = commands.read(body, "rest-" + UUID.randomUUID());
        } catch (InvalidCommandException e) {
            return Uni.createFrom().item(ApiKeyFilter.problem(Response.Status.BAD_REQUEST, "invalid-command",
                    String.join("; ", e.problems())));
        }
        return existing(callRef).chain(call -> {
            if (call == null) {
                return Uni.createFrom().item(ApiKeyFilter.problem(Response.Status.NOT_FOUND, "no-such-call",
                        "no call with callRef " + callRef));
            }
            Response refused = refusal.apply(call);
            if (refused != null) {
                return Uni.createFrom().item(refused);
            }
            return CommandConsumer.dispatch(orchestrator, command)
                    .replaceWith(Response.accepted(Map.of("callRef", callRef, "commandId", command.commandId()))
                            .build());
        });
    }

    private static Uni<Call> existing(String callRef) {
        return io.quarkus.hibernate.reactive.panache.Panache.withSession(() -> Call.findByRef(callRef));
    }
}
