package dev.callgate.simulator;

import io.quarkus.arc.properties.IfBuildProperty;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.concurrent.CompletionStage;

/** {@code POST /{phone-number-id}/calls} without a version, as some SDKs send it (spec §0). */
@Path("/{phoneNumberId: \\d+}")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
@Tag(name = "simulator: Graph API")
@IfBuildProperty(name = "callgate.simulator.enabled", stringValue = "true", enableIfMissing = true)
@Blocking
public class UnversionedGraphApiSimulation {

    private final GraphApiSimulation versioned;

    public UnversionedGraphApiSimulation(GraphApiSimulation versioned) {
        this.versioned = versioned;
    }

    @POST
    @Path("/calls")
    public CompletionStage<Response> calls(@RestPath String phoneNumberId, @RestHeader("Authorization") String auth,
                                           String body) {
        return versioned.calls(phoneNumberId, auth, body);
    }

    @ServerExceptionMapper
    public Response graphError(GraphError error) {
        return error.response();
    }
}
