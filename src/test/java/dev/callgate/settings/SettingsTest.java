package dev.callgate.settings;

import dev.callgate.support.KafkaBroker;
import dev.callgate.support.SimulatorAdminClient;
import dev.callgate.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** Calling settings through {@code /v1/settings} to the simulator's Graph API, and every check made before sending. */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class SettingsTest {

    static final String PATH = "/v1/settings/" + Webhooks.PHONE_NUMBER_ID;
    static final String NEXT_YEAR = LocalDate.now().plusYears(1).toString();

    @BeforeEach
    void reset() {
        SimulatorAdminClient.reset();
    }

    private static JsonPath post(String body, int status) {
        return given().contentType(ContentType.JSON).body(body).post(PATH).then().statusCode(status)
                .extract().jsonPath();
    }

    private static String hours(String weekly, String holidays) {
        return """
                {"call_hours":{"status":"ENABLED","timezone_id":"America/Manaus",
                 "weekly_operating_hours":[%s]%s}}""".formatted(weekly,
                holidays == null ? "" : ",\"holiday_schedule\":[" + holidays + "]");
    }

    @Test
    void settingsMakeTheRoundTripThroughTheCloudApiWithTimesAsHhmm() {
        JsonPath sent = post("""
                {"calling":{"status":"ENABLED","call_icon_visibility":"DISABLE_ALL","callback_permission_status":"ENABLED",
                 "audio":{"additional_codecs":["PCMA"]},
                 "call_hours":{"status":"ENABLED","timezone_id":"America/Manaus",
                   "weekly_operating_hours":[{"day_of_week":"MONDAY","open_time":"09:00","close_time":"1200"},
                                             {"day_of_week":"MONDAY","open_time":"1300","close_time":"1700"}],
                   "holiday_schedule":[{"date":"%s","start_time":"0000","end_time":"2359"}]}}}"""
                .formatted(NEXT_YEAR), 200);
        assertThat(sent.getBoolean("success")).isTrue();
        assertThat(sent.getList("warnings")).isEmpty();
        assertThat(sent.getString("sent.call_hours.weekly_operating_hours[0].open_time")).isEqualTo("0900");

        JsonPath read = given().get(PATH).then().statusCode(200).extract().jsonPath();
        assertThat(read.getString("calling.call_icon_visibility")).isEqualTo("DISABLE_ALL");
        assertThat(read.getString("calling.callback_permission_status")).isEqualTo("ENABLED");
        assertThat(read.getList("calling.audio.additional_codecs")).containsExactly("PCMA");
        assertThat(read.getString("calling.call_hours.weekly_operating_hours[0].open_time")).isEqualTo("0900");
        assertThat(read.getString("calling.call_hours.holiday_schedule[0].date")).isEqualTo(NEXT_YEAR);
    }

    @Test
    void callHoursWithoutHolidaysAreSentWithTheWarningThatTheHolidaysAreDeleted() {
        JsonPath sent = post(hours("{\"day_of_week\":\"FRIDAY\",\"open_time\":\"0800\",\"close_time\":\"1800\"}",
                null), 200);
        assertThat(sent.getList("warnings", String.class))
                .anyMatch(w -> w.contains("deletes the number's existing holiday schedule"));
    }

    @Test
    void sdesIsRefusedBecauseCallgatesMediaIsDtlsOnly() {
        JsonPath problem = post("{\"srtp_key_exchange_protocol\":\"SDES\"}", 400);
        assertThat(problem.getList("problems", String.class))
                .anySatisfy(p -> assertThat(p).contains("SDES is refused").contains("DTLS-SRTP only"));
        post("{\"srtp_key_exchange_protocol\":\"DTLS\"}", 200);
    }

    @Test
    void everyProblemIsNamedAtOnceAndNothingIsSent() {
        String before = given().get(PATH).then().statusCode(200).extract().asString();
        JsonPath problem = post("""
                {"status":"ON","audio":{"additional_codecs":["G729"]},"call_icons":{"restrict_to_user_countries":["usa"]},
                 "call_hours":{"status":"ENABLED","timezone_id":"Mars/Olympus",
                   "weekly_operating_hours":[
                     {"day_of_week":"MONDAY","open_time":"0800","close_time":"0900"},
                     {"day_of_week":"MONDAY","open_time":"1000","close_time":"1100"},
                     {"day_of_week":"MONDAY","open_time":"1200","close_time":"1300"},
                     {"day_of_week":"TUESDAY","open_time":"0800","close_time":"1200"},
                     {"day_of_week":"TUESDAY","open_time":"1100","close_time":"1500"},
                     {"day_of_week":"WEDNESDAY","open_time":"2500","close_time":"1000"},
                     {"day_of_week":"THURSDAY","open_time":"1400","close_time":"0900"},
                     {"day_of_week":"FUNDAY","open_time":"0800","close_time":"0900"}],
                   "holiday_schedule":[{"date":"2020-01-01","start_time":"0000","end_time":"2359"},
                                       {"date":"01/02/2030","start_time":"0000","end_time":"2359"}]}}""", 400);
        assertThat(problem.getString("type")).endsWith("/invalid-settings");
        assertThat(problem.getList("problems", String.class)).satisfiesExactlyInAnyOrder(
                p -> assertThat(p).startsWith("status is one of"),
                p -> assertThat(p).contains("'G729' — only PCMA and PCMU"),
                p -> assertThat(p).contains("'usa' is not an ISO 3166"),
                p -> assertThat(p).contains("'Mars/Olympus' is not a time zone"),
                p -> assertThat(p).contains("at most 2 ranges a day, MONDAY has 3"),
                p -> assertThat(p).contains("the ranges of TUESDAY overlap"),
                p -> assertThat(p).contains("[5].open_time '2500' is not HHMM"),
                p -> assertThat(p).contains("[6]: open_time must be before close_time"),
                p -> assertThat(p).contains("[7].day_of_week 'FUNDAY'"),
                p -> assertThat(p).contains("2020-01-01 is in the past"),
                p -> assertThat(p).contains("'01/02/2030' is not YYYY-MM-DD"));
        assertThat(post("{\"call_hours\":{\"status\":\"ENABLED\",\"weekly_operating_hours\":[]}}", 400)
                .getList("problems", String.class)).containsAll(List.of(
                        "call_hours.timezone_id is required (an IANA zone such as America/Manaus)",
                        "call_hours.weekly_operating_hours is required and not empty"));
        // nothing reached the Cloud API
        assertThat(given().get(PATH).then().statusCode(200).extract().asString()).isEqualTo(before);
    }

    @Test
    void metasRefusalsKeepTheirCodes() {
        SimulatorAdminClient.fault("settings", 400, 138018, 0, 1);
        given().contentType(ContentType.JSON).body("{\"status\":\"ENABLED\"}").post(PATH).then().statusCode(409)
                .body("detail", containsString("(138018)"));
        SimulatorAdminClient.fault("settings", 400, 100, 0, 1);
        given().contentType(ContentType.JSON).body("{\"status\":\"ENABLED\"}").post(PATH).then().statusCode(400)
                .body("type", containsString("cloud-api-refused")).body("detail", containsString("(100)"));
        given().contentType(ContentType.JSON).body("{\"status\":\"ENABLED\"}").post(PATH).then().statusCode(200)
                .body("success", equalTo(true));
    }
}
