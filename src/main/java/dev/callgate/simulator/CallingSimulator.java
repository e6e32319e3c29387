package dev.callgate.simulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callgate.cloudapi.CallingError;
import io.quarkus.arc.properties.IfBuildProperty;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Meta's side of the Calling API, simulated: the one bean that puts the parts together and that the Graph surface
 * ({@link GraphApiSimulation}) and the admin API ({@link SimulatorAdmin}) talk to. The parts, each one concept:
 * {@link SimulatedNumbers} (the numbers and their locks), {@link BusinessCallActions} ({@code POST /calls}),
 * {@link SimulatedCalls} (the user's phone and script, timers, the end of a call, reports),
 * {@link SimulatedPermissions}, {@link SimulatedMessages} (permission requests, templates, message statuses),
 * {@link SimulatedSettings}, {@link MetaWebhooks} with {@link WebhookPayloads} and {@link WebhookDelivery}, and
 * {@link Faults} (faults and chaos switches).
 */
@ApplicationScoped
@IfBuildProperty(name = "callgate.simulator.enabled", stringValue = "true", enableIfMissing = true)
public class CallingSimulator {

    private final SimulatorConfig config;
    private final ScheduledExecutorService scheduler;
    private final SimulatedNumbers numbers;
    private final UserScripts scripts;
    private final Faults faults;
    private final SimulatedSettings settings;
    private final SimulatedPermissions permissions;
    private final SimulatedMessages messages;
    private final SimulatedCalls calls;
    private final BusinessCallActions callActions;

    public CallingSimulator(SimulatorConfig config, ObjectMapper mapper) {
        this.config = config;
        this.scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "simulator-timer");
            t.setDaemon(true);
            return t;
        });
        WebhookDelivery delivery = new WebhookDelivery(config.webhook(), scheduler);
        MetaWebhooks webhooks = new MetaWebhooks(new WebhookPayloads(mapper, config.wabaId()), delivery);
        this.numbers = new SimulatedNumbers(config.phoneNumberIds(),
                () -> SimulatedSettings.initial(mapper, config.callingEnabled()));
        this.scripts = new UserScripts(config.defaultUser());
        this.faults = new Faults(delivery);
        this.settings = new SimulatedSettings(numbers, faults);
        this.permissions = new SimulatedPermissions(config, numbers, faults, webhooks);
        this.messages = new SimulatedMessages(config.wabaId(), numbers, scripts, permissions, webhooks, faults,
                scheduler);
        this.calls = new SimulatedCalls(config, numbers, scripts, permissions, webhooks, faults, scheduler);
        this.callActions = new BusinessCallActions(config, numbers, scripts, permissions, calls, faults, scheduler);
    }

    /** Forgets every call, permission, script, fault and chaos switch; numbers start with their configured settings. */
    public synchronized void reset() {
        numbers.reset();
        scripts.clear();
        faults.reset();
    }

    @PreDestroy
    void shutdown() {
        reset();
        scheduler.shutdownNow();
    }

    /** Graph's 190 unless the request carries one of the configured bearer tokens. */
    void checkToken(String authorization) {
        String token = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : null;
        if (token == null || !config.accessTokens().contains(token)) {
            throw new GraphError(CallingError.INVALID_ACCESS_TOKEN,
                    token == null ? "An access token is required to request this resource."
                            : "Invalid OAuth access token - Cannot parse access token", null);
        }
    }

    List<String> phoneNumberIds() {
        return numbers.ids();
    }

    BusinessCallActions callActions() {
        return callActions;
    }

    SimulatedCalls calls() {
        return calls;
    }

    SimulatedPermissions permissions() {
        return permissions;
    }

    SimulatedMessages messages() {
        return messages;
    }

    SimulatedSettings settings() {
        return settings;
    }

    UserScripts scripts() {
        return scripts;
    }

    Faults faults() {
        return faults;
    }
}
