package dev.callgate.call;


import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Timers of a call ({@code CALLGATE_CALLS_*}). */
@ConfigMapping(prefix = "callgate.calls")
public interface CallConfig {

    /**
     * Whether this process places and tracks calls ({@code CALLGATE_CALLS_ENABLED}): consumes commands and webhooks,
     * fires timers, relays events, holds media. {@code false} leaves a webhook ingress only (and, in dev and test
     * builds, the Cloud API simulator): the ingress replicas of a split deployment.
     */
    @WithDefault("true")
    boolean enabled();

    /**
     * After a restart, how long this instance waits for the webhook consumer to work through what was on
     * {@code callgate.webhooks} when it started, before it ends the calls whose media it lost (so a user's reject
     * or hang-up that arrived meanwhile decides the outcome, not the restart).
     */
    @WithDefault("60s")
    Duration restartCatchUp();

    /** Business-initiated: how long media may take to produce the SDP offer before the call fails (offer_timeout). */
    @WithDefault("15s")
    Duration offerTimeout();

    /** Business-initiated: how long we let the user's phone ring. */
    @WithDefault("60s")
    Duration ringTimeout();

    /** Picked up or accepted, but media not connected within this. */
    @WithDefault("20s")
    Duration connectTimeout();

    /** Longest call we keep up; then we hang up (COMPLETED, reason max_duration). */
    @WithDefault("2h")
    Duration maxDuration();

    /** After our terminate, how long we wait for Meta's terminate webhook before ending the call ourselves. */
    @WithDefault("15s")
    Duration terminateGrace();

    /** User-initiated: how long we take to accept (Meta allows 30–60 s). */
    @WithDefault("40s")
    Duration acceptWindow();

    /**
     * This instance's name, recorded as the media owner of the calls whose PeerConnection it holds
     * ({@code CALLGATE_INSTANCE_ID}; default: the host name, the pod name on Kubernetes).
     */
    java.util.Optional<String> instanceId();

    /** How often this instance says it is alive (and looks for calls of instances that stopped). */
    @WithDefault("5s")
    Duration heartbeatInterval();

    /** An instance not seen for this long is gone: the calls whose media it held are ended (media_lost). */
    @WithDefault("30s")
    Duration deadAfter();

    /**
     * On SIGTERM, how long active calls may go on before they are hung up ({@code CALLGATE_CALLS_DRAIN_TIMEOUT});
     * meanwhile the instance takes no new calls. Kubernetes' terminationGracePeriodSeconds must exceed it.
     */
    @WithDefault("60s")
    Duration drainTimeout();

    /**
     * Resident memory (MiB) past which this instance recycles itself ({@code CALLGATE_CALLS_RECYCLE_AT_RSS_MIB}):
     * once another live instance has room it takes no new calls, lets its active calls end by themselves and then
     * exits (status 0) for its restart — containing the native memory webrtc-java never frees (~130 kB per closed
     * PeerConnection) before the container's limit would kill it mid-call. 0: never.
     */
    @WithDefault("0")
    long recycleAtRssMib();

    /** How often an instance looks for media effects other instances decided for the calls it holds. */
    @WithDefault("100ms")
    Duration mediaCommandPollInterval();

    /**
     * A new call's media set-up (offer or answer) routed to another instance and not taken by it in this long is
     * moved to a third ({@code CALLGATE_CALLS_MEDIA_CLAIM_TIMEOUT}): that instance was killed since its last
     * heartbeat. Every instance looks for such set-ups a few times per timeout. Far above the claim poll interval, far
     * below the offer timeout.
     */
    @WithDefault("3s")
    Duration mediaClaimTimeout();

    /**
     * How long an instance holds a Cloud API effect it runs ({@code call_effects.claimed_until}); an effect not done by
     * then (its instance died, its result could not be stored) is run again by any instance. Longer than the Cloud
     * API client's worst case for one attempt (its retries with the read timeout), so a slow request is not run twice.
     */
    @WithDefault("60s")
    Duration effectClaim();

    /** How often effects that are due again (retries, effects of stopped instances) are looked for. */
    @WithDefault("500ms")
    Duration effectPollInterval();

    /** Longest wait between two attempts of an effect that failed transiently (doubling from 1 s). */
    @WithDefault("60s")
    Duration effectMaxBackoff();

    /**
     * How long a terminate or reject Meta does not confirm (5xx, unreachable) keeps being retried, also after the call
     * ended on Callgate's side ({@code terminateConfirmed: false}); then it is given up, logged and counted
     * ({@code callgate.call.effects.abandoned}).
     */
    @WithDefault("1h")
    Duration terminateRetryFor();

    /** How often due timers are looked for. */
    @WithDefault("250ms")
    Duration timerPollInterval();

    /**
     * How long a webhook for an unknown call id is kept in case its call becomes known (the connect's answer may come
     * after it); then it is dropped, logged and counted ({@code callgate.call.webhooks.parked.expired}).
     */
    @WithDefault("10m")
    Duration parkedWebhookTtl();

    /** How often expired parked webhooks are looked for. */
    @WithDefault("30s")
    Duration parkedWebhookSweepInterval();

    /**
     * How often the open calls are counted by state and their deadlines checked
     * ({@link dev.callgate.call.store.CallCensus}: {@code callgate_calls_open},
     * {@code callgate_calls_overdue_seconds}).
     */
    @WithDefault("15s")
    Duration censusInterval();

    default Duration of(CallTimer timer) {
        return switch (timer) {
            case OFFER_TIMEOUT -> offerTimeout();
            case RING_TIMEOUT -> ringTimeout();
            case CONNECT_TIMEOUT -> connectTimeout();
            case MAX_DURATION -> maxDuration();
            case TERMINATE_GRACE -> terminateGrace();
            case ACCEPT_WINDOW -> acceptWindow();
        };
    }

    /** How long rows that are only kept for a while stay ({@link dev.callgate.call.store.Retention}). */
    Retention retention();

    interface Retention {
        /** How often old rows are looked for. */
        @WithDefault("10m")
        Duration interval();

        /** Outbox rows after they were published to {@code callgate.events}. */
        @WithDefault("7d")
        Duration publishedEvents();

        /** Command ids: a command repeated within this is still a no-op. */
        @WithDefault("30d")
        Duration processedCommands();

        /** Stored webhook records (a redelivery within this is still a duplicate; the call's webhook history) and the
         * calls' transitions (their timelines). */
        @WithDefault("30d")
        Duration webhookRecords();

        /** Cloud API effects once done. */
        @WithDefault("7d")
        Duration finishedEffects();
    }
}
