package dev.callgate.simulator;

import java.time.Duration;

/**
 * How a simulated user behaves when a business calls, or during a call they place.
 *
 * @param answerAfter            ring this long, then answer; null: never answer (the ring timeout ends the call)
 * @param reject                 decline instead of answering (after {@code answerAfter}, or at once when it is null)
 * @param hangUpAfter            hang up this long after the call is answered; null: never (the business must)
 * @param toneHz                 the tone the user's phone sends (0: silence)
 * @param permissionRequestReply how the user answers a call permission request automatically:
 *                               {@code none}, {@code accept}, {@code accept_permanent} or {@code reject}
 * @param permissionRequestFails the error code a permission request to this user fails with (131026: the user's app
 *                               is too old): the status webhook says {@code failed} instead of {@code delivered}, and
 *                               the user never sees the request; null: requests are delivered
 */
public record UserScript(Duration answerAfter, boolean reject, Duration hangUpAfter, double toneHz,
                         String permissionRequestReply, Integer permissionRequestFails) {

    public UserScript {
        if (permissionRequestReply == null) {
            permissionRequestReply = "none";
        }
    }

    /** A user whose permission requests are delivered. */
    public UserScript(Duration answerAfter, boolean reject, Duration hangUpAfter, double toneHz,
                      String permissionRequestReply) {
        this(answerAfter, reject, hangUpAfter, toneHz, permissionRequestReply, null);
    }
}
