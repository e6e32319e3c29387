package dev.callgate.simulator;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * The business phone numbers the simulator serves, each with its own state and lock (its monitor): settings, calls,
 * permissions, counters. Every read or change of a number's state holds {@code synchronized (number)}.
 */
final class SimulatedNumbers {

    private final List<String> phoneNumberIds;
    private final Supplier<ObjectNode> initialSettings;
    private final Map<String, SimulatedNumber> byId = new ConcurrentHashMap<>();

    SimulatedNumbers(List<String> phoneNumberIds, Supplier<ObjectNode> initialSettings) {
        this.phoneNumberIds = List.copyOf(phoneNumberIds);
        this.initialSettings = initialSettings;
        reset();
    }

    /** Ends every call silently (timers cancelled, phones closed); the numbers start afresh with initial settings. */
    void reset() {
        byId.values().forEach(n -> {
            synchronized (n) {
                n.calls.values().forEach(c -> {
                    c.timers.forEach(t -> t.cancel(false));
                    if (c.phone != null) {
                        c.phone.close();
                    }
                });
            }
        });
        byId.clear();
        for (String id : phoneNumberIds) {
            String digits = id.replaceAll("\\D", "");
            String display = "1555" + digits.substring(Math.max(0, digits.length() - 7));
            byId.put(id, new SimulatedNumber(id, display, initialSettings.get()));
        }
    }

    List<String> ids() {
        return phoneNumberIds;
    }

    /** The number, or Graph's error 100 for an id this simulator does not serve. */
    SimulatedNumber number(String phoneNumberId) {
        SimulatedNumber number = byId.get(phoneNumberId);
        if (number == null) {
            throw GraphError.invalidParameter("Unsupported request - object with ID '" + phoneNumberId
                    + "' does not exist, cannot be loaded due to missing permissions, or does not support this "
                    + "operation");
        }
        return number;
    }

    Collection<SimulatedNumber> all() {
        return byId.values();
    }

    /** Runs {@code action} on the call with this id, holding its number's lock; NoSuchElementException if unknown. */
    <T> T withCall(String callId, BiFunction<SimulatedNumber, SimulatedCall, T> action) {
        for (SimulatedNumber number : byId.values()) {
            synchronized (number) {
                SimulatedCall call = number.calls.get(callId);
                if (call != null) {
                    return action.apply(number, call);
                }
            }
        }
        throw new NoSuchElementException("no call " + callId);
    }
}
