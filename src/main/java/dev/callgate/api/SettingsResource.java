package dev.callgate.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.callgate.cloudapi.CloudApiException;
import dev.callgate.cloudapi.CloudApiUnreachableException;
import dev.callgate.settings.CallingSettings;
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

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A business number's calling settings (spec §3) over the Cloud API: problems are found here and named all at once
 * (400); Meta's refusals keep their code (138015 / 138018 → 409, 100 → 400, others → 502).
 */
@Path("/v1/settings")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "settings")
public class SettingsResource {

    private final CallingSettings settings;

    public SettingsResource(CallingSettings settings) {
        this.settings = settings;
    }

    @GET
    @Path("/{phoneNumberId}")
    @Operation(summary = "The number's calling settings, as the Cloud API returns them")
    public Uni<Response> get(@RestPath String phoneNumberId) {
        return settings.read(phoneNumberId).map(calling -> Response.ok(Map.of("calling", calling)).build())
                .onFailure().recoverWithItem(SettingsResource::refused);
    }

    @POST
    @Path("/{phoneNumberId}")
    @Operation(summary = "Update calling settings: a partial calling object (or {\"calling\": {...}}); every problem "
            + "is named before anything is sent; warnings say what the update also does")
    public Uni<Response> update(@RestPath String phoneNumberId, JsonNode body) {
        JsonNode calling = body != null && body.has("calling") ? body.get("calling") : body;
        return settings.update(phoneNumberId, calling).map(result -> {
            if (!result.problems().isEmpty()) {
                return ApiKeyFilter.problem(Response.Status.BAD_REQUEST, "invalid-settings",
                        String.join("; ", result.problems()), Map.of("problems", result.problems()));
            }
            Map<String, Object> entity = new LinkedHashMap<>();
            entity.put("success", true);
            entity.put("sent", result.calling());
            entity.put("warnings", result.warnings());
            return Response.ok(entity).build();
        }).onFailure().recoverWithItem(SettingsResource::refused);
    }

    private static Response refused(Throwable failure) {
        if (failure instanceof CloudApiException graph) {
            Response.Status status = graph.code() == 138015 || graph.code() == 138018 ? Response.Status.CONFLICT
                    : graph.code() == 100 ? Response.Status.BAD_REQUEST : Response.Status.BAD_GATEWAY;
            return ApiKeyFilter.problem(status, "cloud-api-refused", "(" + graph.code() + ") " + graph.graphMessage()
                    + graph.details().map(d -> " — " + d).orElse(""));
        }
        if (failure instanceof CloudApiUnreachableException) {
            return ApiKeyFilter.problem(Response.Status.BAD_GATEWAY, "cloud-api-unreachable", failure.getMessage());
        }
        return ApiKeyFilter.problem(Response.Status.INTERNAL_SERVER_ERROR, "error", String.valueOf(failure));
    }
}
