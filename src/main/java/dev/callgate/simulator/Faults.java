package dev.callgate.simulator;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test hooks that make the simulated Meta misbehave: faults armed per Graph action (an error status and code, or a
 * delay), and the chaos switches (duplicate, reordered, early or delayed webhooks; a late or missing ACCEPTED).
 */
final class Faults {

    /**
     * The next {@code remaining} requests of an action are answered with this HTTP status and Graph code, or delayed
     * by {@code delayMs} first (to provoke client timeouts). {@code hits} counts requests that met it.
     */
    static final class Fault {
        final int httpStatus;
        final int code;
        final long delayMs;
        /** Meta carries the action out, then the answer is lost: the error (or delay) comes after the work. */
        final boolean afterApplying;
        int remaining;
        int hits;

        Fault(int httpStatus, int code, long delayMs, int remaining, boolean afterApplying) {
            this.httpStatus = httpStatus;
            this.code = code;
            this.delayMs = delayMs;
            this.remaining = remaining;
            this.afterApplying = afterApplying;
        }

        Map<String, Object> report() {
            return Map.of("httpStatus", httpStatus, "code", code, "delayMs", delayMs, "remaining", remaining,
                    "hits", hits, "afterApplying", afterApplying);
        }
    }

    private final WebhookDelivery delivery;
    private final Map<String, Fault> armed = new ConcurrentHashMap<>();
    private volatile long acceptedDelayMs;
    private volatile boolean acceptedNever;

    Faults(WebhookDelivery delivery) {
        this.delivery = delivery;
    }

    /** Disarms every fault and switches chaos off. */
    void reset() {
        armed.clear();
        delivery.chaos = WebhookDelivery.Chaos.NONE;
        acceptedDelayMs = 0;
        acceptedNever = false;
    }

    // ---- chaos ------------------------------------------------------------------------------------------------

    /**
     * The chaos switches; {@code acceptedDelayMs}: the ACCEPTED status of a business-initiated call comes this long
     * after the user picked up; {@code acceptedNever}: it never comes.
     */
    void chaos(boolean duplicate, boolean reorder, boolean connectBeforeResponse, long delayMs,
               long acceptedDelayMs, boolean acceptedNever) {
        delivery.chaos = new WebhookDelivery.Chaos(duplicate, reorder, connectBeforeResponse, delayMs);
        this.acceptedDelayMs = acceptedDelayMs;
        this.acceptedNever = acceptedNever;
    }

    Map<String, Object> chaos() {
        WebhookDelivery.Chaos c = delivery.chaos;
        return Map.of("duplicate", c.duplicate(), "reorder", c.reorder(),
                "connectBeforeResponse", c.connectBeforeResponse(), "delayMs", c.delayMs(),
                "acceptedDelayMs", acceptedDelayMs, "acceptedNever", acceptedNever);
    }

    /** The connect webhook goes out before the connect POST is answered. */
    boolean connectBeforeResponse() {
        return delivery.chaos.connectBeforeResponse();
    }

    long acceptedDelayMs() {
        return acceptedDelayMs;
    }

    boolean acceptedNever() {
        return acceptedNever;
    }

    // ---- faults -----------------------------------------------------------------------------------------------

    /**
     * Arms a fault for an action: connect, pre_accept, accept, reject, terminate, call_permissions, settings,
     * messages, message_templates; {@code afterApplying}: the action is done, the answer lost.
     */
    void arm(String action, int httpStatus, int code, long delayMs, int count, boolean afterApplying) {
        armed.put(action, new Fault(httpStatus, code, delayMs, count, afterApplying));
    }

    Map<String, Object> report() {
        Map<String, Object> report = new LinkedHashMap<>();
        armed.forEach((action, fault) -> {
            synchronized (fault) {
                report.put(action, fault.report());
            }
        });
        return report;
    }

    /** Applies a fault armed for this action to a request before it is carried out (blocking for a delay). */
    void before(String action) {
        apply(action, false);
    }

    /** The response of an action that was carried out: a fault armed {@code afterApplying} replaces it now. */
    <T> T after(String action, T response) {
        apply(action, true);
        return response;
    }

    private void apply(String action, boolean afterApplying) {
        Fault fault = armed.get(action);
        if (fault == null || fault.afterApplying != afterApplying) {
            return;
        }
        synchronized (fault) {
            if (fault.remaining <= 0) {
                return;
            }
            fault.remaining--;
            fault.hits++;
        }
        if (fault.delayMs > 0) {
            try {
                Thread.sleep(fault.delayMs); // simulates a slow Graph API; runs on a worker thread
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (fault.httpStatus >= 300) {
            throw new GraphError(fault.code, "(#" + fault.code + ") injected fault", "injected by "
                    + "the simulator's fault hook", fault.httpStatus);
        }
    }
}
