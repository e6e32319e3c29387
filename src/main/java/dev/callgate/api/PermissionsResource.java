package dev.callgate.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.callgate.permission.PermissionView;
import dev.callgate.permission.Permissions;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** Call permissions: what is known of a user's permission, and permission requests (the twin of the command). */
@Path("/v1/permissions")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "permissions")
public class PermissionsResource {

    private final Permissions permissions;

    public PermissionsResource(Permissions permissions) {
        this.permissions = permissions;
    }

    @GET
    @Path("/{phoneNumberId}/{waId}")
    @Operation(summary = "A user's call permission: status, expiry, request limits, unanswered streak")
    public Uni<PermissionView> get(@RestPath String phoneNumberId, @RestPath String waId) {
        return permissions.view(phoneNumberId, waId);
    }

    @POST
    @Path("/requests")
    @Operation(summary = "Send a call permission request (body as the permission.request command, without type); "
            + "refused here with 409 (138017) or 429 (138009, Retry-After) when Meta would refuse it")
    public Uni<Response> request(JsonNode body) {
        if (body == null || !body.isObject()) {
            return Uni.createFrom().item(ApiKeyFilter.problem(Response.Status.BAD_REQUEST, "invalid-command",
                    "the body is a JSON object"));
        }
        dev.callgate.permission.PermissionRequest request;
        try {
            request = PermissionCommand.parse(body, "rest-" + UUID.randomUUID());
        } catch (InvalidCommandException e) {
            return Uni.createFrom().item(ApiKeyFilter.problem(Response.Status.BAD_REQUEST, "invalid-command",
                    String.join("; ", e.problems())));
        }
        return permissions.request(request).map(outcome -> {
            Map<String, Object> entity = new LinkedHashMap<>();
            entity.put("commandId", request.commandId());
            entity.put("result", outcome.result());
            if (outcome.messageId() != null) {
                entity.put("messageId", outcome.messageId());
            }
            switch (outcome.result()) {
                case Permissions.RequestOutcome.SENT:
                    return Response.status(Response.Status.CREATED).entity(entity).build();
                case Permissions.RequestOutcome.DUPLICATE:
                    return Response.ok(entity).build();
                default:
                    break;
            }
            String detail = (outcome.errorCode() == null ? "" : "(" + outcome.errorCode() + ") ") + outcome.reason();
            if (Permissions.RequestOutcome.FAILED.equals(outcome.result())) {
                return ApiKeyFilter.problem(Response.Status.BAD_GATEWAY, "cloud-api-refused", detail);
            }
            if (Integer.valueOf(138017).equals(outcome.errorCode())) {
                return ApiKeyFilter.problem(Response.Status.CONFLICT, "permission-exists", detail);
            }
            Response problem = ApiKeyFilter.problem(Response.Status.TOO_MANY_REQUESTS, "request-limit", detail);
            Instant next = outcome.nextPossibleAt();
            long seconds = next == null ? 0 : Math.max(1, Duration.between(Instant.now(), next).toSeconds());
            return Response.fromResponse(problem).header("Retry-After", seconds).build();
        });
    }
}
