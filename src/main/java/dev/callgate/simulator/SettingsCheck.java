package dev.callgate.simulator;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The validation Meta applies to {@code POST /settings} (spec §3); every failure is code 100 with details. */
final class SettingsCheck {

    private static final Set<String> ON_OFF = Set.of("ENABLED", "DISABLED");
    private static final Set<String> DAYS = Set.of("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY",
            "SATURDAY", "SUNDAY");
    private static final Pattern TIME = Pattern.compile("^([01]\\d|2[0-3]):?([0-5]\\d)$");

    private SettingsCheck() {
    }

    static void validate(JsonNode calling) {
        onOff(calling, "status");
        onOff(calling, "callback_permission_status");
        if (calling.has("call_icon_visibility")
                && !Set.of("DEFAULT", "DISABLE_ALL", "HIDE_IN_CHAT").contains(calling.get("call_icon_visibility").asText())) {
            throw GraphError.invalidParameter("call_icon_visibility must be DEFAULT or DISABLE_ALL");
        }
        if (calling.has("srtp_key_exchange_protocol")
                && !Set.of("DTLS", "SDES").contains(calling.get("srtp_key_exchange_protocol").asText())) {
            throw GraphError.invalidParameter("srtp_key_exchange_protocol must be DTLS or SDES");
        }
        JsonNode codecs = calling.path("audio").path("additional_codecs");
        for (JsonNode codec : codecs) {
            if (!Set.of("PCMA", "PCMU").contains(codec.asText())) {
                throw GraphError.invalidParameter("audio.additional_codecs may hold PCMA and PCMU only");
            }
        }
        if (calling.has("sip")) {
            onOff(calling.get("sip"), "status");
        }
        if (calling.has("call_hours")) {
            callHours(calling.get("call_hours"));
        }
    }

    private static void onOff(JsonNode node, String field) {
        if (node.has(field) && !ON_OFF.contains(node.get(field).asText())) {
            throw GraphError.invalidParameter("Invalid status: " + field + " must be ENABLED or DISABLED");
        }
    }

    private static void callHours(JsonNode hours) {
        if (!hours.has("status")) {
            throw GraphError.invalidParameter("call_hours.status is required");
        }
        onOff(hours, "status");
        try {
            ZoneId.of(hours.path("timezone_id").asText(""));
        } catch (DateTimeException e) {
            throw GraphError.invalidParameter("Invalid timezone: call_hours.timezone_id '"
                    + hours.path("timezone_id").asText() + "'");
        }
        JsonNode weekly = hours.get("weekly_operating_hours");
        if (weekly == null || !weekly.isArray() || weekly.isEmpty()) {
            throw GraphError.invalidParameter("Empty weekly hours: weekly_operating_hours is required");
        }
        Map<String, List<int[]>> byDay = new HashMap<>();
        for (JsonNode slot : weekly) {
            String day = slot.path("day_of_week").asText("");
            if (!DAYS.contains(day)) {
                throw GraphError.invalidParameter("Invalid schedule: day_of_week '" + day + "'");
            }
            int open = minutes(slot.path("open_time").asText(""));
            int close = minutes(slot.path("close_time").asText(""));
            if (open >= close) {
                throw GraphError.invalidParameter("Invalid schedule: open_time must be before close_time on " + day);
            }
            List<int[]> slots = byDay.computeIfAbsent(day, d -> new ArrayList<>());
            for (int[] other : slots) {
                if (open < other[1] && other[0] < close) {
                    throw GraphError.invalidParameter("Overlapping entries on " + day);
                }
            }
            slots.add(new int[]{open, close});
            if (slots.size() > 2) {
                throw GraphError.invalidParameter("More than 2 entries per day on " + day);
            }
        }
        JsonNode holidays = hours.get("holiday_schedule");
        if (holidays != null) {
            if (!holidays.isArray() || holidays.size() > 20) {
                throw GraphError.invalidParameter("holiday_schedule holds at most 20 entries");
            }
            LocalDate today = LocalDate.now(ZoneId.of(hours.path("timezone_id").asText()));
            for (JsonNode holiday : holidays) {
                LocalDate date;
                try {
                    date = LocalDate.parse(holiday.path("date").asText(""));
                } catch (DateTimeParseException e) {
                    throw GraphError.invalidParameter("Invalid date format: '" + holiday.path("date").asText()
                            + "' (YYYY-MM-DD)");
                }
                if (date.isBefore(today)) {
                    throw GraphError.invalidParameter("Holiday in the past: " + date);
                }
                if (minutes(holiday.path("start_time").asText("")) >= minutes(holiday.path("end_time").asText(""))) {
                    throw GraphError.invalidParameter("Invalid schedule: holiday start_time must be before end_time");
                }
            }
        }
    }

    /** Rewrites every time of a (validated) {@code call_hours} block as Meta keeps it: "HHMM" (spec §3). */
    static void storeTimesAsHhmm(JsonNode hours) {
        java.util.List<JsonNode> slots = new ArrayList<>();
        hours.path("weekly_operating_hours").forEach(slots::add);
        hours.path("holiday_schedule").forEach(slots::add);
        for (JsonNode slot : slots) {
            for (String field : List.of("open_time", "close_time", "start_time", "end_time")) {
                if (slot.isObject() && slot.hasNonNull(field)) {
                    ((com.fasterxml.jackson.databind.node.ObjectNode) slot).put(field,
                            slot.get(field).asText().replace(":", ""));
                }
            }
        }
    }

    /** "HHMM" (and "HH:MM", seen in one sample) as minutes of the day. */
    private static int minutes(String time) {
        Matcher m = TIME.matcher(time);
        if (!m.matches()) {
            throw GraphError.invalidParameter("Invalid schedule: time '" + time + "' must be HHMM");
        }
        return Integer.parseInt(m.group(1)) * 60 + Integer.parseInt(m.group(2));
    }
}
