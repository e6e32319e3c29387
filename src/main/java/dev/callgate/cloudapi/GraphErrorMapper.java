package dev.callgate.cloudapi;

import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.ext.ResponseExceptionMapper;

/** Turns a non-2xx Graph response into a {@link GraphErrorResponse} carrying the body. */
public class GraphErrorMapper implements ResponseExceptionMapper<GraphErrorResponse> {

    @Override
    public GraphErrorResponse toThrowable(Response response) {
        String body = response.hasEntity() ? response.readEntity(String.class) : "";
        return new GraphErrorResponse(response.getStatus(), body);
    }

    @Override
    public boolean handles(int status, MultivaluedMap<String, Object> headers) {
        return status >= 300;
    }
}
