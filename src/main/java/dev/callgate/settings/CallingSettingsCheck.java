package dev.callgate.settings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a {@code calling} settings update against spec §3 before it is sent, naming every problem at once (Meta
 * names one at a time), normalises times to HHMM, and says what the update will do that a caller may not expect.
 */
public final class CallingSettingsCheck {

    /** The outcome: problems (nothing may be sent), warnings (sent, but read this), the update as it will be sent. */
    public record Result(List<String> problems, List<String> warnings, ObjectNode calling) {
    }

    private enum Day { MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY }

    private static final Pattern HHMM = Pattern.compile("([01]\\d|2[0-3]):?([0-5]\\d)");
    private static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");
    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

    private CallingSettingsCheck() {
    }

    public static Result check(JsonNode input) {
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        if (input == null || !input.isObject() || input.isEmpty()) {
            problems.add("the body is a non-empty calling settings object");
            return new Result(problems, warnings, null);
        }
        ObjectNode calling = ((ObjectNode) input).deepCopy();
        oneOf(calling, "status", Set.of("ENABLED", "DISABLED"), problems);
        oneOf(calling, "callback_permission_status", Set.of("ENABLED", "DISABLED"), problems);
        oneOf(calling, "call_icon_visibility", Set.of("DEFAULT", "DISABLE_ALL", "HIDE_IN_CHAT"), problems);
        oneOf(calling, "srtp_key_exchange_protocol", Set.of("DTLS", "SDES"), problems);
        if ("SDES".equals(calling.path("srtp_key_exchange_protocol").asText())) {
            problems.add("srtp_key_exchange_protocol SDES is refused: Callgate's media is DTLS-SRTP only (libwebrtc), "
                    + "so with SDES no call could set up its media; keep DTLS");
        }
        JsonNode countries = calling.path("call_icons").path("restrict_to_user_countries");
        if (!countries.isMissingNode()) {
            if (!countries.isArray()) {
                problems.add("call_icons.restrict_to_user_countries is an array of country codes ([] = everywhere)");
            } else {
                countries.forEach(c -> {
                    if (!COUNTRY.matcher(c.asText()).matches()) {
                        problems.add("call_icons.restrict_to_user_countries: '" + c.asText()
                                + "' is not an ISO 3166 alpha-2 code such as US");
                    }
                });
            }
        }
        JsonNode codecs = calling.path("audio").path("additional_codecs");
        if (!codecs.isMissingNode()) {
            if (!codecs.isArray()) {
                problems.add("audio.additional_codecs is an array");
            } else {
                codecs.forEach(c -> {
                    if (!Set.of("PCMA", "PCMU").contains(c.asText())) {
                        problems.add("audio.additional_codecs: '" + c.asText() + "' — only PCMA and PCMU can be "
                                + "added (Opus is always on)");
                    }
                });
            }
        }
        if (calling.has("sip")) {
            oneOf((ObjectNode) calling.get("sip"), "status", Set.of("ENABLED", "DISABLED"), problems, "sip.");
            if ("ENABLED".equals(calling.path("sip").path("status").asText())) {
                warnings.add("sip.status ENABLED blocks the /calls endpoint (131055) and stops call webhooks: "
                        + "Callgate cannot place or receive calls on this number while it is on");
            }
        }
        if (calling.has("call_hours")) {
            callHours(calling.get("call_hours"), problems, warnings);
        }
        if ("DISABLED".equals(calling.path("status").asText())) {
            warnings.add("status DISABLED: every call action on this number fails with 138000 until enabled again");
        }
        return new Result(problems, warnings, calling);
    }

    private static void oneOf(ObjectNode node, String field, Set<String> allowed, List<String> problems) {
        oneOf(node, field, allowed, problems, "");
    }

    private static void oneOf(JsonNode node, String field, Set<String> allowed, List<String> problems, String path) {
        if (node.has(field) && !allowed.contains(node.get(field).asText())) {
            problems.add(path + field + " is one of " + String.join(", ", allowed.stream().sorted().toList())
                    + ", not '" + node.get(field).asText() + "'");
        }
    }

    private static void callHours(JsonNode hours, List<String> problems, List<String> warnings) {
        if (!hours.isObject()) {
            problems.add("call_hours is an object");
            return;
        }
        if (!hours.has("status")) {
            problems.add("call_hours.status is required");
        }
        oneOf(hours, "status", Set.of("ENABLED", "DISABLED"), problems, "call_hours.");
        ZoneId zone = null;
        if (!hours.hasNonNull("timezone_id")) {
            problems.add("call_hours.timezone_id is required (an IANA zone such as America/Manaus)");
        } else {
            try {
                zone = ZoneId.of(hours.get("timezone_id").asText());
            } catch (DateTimeException e) {
                problems.add("call_hours.timezone_id '" + hours.get("timezone_id").asText()
                        + "' is not a time zone (IANA, such as America/Manaus)");
            }
        }
        JsonNode weekly = hours.path("weekly_operating_hours");
        if (!weekly.isArray() || weekly.isEmpty()) {
            problems.add("call_hours.weekly_operating_hours is required and not empty");
        } else {
            Map<Day, List<int[]>> byDay = new EnumMap<>(Day.class);
            for (int i = 0; i < weekly.size(); i++) {
                JsonNode entry = weekly.get(i);
                String where = "call_hours.weekly_operating_hours[" + i + "]";
                if (!entry.isObject()) {
                    problems.add(where + " is an object {day_of_week, open_time, close_time}");
                    continue;
                }
                Day day = null;
                try {
                    day = Day.valueOf(entry.path("day_of_week").asText());
                } catch (IllegalArgumentException e) {
                    problems.add(where + ".day_of_week '" + entry.path("day_of_week").asText()
                            + "' is not MONDAY … SUNDAY");
                }
                Integer open = time(entry, "open_time", where, problems);
                Integer close = time(entry, "close_time", where, problems);
                if (open != null && close != null && open >= close) {
                    problems.add(where + ": open_time must be before close_time");
                }
                if (day != null && open != null && close != null && open < close) {
                    byDay.computeIfAbsent(day, d -> new ArrayList<>()).add(new int[]{open, close});
                }
            }
            byDay.forEach((day, ranges) -> {
                if (ranges.size() > 2) {
                    problems.add("call_hours.weekly_operating_hours: at most 2 ranges a day, " + day + " has "
                            + ranges.size());
                }
                ranges.sort((a, b) -> Integer.compare(a[0], b[0]));
                for (int i = 1; i < ranges.size(); i++) {
                    if (ranges.get(i)[0] < ranges.get(i - 1)[1]) {
                        problems.add("call_hours.weekly_operating_hours: the ranges of " + day + " overlap");
                    }
                }
            });
        }
        JsonNode holidays = hours.get("holiday_schedule");
        if (holidays == null || holidays.isNull()) {
            warnings.add("call_hours without holiday_schedule deletes the number's existing holiday schedule "
                    + "(each update replaces the whole call_hours block)");
            return;
        }
        if (!holidays.isArray()) {
            problems.add("call_hours.holiday_schedule is an array");
            return;
        }
        if (holidays.size() > 20) {
            problems.add("call_hours.holiday_schedule holds at most 20 dates, not " + holidays.size());
        }
        LocalDate today = LocalDate.now(zone != null ? zone : ZoneId.of("UTC"));
        for (int i = 0; i < holidays.size(); i++) {
            JsonNode entry = holidays.get(i);
            String where = "call_hours.holiday_schedule[" + i + "]";
            if (!entry.isObject()) {
                problems.add(where + " is an object {date, start_time, end_time}");
                continue;
            }
            String date = entry.path("date").asText();
            if (!DATE.matcher(date).matches()) {
                problems.add(where + ".date '" + date + "' is not YYYY-MM-DD");
            } else {
                try {
                    if (LocalDate.parse(date).isBefore(today)) {
                        problems.add(where + ".date " + date + " is in the past");
                    }
                } catch (DateTimeParseException e) {
                    problems.add(where + ".date '" + date + "' is not a date");
                }
            }
            Integer start = time(entry, "start_time", where, problems);
            Integer end = time(entry, "end_time", where, problems);
            if (start != null && end != null && start >= end) {
                problems.add(where + ": start_time must be before end_time");
            }
        }
    }

    /** Minutes of the day of an HHMM (or HH:MM) field, rewritten as HHMM; null (with a problem) when invalid. */
    private static Integer time(JsonNode entry, String field, String where, List<String> problems) {
        Matcher m = HHMM.matcher(entry.path(field).asText());
        if (!m.matches()) {
            problems.add(where + "." + field + " '" + entry.path(field).asText() + "' is not HHMM (0000–2359)");
            return null;
        }
        ((ObjectNode) entry).set(field, TextNode.valueOf(m.group(1) + m.group(2)));
        return Integer.parseInt(m.group(1)) * 60 + Integer.parseInt(m.group(2));
    }
}
