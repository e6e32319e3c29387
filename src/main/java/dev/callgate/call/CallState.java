package dev.callgate.call;

/**
 * Where a call is (design.md). Business-initiated: REQUESTED → OFFERING → DIALING → RINGING → CONNECTING → ACTIVE →
 * ENDED, with TERMINATING after our own hang-up. User-initiated: INCOMING → PRE_ACCEPTED → ACCEPTING → ACTIVE → ENDED.
 */
public enum CallState {
    /** The command is stored; nothing has been done yet. */
    REQUESTED,
    /** A media worker is creating the SDP offer (full ICE gathering). */
    OFFERING,
    /** {@code connect} is sent (or sending); waiting for the connect webhook and statuses. */
    DIALING,
    /** The user's phone rings (RINGING status, or the connect webhook with the answer). */
    RINGING,
    /** The user picked up (ACCEPTED) and media is not up yet. */
    CONNECTING,
    /** Picked up and media flowing. */
    ACTIVE,
    /** We hung up (or a timer did): {@code terminate} sent, waiting for the terminate webhook. */
    TERMINATING,
    /** A user-initiated call arrived with the user's offer; we are making the answer. */
    INCOMING,
    /** Our answer is sent with {@code pre_accept}: ICE and DTLS may start. */
    PRE_ACCEPTED,
    /** {@code accept} is sent. */
    ACCEPTING,
    /** Over, with an {@link CallOutcome}. */
    ENDED;

    public boolean live() {
        return this != ENDED;
    }
}
