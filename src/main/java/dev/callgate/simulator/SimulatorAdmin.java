package dev.callgate.simulator;

import io.quarkus.arc.properties.IfBuildProperty;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The simulator's admin API: script the WhatsApp user, place user-initiated calls, switch chaos on, read reports.
 * See docs/simulator.md.
 */
@Path("/simulator")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
@Tag(name = "simulator: admin")
@IfBuildProperty(name = "callgate.simulator.enabled", stringValue = "true", enableIfMissing = true)
@Blocking
public class SimulatorAdmin {

    private final CallingSimulator simulator;

    public SimulatorAdmin(CallingSimulator simulator) {
        this.simulator = simulator;
    }

    /** A user's script; absent fields take the configured defaults. Durations in milliseconds. */
    public record ScriptRequest(Long answerAfterMs, Boolean neverAnswer, Boolean reject, Long hangUpAfterMs,
                                Boolean neverHangUp, Double toneHz, String permissionRequestReply,
                                Integer permissionRequestFails) {
    }

    public record PermissionRequest(String type, String phoneNumberId) {
    }

    public record ReplyRequest(String response, Boolean permanent, String messageId, String phoneNumberId) {
    }

    public record PlaceCallRequest(String phoneNumberId, Double toneHz, Long hangUpAfterMs, String deeplinkPayload,
                                   String ctaPayload) {
    }

    public record FaultRequest(Integer httpStatus, Integer code, Long delayMs, Integer count, Boolean afterApplying) {
    }

    public record ChaosRequest(Boolean duplicate, Boolean reorder, Boolean connectBeforeResponse, Long delayMs,
                               Long acceptedDelayMs, Boolean acceptedNever) {
    }

    @GET
    @Operation(summary = "Numbers served, chaos switches and the default user")
    public Map<String, Object> overview() {
        UserScript d = simulator.scripts().defaultScript();
        return Map.of("phoneNumberIds", simulator.phoneNumberIds(), "chaos", simulator.faults().chaos(),
                "defaultUser", Map.of("answerAfterMs", d.answerAfter() == null ? -1 : d.answerAfter().toMillis(),
                        "hangUpAfterMs", d.hangUpAfter() == null ? -1 : d.hangUpAfter().toMillis(),
                        "toneHz", d.toneHz()));
    }

    @POST
    @Path("/reset")
    @Operation(summary = "Forget all calls, permissions, scripts and chaos")
    public Response reset() {
        simulator.reset();
        return Response.noContent().build();
    }

    @PUT
    @Path("/users/{waId}")
    @Operation(summary = "Script how a user behaves")
    public Response script(@RestPath String waId, ScriptRequest request) {
        UserScript d = simulator.scripts().defaultScript();
        Duration answer = Boolean.TRUE.equals(request.neverAnswer()) ? null
                : request.answerAfterMs() != null ? Duration.ofMillis(request.answerAfterMs()) : d.answerAfter();
        Duration hangUp = Boolean.TRUE.equals(request.neverHangUp()) ? null
                : request.hangUpAfterMs() != null ? Duration.ofMillis(request.hangUpAfterMs()) : d.hangUpAfter();
        if (request.permissionRequestFails() != null && request.permissionRequestFails() <= 0) {
            throw new IllegalArgumentException("permissionRequestFails must be a positive error code, e.g. 131026");
        }
        simulator.scripts().script(waId, new UserScript(answer, Boolean.TRUE.equals(request.reject()), hangUp,
                request.toneHz() != null ? request.toneHz() : d.toneHz(), request.permissionRequestReply(),
                request.permissionRequestFails()));
        return Response.noContent().build();
    }

    @POST
    @Path("/users/{waId}/permission")
    @Operation(summary = "The user grants call permission: type temporary or permanent")
    public Response grant(@RestPath String waId, PermissionRequest request) {
        String type = request == null || request.type() == null ? "temporary" : request.type();
        if (!type.equals("temporary") && !type.equals("permanent")) {
            throw new IllegalArgumentException("type must be temporary or permanent");
        }
        simulator.permissions().grant(number(request == null ? null : request.phoneNumberId()), waId,
                type.equals("permanent"));
        return Response.noContent().build();
    }

    @DELETE
    @Path("/users/{waId}/permission")
    @Operation(summary = "The user revokes call permission")
    public Response revoke(@RestPath String waId, @RestQuery String phoneNumberId) {
        simulator.permissions().revoke(number(phoneNumberId), waId);
        return Response.noContent().build();
    }

    @GET
    @Path("/users/{waId}/permission-requests")
    @Operation(summary = "The user's permission requests with their message status webhooks (sent, delivered or failed)")
    public List<Map<String, Object>> permissionRequests(@RestPath String waId, @RestQuery String phoneNumberId) {
        return simulator.messages().permissionRequests(number(phoneNumberId), waId);
    }

    @POST
    @Path("/users/{waId}/permission-replies")
    @Operation(summary = "The user answers a call permission request (the latest unless messageId is given)")
    public Response reply(@RestPath String waId, ReplyRequest request) {
        String response = request.response() == null ? "accept" : request.response();
        if (!response.equals("accept") && !response.equals("reject")) {
            throw new IllegalArgumentException("response must be accept or reject");
        }
        simulator.permissions().reply(number(request.phoneNumberId()), waId, response,
                Boolean.TRUE.equals(request.permanent()), request.messageId());
        return Response.noContent().build();
    }

    @POST
    @Path("/users/{waId}/calls")
    @Operation(summary = "The user calls the business (user-initiated call); returns the call id")
    public Response placeCall(@RestPath String waId, PlaceCallRequest request) {
        String callId = simulator.calls().placeUserCall(number(request == null ? null : request.phoneNumberId()),
                waId,
                request == null ? null : request.toneHz(),
                request == null || request.hangUpAfterMs() == null ? null : Duration.ofMillis(request.hangUpAfterMs()),
                request == null ? null : request.deeplinkPayload(), request == null ? null : request.ctaPayload());
        return Response.status(Response.Status.CREATED).entity(Map.of("callId", callId)).build();
    }

    @POST
    @Path("/calls/{callId}/{action: answer|reject|hangup}")
    @Operation(summary = "The user on this call answers, rejects or hangs up now")
    public Response userAction(@RestPath String callId, @RestPath String action) {
        simulator.calls().userAction(callId, action);
        return Response.noContent().build();
    }

    /** {@code code}: a 1380xx error, or null for a FAILED terminate without errors; {@code errorsInItem}: where. */
    public record FailRequest(Integer code, Boolean errorsInItem) {
    }

    @POST
    @Path("/calls/{callId}/fail")
    @Operation(summary = "The call fails on the user's side: Meta's terminate says FAILED, with or without an error")
    public Response fail(@RestPath String callId, FailRequest request) {
        simulator.calls().fail(callId, request == null ? null : request.code(),
                request != null && Boolean.TRUE.equals(request.errorsInItem()));
        return Response.noContent().build();
    }

    @GET
    @Path("/calls/{callId}")
    @Operation(summary = "What happened on a call: states, webhooks, SDPs and the audio the user's phone heard")
    public Map<String, Object> call(@RestPath String callId) {
        return simulator.calls().report(callId);
    }

    @GET
    @Path("/calls")
    public List<Map<String, Object>> calls() {
        return simulator.calls().reports();
    }

    @PUT
    @Path("/chaos")
    @Operation(summary = "Chaos switches: duplicate, reorder, connectBeforeResponse, delayMs, acceptedDelayMs, acceptedNever")
    public Map<String, Object> chaos(ChaosRequest request) {
        simulator.faults().chaos(Boolean.TRUE.equals(request.duplicate()), Boolean.TRUE.equals(request.reorder()),
                Boolean.TRUE.equals(request.connectBeforeResponse()),
                request.delayMs() == null ? 0 : request.delayMs(),
                request.acceptedDelayMs() == null ? 0 : request.acceptedDelayMs(),
                Boolean.TRUE.equals(request.acceptedNever()));
        return simulator.faults().chaos();
    }

    @PUT
    @Path("/faults/{action}")
    @Operation(summary = "Test hook: answer the next `count` requests of an action with an error, or delay them")
    public Map<String, Object> fault(@RestPath String action, FaultRequest request) {
        simulator.faults().arm(action, request.httpStatus() == null ? 0 : request.httpStatus(),
                request.code() == null ? 138004 : request.code(), request.delayMs() == null ? 0 : request.delayMs(),
                request.count() == null ? 1 : request.count(), Boolean.TRUE.equals(request.afterApplying()));
        return simulator.faults().report();
    }

    @GET
    @Path("/faults")
    public Map<String, Object> faults() {
        return simulator.faults().report();
    }

    private String number(String phoneNumberId) {
        return phoneNumberId != null ? phoneNumberId : simulator.phoneNumberIds().get(0);
    }

    @ServerExceptionMapper
    public Response notFound(NoSuchElementException e) {
        return problem(Response.Status.NOT_FOUND, e.getMessage());
    }

    @ServerExceptionMapper
    public Response badRequest(IllegalArgumentException e) {
        return problem(Response.Status.BAD_REQUEST, e.getMessage());
    }

    @ServerExceptionMapper
    public Response conflict(IllegalStateException e) {
        return problem(Response.Status.CONFLICT, e.getMessage());
    }

    @ServerExceptionMapper
    public Response graphError(GraphError e) {
        return problem(Response.Status.BAD_REQUEST, e.getMessage() + (e.details == null ? "" : ": " + e.details));
    }

    private static Response problem(Response.Status status, String detail) {
        return Response.status(status).type("application/problem+json")
                .entity(Map.of("title", status.getReasonPhrase(), "status", status.getStatusCode(),
                        "detail", detail == null ? "" : detail)).build();
    }
}
