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
 */
public record UserScript(Duration answerAfter, boolean reject, Duration hangUpAfter, double toneHz,
                         String permissionRequestReply) {

    public UserScript {
        if (permissionRequestReply == null) {
            permissionRequestReply = "none";
        }
    }
}
