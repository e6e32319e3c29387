package dev.callgate.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * {@code GET/POST /settings}: a number's {@code calling} object. POST validates ({@link SettingsCheck}) and merges
 * field by field; a {@code call_hours} block replaces the old one, and call-hours times sent as {@code HH:MM} are
 * kept as {@code HHMM}.
 */
final class SimulatedSettings {

    private final SimulatedNumbers numbers;
    private final Faults faults;

    SimulatedSettings(SimulatedNumbers numbers, Faults faults) {
        this.numbers = numbers;
        this.faults = faults;
    }

    /** The settings a number starts with: calling on or off as configured, everything else Meta's defaults. */
    static ObjectNode initial(ObjectMapper mapper, boolean callingEnabled) {
        ObjectNode calling = mapper.createObjectNode();
        calling.put("status", callingEnabled ? "ENABLED" : "DISABLED");
        calling.put("call_icon_visibility", "DEFAULT");
        calling.putObject("call_icons").putArray("restrict_to_user_countries");
        calling.put("callback_permission_status", "DISABLED");
        calling.put("srtp_key_exchange_protocol", "DTLS");
        calling.putObject("audio").putArray("additional_codecs");
        ObjectNode sip = calling.putObject("sip");
        sip.put("status", "DISABLED");
        sip.putArray("servers");
        calling.putObject("voicemail").put("status", "DISABLED");
        return calling;
    }

    Map<String, Object> get(String phoneNumberId) {
        SimulatedNumber number = numbers.number(phoneNumberId);
        faults.before("settings");
        synchronized (number) {
            return Map.of("calling", number.calling.deepCopy(),
                    "storage_configuration", Map.of("status", "DEFAULT"));
        }
    }

    Map<String, Object> update(String phoneNumberId, JsonNode body) {
        SimulatedNumber number = numbers.number(phoneNumberId);
        faults.before("settings");
        JsonNode calling = body == null ? null : body.get("calling");
        if (calling == null || !calling.isObject()) {
            throw GraphError.invalidParameter("'calling' object is required");
        }
        SettingsCheck.validate(calling);
        synchronized (number) {
            ObjectNode updated = number.calling.deepCopy();
            calling.fields().forEachRemaining(field -> updated.set(field.getKey(), field.getValue().deepCopy()));
            if (calling.has("call_hours") && !calling.path("call_hours").has("holiday_schedule")) {
                ((ObjectNode) updated.get("call_hours")).remove("holiday_schedule");
            }
            SettingsCheck.storeTimesAsHhmm(updated.path("call_hours")); // "08:00" is taken, "0800" is kept
            number.calling = updated;
        }
        return Map.of("success", true);
    }
}
