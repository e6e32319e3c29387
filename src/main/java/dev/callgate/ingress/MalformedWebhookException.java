package dev.callgate.ingress;

/** A correctly signed webhook whose JSON is not a Cloud API webhook; answered 400 with the detail. */
public class MalformedWebhookException extends RuntimeException {
    public MalformedWebhookException(String detail) {
        super(detail);
    }

    public MalformedWebhookException(String detail, Throwable cause) {
        super(detail, cause);
    }
}
