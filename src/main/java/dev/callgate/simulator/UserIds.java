package dev.callgate.simulator;

import dev.callgate.cloudapi.WhatsAppUserId;

import java.util.regex.Pattern;

/**
 * How the simulator names a WhatsApp user: by phone number (digits, a leading {@code +} dropped) or, for a user known
 * only by username, by BSUID. Every user has a BSUID (spec §4.2).
 */
final class UserIds {

    private static final Pattern PHONE_NUMBER = Pattern.compile("\\+?\\d{6,15}");

    private UserIds() {
    }

    static String normalise(String waId) {
        return waId == null ? null : waId.startsWith("+") ? waId.substring(1) : waId;
    }

    /** A phone number in international format, digits only (a leading {@code +} tolerated). */
    static boolean isPhoneNumber(String id) {
        return PHONE_NUMBER.matcher(id).matches();
    }

    static boolean isBsuid(String id) {
        return WhatsAppUserId.isBsuid(id);
    }

    /** The BSUID of a simulated user: the user's own id for a BSUID user, else one derived from the number. */
    static String bsuidOf(String user) {
        return isBsuid(user) ? user : "US.9" + user;
    }
}
