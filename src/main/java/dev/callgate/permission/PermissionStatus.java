package dev.callgate.permission;

import java.util.Locale;

/** A user's call permission for a business number (spec §2.3). */
public enum PermissionStatus {
    NO_PERMISSION, TEMPORARY, PERMANENT;

    /** As stored and as Meta spells it: {@code no_permission}, {@code temporary}, {@code permanent}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PermissionStatus of(String wire) {
        return valueOf(wire.toUpperCase(Locale.ROOT));
    }
}
