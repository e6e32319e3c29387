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

    /** Calling is switched on for the number (settings {@code status}). */
    boolean callingEnabled() {
        return "ENABLED".equals(calling.path("status").asText());
    }

    /** SIP is on: Meta then refuses the Graph calling API (131055). */
    boolean sipEnabled() {
        return "ENABLED".equals(calling.path("sip").path("status").asText());
    }

    /** SRTP keys are exchanged by DTLS (not SDES): SDPs must carry a fingerprint. */
    boolean dtls() {
        return !"SDES".equals(calling.path("srtp_key_exchange_protocol").asText());
    }

    /** A user who calls gets a temporary permission automatically (callback permission status). */
    boolean grantsPermissionWhenUserCalls() {
        return "ENABLED".equals(calling.path("callback_permission_status").asText());
    }

    long liveCalls() {
        return calls.values().stream().filter(SimulatedCall::live).count();
    }

    SimulatedCall liveCallWith(String userWaId) {
        return calls.values().stream().filter(c -> c.live() && c.userWaId.equals(userWaId)).findFirst().orElse(null);
    }
}
