package dev.callgate.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.arc.properties.IfBuildProperty;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.concurrent.CompletionStage;

/**
 * The Graph API surface of the simulator (spec §8.1), at Meta's paths: {@code /{version}/{phone-number-id}/…} with any
 * {@code vNN.N} version. {@link UnversionedGraphApiSimulation} serves the same without a version.
 */
@Path("/{version: v\\d+\\.\\d+}/{phoneNumberId: \\d+}")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
@Tag(name = "simulator: Graph API")
@IfBuildProperty(name = "callgate.simulator.enabled", stringValue = "true", enableIfMissing = true)
@Blocking
public class GraphApiSimulation {

    private final CallingSimulator simulator;
    private final ObjectMapper mapper;

    public GraphApiSimulation(CallingSimulator simulator, ObjectMapper mapper) {
        this.simulator = simulator;
        this.mapper = mapper;
    }

    @POST
    @Path("/calls")
    @Operation(summary = "connect, pre_accept, accept, reject or terminate a call")
    public CompletionStage<Response> calls(@RestPath String phoneNumberId, @RestHeader("Authorization") String auth,
                                           String body) {
        simulator.checkToken(auth);
        return simulator.callActions().act(phoneNumberId, json(body)).thenApply(r -> Response.ok(r).build());
    }

    @GET
    @Path("/call_permissions")
    @Operation(summary = "A user's call permission and the actions allowed now")
    public Response callPermissions(@RestPath String phoneNumberId, @RestHeader("Authorization") String auth,
                                    @RestQuery("user_wa_id") String userWaId, @RestQuery String recipient) {
        simulator.checkToken(auth);
        return Response.ok(simulator.permissions().callPermissions(phoneNumberId,
                userWaId != null ? userWaId : recipient)).build();
    }

    @GET
    @Path("/settings")
    @Operation(summary = "The number's settings, calling included")
    public Response settings(@RestPath String phoneNumberId, @RestHeader("Authorization") String auth) {
        simulator.checkToken(auth);
        return Response.ok(simulator.settings().get(phoneNumberId)).build();
    }

    @POST
    @Path("/settings")
    @Operation(summary = "Update the calling settings")
    public Response updateSettings(@RestPath String phoneNumberId, @RestHeader("Authorization") String auth,
                                   String body) {
        simulator.checkToken(auth);
        return Response.ok(simulator.settings().update(phoneNumberId, json(body))).build();
    }

    @POST
    @Path("/messages")
    @Operation(summary = "Send a message: call permission requests (interactive or template) and others")
    public Response messages(@RestPath String phoneNumberId, @RestHeader("Authorization") String auth, String body) {
        simulator.checkToken(auth);
        return Response.ok(simulator.messages().send(phoneNumberId, json(body))).build();
    }

    @POST
    @Path("/message_templates")
    @Operation(summary = "Create a message template (the path id is the WhatsApp Business Account's); approved at once")
    public Response createTemplate(@RestPath String phoneNumberId, @RestHeader("Authorization") String auth,
                                   String body) {
        simulator.checkToken(auth);
        return Response.ok(simulator.messages().createTemplate(phoneNumberId, json(body))).build();
    }

    private JsonNode json(String body) {
        try {
            return mapper.readTree(body == null ? "" : body);
        } catch (JsonProcessingException e) {
            throw GraphError.invalidParameter("the request body is not valid JSON");
        }
    }

    @ServerExceptionMapper
    public Response graphError(GraphError error) {
        return error.response();
    }
}
