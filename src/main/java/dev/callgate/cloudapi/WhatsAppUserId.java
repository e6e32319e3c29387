package dev.callgate.cloudapi;

import java.util.regex.Pattern;

/**
 * How Meta names a WhatsApp user: by phone number ({@code wa_id}, digits in international format) or, for users who
 * hide their number behind a username (2026), only by a business-scoped user id (BSUID): a two-letter country code, a
 * period and up to 128 letters and digits ({@code US.13491208655302741918}; a parent BSUID shared across portfolios
 * has {@code .ENT.}: {@code US.ENT.11815799212886844830}). Request fields: {@code to} / {@code user_wa_id} for a
 * phone number, {@code recipient} for a BSUID.
 */
public final class WhatsAppUserId {

    private static final Pattern PHONE = Pattern.compile("\\+?\\d{6,15}");
    private static final Pattern BSUID = Pattern.compile("[A-Z]{2}\\.(ENT\\.)?[A-Za-z0-9]{1,128}");

    private WhatsAppUserId() {
    }

    public static boolean isPhoneNumber(String id) {
        return id != null && PHONE.matcher(id).matches();
    }

    public static boolean isBsuid(String id) {
        return id != null && BSUID.matcher(id).matches();
    }

    /** A phone number without its leading {@code +}; a BSUID as it is. */
    public static String normalise(String id) {
        return id != null && id.startsWith("+") ? id.substring(1) : id;
    }
}
