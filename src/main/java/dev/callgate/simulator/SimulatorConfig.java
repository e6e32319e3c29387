package dev.callgate.simulator;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The simulator's settings: which numbers and tokens it serves, where it posts webhooks, Meta's limits and timers
 * (production values by default, spec §8.6), and how a user nobody scripted behaves.
 */
@ConfigMapping(prefix = "callgate.simulator")
public interface SimulatorConfig {

    /** Build-time switch: false leaves the simulator out of the application (always false in the prod build). */
    @WithDefault("true")
    boolean enabled();

    /** Business phone-number ids served ({@code CALLGATE_SIMULATOR_PHONE_NUMBER_IDS}, comma-separated). */
    @WithDefault("106540352242922")
    List<String> phoneNumberIds();

    /** The WhatsApp Business Account id in webhook envelopes. */
    @WithDefault("102290129340398")
    String wabaId();

    /** Bearer tokens accepted; others get code 190. Default: the client's own token. */
    @WithDefault("${callgate.cloudapi.access-token}")
    List<String> accessTokens();

    /** Whether calling starts ENABLED on every number (Meta's default is DISABLED; a simulator is for calling). */
    @WithDefault("true")
    boolean callingEnabled();

    /** Real WebRTC peer for the user's phone; false answers with a canned Meta-style SDP (signalling only). */
    @WithDefault("true")
    boolean media();

    /** Reject an offer or answer without a=candidate lines (spec open question 6; Meta seems to accept them). */
    @WithDefault("false")
    boolean strictCandidates();

    Webhook webhook();

    Limits limits();

    DefaultUser defaultUser();

    interface Webhook {
        /** Where webhooks go ({@code CALLGATE_SIMULATOR_WEBHOOK_URL}). Default: this application's own ingress. */
        @WithDefault("http://localhost:${quarkus.http.port}/webhooks/whatsapp")
        String url();

        /** The app secret the webhooks are signed with. Default: the ingress's own. */
        @WithDefault("${callgate.whatsapp.app-secret}")
        String appSecret();

        /** Delivery attempts of one webhook before it is given up (logged). */
        @WithDefault("8")
        int maxAttempts();

        @WithDefault("1s")
        Duration initialBackoff();

        @WithDefault("30s")
        Duration maxBackoff();

        /** Meta's delivery timeout. */
        @WithDefault("20s")
        Duration timeout();
    }

    interface Limits {
        @WithDefault("100")
        int connectedCallsPerDay();

        @WithDefault("1")
        int permissionRequestsPerDay();

        @WithDefault("2")
        int permissionRequestsPerWeek();

        @WithDefault("2")
        int nudgeAfterUnanswered();

        @WithDefault("4")
        int revokeAfterUnanswered();

        @WithDefault("10000")
        int initiationsPerDay();

        @WithDefault("1000")
        int concurrentCalls();

        @WithDefault("5")
        int permissionFetchesPerSecond();

        @WithDefault("168h")
        Duration temporaryPermission();

        /** User-initiated: time the business has to accept after the connect webhook. */
        @WithDefault("45s")
        Duration acceptWindow();

        /** Business-initiated: how long the user's phone rings before the call ends unanswered. */
        @WithDefault("60s")
        Duration ringTimeout();

        /** No media received at the start of a call for this long ends it (138021). */
        @WithDefault("20s")
        Duration initialMediaTimeout();

        /** No media received mid-call for this long ends it (138021). */
        @WithDefault("30s")
        Duration midCallMediaTimeout();
    }

    /** How a user nobody scripted behaves. */
    interface DefaultUser {
        /** temporary, permanent or no_permission. */
        @WithDefault("temporary")
        String permission();

        /** Answer this long after ringing starts; absent: never answer. */
        @WithDefault("1s")
        Optional<Duration> answerAfter();

        /** Hang up this long after answering; absent: never hang up. */
        @WithDefault("5s")
        Optional<Duration> hangUpAfter();

        @WithDefault("440")
        double toneHz();
    }
}
