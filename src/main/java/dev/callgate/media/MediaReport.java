package dev.callgate.media;

import java.nio.file.Path;

/**
 * Snapshot of one call's media.
 *
 * @param state      name of the PeerConnection state (NEW, CONNECTING, CONNECTED, DISCONNECTED, FAILED, CLOSED)
 * @param framesSent 10 ms frames our source supplied for sending
 * @param received   what we decoded from the remote side
 * @param recording  the recording file, or null when not recording
 */
public record MediaReport(String callKey, String state, long framesSent, AudioStats received, Path recording) {
}
