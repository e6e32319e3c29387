package dev.callgate.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.callgate.call.flow.Prompts;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/**
 * Reads a call command (Kafka or REST) and checks what only this instance can check: that a prompt it names can be
 * played. Both transports refuse the same commands with the same reasons.
 */
@ApplicationScoped
public class CommandReader {

    private final Prompts prompts;

    public CommandReader(Prompts prompts) {
        this.prompts = prompts;
    }

    /** @throws InvalidCommandException naming every problem */
    public CallCommand read(JsonNode json, String defaultCommandId) {
        CallCommand command = CallCommand.parse(json, defaultCommandId);
        prompts.problem(promptOf(command)).ifPresent(problem -> {
            throw new InvalidCommandException(command.callRef(), command.commandId(), List.of(problem));
        });
        return command;
    }

    /** The prompt id a command asks to play, or null. */
    private static String promptOf(CallCommand command) {
        if (command instanceof CallCommand.Initiate initiate) {
            return initiate.call().prompt();
        }
        return command instanceof CallCommand.Accept accept ? accept.prompt() : null;
    }
}
