package dev.callgate.media;

import java.time.Instant;

/**
 * Snapshot of received audio.
 *
 * @param frames       number of audio buffers received at the track sink (10 ms each as the playout thread delivers them)
 * @param levelDbfs    RMS level of the most recent ~170 ms in dBFS (full-scale sine = 0); {@value AudioMeter#FLOOR_DBFS} for
 *                     silence or when nothing was received
 * @param dominantHz   frequency of the strongest spectral peak in the same window; 0 for silence
 * @param firstFrameAt when the first buffer arrived; {@code null} if none has
 */
public record AudioStats(long frames, double levelDbfs, double dominantHz, Instant firstFrameAt) {
}
