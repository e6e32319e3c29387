package dev.callgate.runtime;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Users' numbers in log lines: their last four characters only (the default), and permission keys likewise. */
class CallLogTest {

    @Test
    void aUsersNumberShowsOnlyItsLastFourDigits() {
        assertThat(CallLog.user("4915112345678")).isEqualTo("…5678");
        assertThat(CallLog.user("US.13491208655302741918")).isEqualTo("…1918");
        assertThat(CallLog.user("123")).isEqualTo("…");
        assertThat(CallLog.user(null)).isNull();
    }

    @Test
    void aPermissionKeyHidesItsUser() {
        assertThat(CallLog.key("perm:106540352242922:4915112345678")).isEqualTo("perm:106540352242922:…5678");
        assertThat(CallLog.key("wacid.ABGGFjFVU2AfAgo6V+Rnk/ocHg==")).isEqualTo("wacid.ABGGFjFVU2AfAgo6V+Rnk/ocHg==");
        assertThat(CallLog.key("perm:nouser")).isEqualTo("perm:nouser");
        assertThat(CallLog.key(null)).isNull();
    }
}
