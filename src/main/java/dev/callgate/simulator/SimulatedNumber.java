package dev.callgate.simulator;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** Meta's state for one business phone number. Every access holds the object's monitor. */
final class SimulatedNumber {

    final String phoneNumberId;
    final String displayPhoneNumber;
    /** The {@code calling} settings object, as GET returns it. */
    ObjectNode calling;
    final Map<String, SimulatedCall> calls = new LinkedHashMap<>();
    final Map<String, PermissionRecord> permissions = new HashMap<>();
    /** Connect initiations, oldest first, for the per-number daily limit. */
    final Deque<Instant> initiations = new ArrayDeque<>();
    /** GET call_permissions times within the last second, for 613. */
    final Deque<Instant> permissionFetches = new ArrayDeque<>();

    SimulatedNumber(String phoneNumberId, String displayPhoneNumber, ObjectNode calling) {
        this.phoneNumberId = phoneNumberId;
        this.displayPhoneNumber = displayPhoneNumber;
        this.calling = calling;
    }

    long liveCalls() {
        return calls.values().stream().filter(SimulatedCall::live).count();
    }

    SimulatedCall liveCallWith(String userWaId) {
        return calls.values().stream().filter(c -> c.live() && c.userWaId.equals(userWaId)).findFirst().orElse(null);
    }
}
