package dev.callgate.ingress;

/** Kafka did not acknowledge every record of a webhook in time; the webhook is answered 503 so Meta retries. */
public class PublishFailedException extends RuntimeException {
    public PublishFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
