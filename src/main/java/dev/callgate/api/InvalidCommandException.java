package dev.callgate.api;

import java.util.List;

/** A command that cannot be acted on, with every reason. */
public class InvalidCommandException extends RuntimeException {

    private final String callRef;
    private final String commandId;
    private final List<String> problems;

    public InvalidCommandException(String callRef, String commandId, List<String> problems) {
        super("invalid command" + (callRef == null ? "" : " for call " + callRef) + ": " + String.join("; ", problems));
        this.callRef = callRef;
        this.commandId = commandId;
        this.problems = List.copyOf(problems);
    }

    /** The callRef, when it could be read: the refusal is then also published as an event. */
    public String callRef() {
        return callRef;
    }

    public String commandId() {
        return commandId;
    }

    public List<String> problems() {
        return problems;
    }
}
