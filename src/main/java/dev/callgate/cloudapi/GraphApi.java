package dev.callgate.cloudapi;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * The Graph API endpoints of the Calling API, as a Quarkus REST client (built by {@link CloudApiClient} with the
 * configured base URL). Bodies are JSON trees; {@link CloudApiClient} gives them types.
 */
@Path("/{version}/{phoneNumberId}")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public interface GraphApi {

    @POST
    @Path("/calls")
    Uni<JsonNode> calls(@PathParam("version") String version, @PathParam("phoneNumberId") String phoneNumberId,
                        @HeaderParam("Authorization") String authorization, JsonNode body);

    @GET
    @Path("/call_permissions")
    Uni<JsonNode> callPermissions(@PathParam("version") String version,
                                  @PathParam("phoneNumberId") String phoneNumberId,
                                  @HeaderParam("Authorization") String authorization,
                                  @QueryParam("user_wa_id") String userWaId,
                                  @QueryParam("recipient") String recipient);

    @GET
    @Path("/settings")
    Uni<JsonNode> settings(@PathParam("version") String version, @PathParam("phoneNumberId") String phoneNumberId,
                           @HeaderParam("Authorization") String authorization);

    @POST
    @Path("/settings")
    Uni<JsonNode> updateSettings(@PathParam("version") String version,
                                 @PathParam("phoneNumberId") String phoneNumberId,
                                 @HeaderParam("Authorization") String authorization, JsonNode body);

    @POST
    @Path("/messages")
    Uni<JsonNode> messages(@PathParam("version") String version, @PathParam("phoneNumberId") String phoneNumberId,
                           @HeaderParam("Authorization") String authorization, JsonNode body);
}
