package dev.callgate.support;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

import java.util.HashMap;
import java.util.Map;

import static io.restassured.RestAssured.given;

/** Drives the simulator's admin API (/simulator) from tests, as a user of the simulator would. */
public final class SimulatorAdminClient {

    private SimulatorAdminClient() {
    }

    public static void reset() {
        given().post("/simulator/reset").then().statusCode(204);
    }

    /** Scripts a user; keys as in the admin API (answerAfterMs, neverAnswer, reject, hangUpAfterMs, toneHz, …). */
    public static void script(String waId, Object... keyValues) {
        Map<String, Object> body = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            body.put((String) keyValues[i], keyValues[i + 1]);
        }
        given().contentType(ContentType.JSON).body(body).put("/simulator/users/" + waId).then().statusCode(204);
    }

    public static void grant(String waId, String type) {
        given().contentType(ContentType.JSON).body(Map.of("type", type))
                .post("/simulator/users/" + waId + "/permission").then().statusCode(204);
    }

    public static void revoke(String waId) {
        given().delete("/simulator/users/" + waId + "/permission").then().statusCode(204);
    }

    public static void reply(String waId, String response, boolean permanent) {
        given().contentType(ContentType.JSON).body(Map.of("response", response, "permanent", permanent))
                .post("/simulator/users/" + waId + "/permission-replies").then().statusCode(204);
    }

    /** The user's permission requests at the simulator: messageId, delivered, webhooks (kind, lastStatus, …). */
    public static JsonPath permissionRequests(String waId) {
        return given().get("/simulator/users/" + waId + "/permission-requests").then().statusCode(200)
                .extract().jsonPath();
    }

    public static String placeCall(String waId, double toneHz) {
        return given().contentType(ContentType.JSON).body(Map.of("toneHz", toneHz))
                .post("/simulator/users/" + waId + "/calls").then().statusCode(201)
                .extract().path("callId");
    }

    /** The user calls the business number {@code phoneNumberId}; hangs up {@code hangUpAfterMs} after the accept. */
    public static String placeCall(String waId, String phoneNumberId, double toneHz, Long hangUpAfterMs) {
        Map<String, Object> body = new HashMap<>(Map.of("toneHz", toneHz, "phoneNumberId", phoneNumberId));
        if (hangUpAfterMs != null) {
            body.put("hangUpAfterMs", hangUpAfterMs);
        }
        return given().contentType(ContentType.JSON).body(body)
                .post("/simulator/users/" + waId + "/calls").then().statusCode(201)
                .extract().path("callId");
    }

    public static void userAction(String callId, String action) {
        given().urlEncodingEnabled(false).post("/simulator/calls/" + Webhooks.segment(callId) + "/" + action).then().statusCode(204);
    }

    /** The call fails on the user's side: Meta's terminate says FAILED with {@code code} (null: no error). */
    public static void fail(String callId, Integer code, boolean errorsInItem) {
        Map<String, Object> body = new HashMap<>();
        body.put("code", code);
        body.put("errorsInItem", errorsInItem);
        given().urlEncodingEnabled(false).contentType(ContentType.JSON).body(body)
                .post("/simulator/calls/" + Webhooks.segment(callId) + "/fail").then().statusCode(204);
    }

    public static JsonPath call(String callId) {
        return given().urlEncodingEnabled(false).get("/simulator/calls/" + Webhooks.segment(callId)).then().statusCode(200).extract().jsonPath();
    }

    public static void fault(String action, int httpStatus, int code, long delayMs, int count) {
        given().contentType(ContentType.JSON)
                .body(Map.of("httpStatus", httpStatus, "code", code, "delayMs", delayMs, "count", count))
                .put("/simulator/faults/" + action).then().statusCode(200);
    }

    /** A fault that strikes after the simulator carried the action out: Meta did it, the answer was lost. */
    public static void faultAfterApplying(String action, int httpStatus, int code, int count) {
        given().contentType(ContentType.JSON)
                .body(Map.of("httpStatus", httpStatus, "code", code, "count", count, "afterApplying", true))
                .put("/simulator/faults/" + action).then().statusCode(200);
    }

    public static JsonPath faults() {
        return given().get("/simulator/faults").then().statusCode(200).extract().jsonPath();
    }

    /** ACCEPTED of business-initiated calls comes {@code delayMs} after the pick-up, or never. */
    public static void acceptedLate(long delayMs, boolean never) {
        given().contentType(ContentType.JSON).body(Map.of("acceptedDelayMs", delayMs, "acceptedNever", never))
                .put("/simulator/chaos").then().statusCode(200);
    }

    public static void chaos(boolean duplicate, boolean reorder, boolean connectBeforeResponse, long delayMs) {
        given().contentType(ContentType.JSON).body(Map.of("duplicate", duplicate, "reorder", reorder,
                        "connectBeforeResponse", connectBeforeResponse, "delayMs", delayMs))
                .put("/simulator/chaos").then().statusCode(200);
    }
}
