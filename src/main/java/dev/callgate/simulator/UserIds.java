package dev.callgate.simulator;

import dev.callgate.cloudapi.WhatsAppUserId;

/**
 * How the simulator names a WhatsApp user: by phone number (digits, a leading {@code +} dropped) or, for a user known
 * only by username, by BSUID. Every user has a BSUID (spec §4.2).
 */
final class UserIds {

    private UserIds() {
    }

    static String normalise(String waId) {
        return WhatsAppUserId.normalise(waId);
    }

    /** A phone number in international format, digits only (a leading {@code +} tolerated). */
    static boolean isPhoneNumber(String id) {
        return WhatsAppUserId.isPhoneNumber(id);
    }

    static boolean isBsuid(String id) {
        return WhatsAppUserId.isBsuid(id);
    }

    /** The BSUID of a simulated user: the user's own id for a BSUID user, else one derived from the number. */
    static String bsuidOf(String user) {
        return isBsuid(user) ? user : "US.9" + user;
    }
}
