-- A call's latest quality sample (media.CallQuality), written by call.flow.QualityRecorder on the call's media owner
-- every callgate.media.quality-interval while the media is up and once more as it closes, outside the call's
-- transitions (no version bump): {mos, packetLoss, jitterMs, rttMs, inboundKbps, outboundKbps, packetsReceived,
-- packetsLost, packetsSent, sampledAt}; a value the stats did not give is null. Null until the first sample.
alter table calls add column quality jsonb;
