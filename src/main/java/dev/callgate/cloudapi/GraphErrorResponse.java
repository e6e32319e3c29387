package dev.callgate.cloudapi;

/** A non-2xx Graph answer as received: the status and the raw body, before it is read as an error envelope. */
public class GraphErrorResponse extends RuntimeException {

    private final int status;
    private final String body;

    public GraphErrorResponse(int status, String body) {
        super("HTTP " + status, null, false, false);
        this.status = status;
        this.body = body;
    }

    public int status() {
        return status;
    }

    public String body() {
        return body;
    }
}
