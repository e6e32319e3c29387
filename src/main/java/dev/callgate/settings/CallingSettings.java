package dev.callgate.settings;

import com.fasterxml.jackson.databind.JsonNode;
import dev.callgate.cloudapi.CloudApiClient;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Reads and updates a business number's calling settings through the Cloud API; an update is checked first
 * ({@link CallingSettingsCheck}) and not sent when it has problems. Cloud API refusals propagate as
 * {@link dev.callgate.cloudapi.CloudApiException} (138015, 138018, 100 with details, …).
 */
@ApplicationScoped
public class CallingSettings {

    private static final Logger LOG = Logger.getLogger(CallingSettings.class);

    private final CloudApiClient cloudApi;

    public CallingSettings(CloudApiClient cloudApi) {
        this.cloudApi = cloudApi;
    }

    public Uni<JsonNode> read(String phoneNumberId) {
        return cloudApi.callingSettings(phoneNumberId);
    }

    /** Checks, then sends when there is no problem; the result says what was found and what was sent. */
    public Uni<CallingSettingsCheck.Result> update(String phoneNumberId, JsonNode calling) {
        CallingSettingsCheck.Result result = CallingSettingsCheck.check(calling);
        if (!result.problems().isEmpty()) {
            LOG.infof("settings of %s not sent: %s", phoneNumberId, result.problems());
            return Uni.createFrom().item(result);
        }
        return cloudApi.updateCallingSettings(phoneNumberId, result.calling())
                .invoke(() -> LOG.infof("settings of %s updated: %s", phoneNumberId, result.calling().fieldNames()
                        .hasNext() ? String.join(", ", (Iterable<String>) result.calling()::fieldNames) : "nothing"))
                .replaceWith(result);
    }
}
