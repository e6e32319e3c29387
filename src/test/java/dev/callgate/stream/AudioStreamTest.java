package dev.callgate.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callgate.media.AudioPeer;
import dev.callgate.media.MediaOptions;
import dev.callgate.media.MediaWorkerPool;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * A call's audio streamed to an application written from Twilio's Media Streams documentation (a WebSocket server in
 * the test, not Callgate's code): the user's audio reaches it, its audio reaches the user, marks come back after their
 * audio, clear cuts playback, and the application closing the socket is told to the call's side. Real libwebrtc on
 * both ends: the "user" is an {@link AudioPeer} sending 660 Hz.
 */
class AudioStreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path recordings;
    private Vertx vertx;
    private HttpServer server;
    private MediaWorkerPool pool;
    private AudioPeer phone;
    private AudioStream stream;
    /** Every text frame the application received, as JSON. */
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private final List<String> closedReasons = new CopyOnWriteArrayList<>();
    private volatile ServerWebSocket application;

    @BeforeEach
    void setUp() throws Exception {
        vertx = Vertx.vertx();
        pool = new MediaWorkerPool(dev.callgate.media.TestMediaConfig.of(2, recordings));
        phone = AudioPeer.create("stream-phone", 660);
        String offer = pool.createOffer("call-s", MediaOptions.silence()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        String answer = phone.acceptOffer(offer).get(10, TimeUnit.SECONDS);
        pool.applyAnswer("call-s", answer).toCompletableFuture().get(10, TimeUnit.SECONDS);
        phone.connected().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (stream != null) {
            stream.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
        phone.close();
        pool.shutdown();
        if (server != null) {
            server.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Starts the application; {@code onMessage} sees each message it receives (and may answer on the socket). */
    private URI application(BiConsumer<ServerWebSocket, JsonNode> onMessage) throws Exception {
        // the upgrade taken explicitly from the request (a server with only a webSocketHandler answers nothing once
        // Quarkus tests ran in the same JVM)
        server = vertx.createHttpServer().requestHandler(request -> request.toWebSocket().onSuccess(ws -> {
            application = ws;
            ws.textMessageHandler(text -> {
                try {
                    JsonNode message = JSON.readTree(text);
                    received.add(message);
                    onMessage.accept(ws, message);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }));
        int port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS)
                .actualPort();
        return URI.create("ws://127.0.0.1:" + port + "/agent?token=secret");
    }

    private void streamTo(URI url) throws Exception {
        stream = new AudioStream(vertx, JSON, new StreamSpec(url, Map.of("agent", "echo"), StreamSpec.OnClose.HANGUP),
                "bic-7", "106540352242922", Duration.ofSeconds(10), closedReasons::add);
        stream.open(Duration.ofSeconds(5), Map.of()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        pool.bridge("call-s", stream).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** {@code millis} of a tone as the application would send it: μ-law 8 kHz, base64, in a Twilio media message. */
    private static String media(String streamSid, double hz, int millis, double level) {
        int n = millis * 8;
        short[] pcm = new short[n];
        for (int i = 0; i < n; i++) {
            pcm[i] = (short) Math.round(level * 32767 * Math.sin(2 * Math.PI * hz * i / 8000.0));
        }
        byte[] mulaw = new byte[n];
        MuLaw.encode(pcm, 0, n, mulaw, 0);
        return "{\"event\":\"media\",\"streamSid\":\"" + streamSid + "\",\"media\":{\"payload\":\""
                + Base64.getEncoder().encodeToString(mulaw) + "\"}}";
    }

    @Test
    void theUsersVoiceReachesTheApplicationAndWhatItEchoesReachesTheUser() throws Exception {
        URI url = application((ws, message) -> {
            if ("media".equals(message.path("event").asText())) { // echo, as the simplest agent does
                ws.writeTextMessage("{\"event\":\"media\",\"streamSid\":\"" + message.path("streamSid").asText()
                        + "\",\"media\":{\"payload\":\"" + message.path("media").path("payload").asText() + "\"}}");
            }
        });
        streamTo(url);

        dev.callgate.media.AudioPeerTest.awaitTone(phone, 660); // the user hears themselves back, through μ-law 8 kHz
        assertThat(received.get(0).path("event").asText()).isEqualTo("connected");
        JsonNode start = received.get(1);
        assertThat(start.path("event").asText()).isEqualTo("start");
        assertThat(start.path("start").path("callSid").asText()).isEqualTo("bic-7");
        assertThat(start.path("start").path("customParameters").path("agent").asText()).isEqualTo("echo");
        await().atMost(Duration.ofSeconds(5)).until(() -> received.stream()
                .filter(m -> "media".equals(m.path("event").asText())).count() >= 30);
        List<JsonNode> media = received.stream().filter(m -> "media".equals(m.path("event").asText())).toList();
        assertThat(Base64.getDecoder().decode(media.get(0).path("media").path("payload").asText()))
                .as("20 ms of μ-law 8 kHz per message").hasSize(160);
        assertThat(media.get(1).path("media").path("chunk").asInt())
                .isEqualTo(media.get(0).path("media").path("chunk").asInt() + 1);
        // what the application got is the user's 660 Hz
        short[] pcm = new short[160 * 25];
        for (int i = 0; i < 25; i++) {
            byte[] chunk = Base64.getDecoder().decode(media.get(media.size() - 25 + i).path("media").path("payload")
                    .asText());
            MuLaw.decode(chunk, 0, 160, pcm, i * 160);
        }
        double[] samples = new double[pcm.length];
        for (int i = 0; i < pcm.length; i++) {
            samples[i] = pcm[i];
        }
        assertThat(dev.callgate.media.AudioMeter.dominantHz(samples, 8000)).isCloseTo(660, within(20.0));
    }

    @Test
    void marksComeBackInOrderAfterTheirAudioAndClearCutsPlaybackAtOnce() throws Exception {
        URI url = application((ws, message) -> {
        });
        streamTo(url);
        await().atMost(Duration.ofSeconds(5)).until(() -> application != null && received.size() >= 2);
        String sid = stream.streamSid();
        application.writeTextMessage(media(sid, 1000, 600, 0.5));
        application.writeTextMessage("{\"event\":\"mark\",\"streamSid\":\"" + sid + "\",\"mark\":{\"name\":\"one\"}}");
        application.writeTextMessage(media(sid, 1000, 600, 0.5));
        application.writeTextMessage("{\"event\":\"mark\",\"streamSid\":\"" + sid + "\",\"mark\":{\"name\":\"two\"}}");

        dev.callgate.media.AudioPeerTest.awaitTone(phone, 1000);
        await().atMost(Duration.ofSeconds(5)).until(() -> marks().size() == 2);
        assertThat(marks()).containsExactly("one", "two");

        // a long answer, interrupted: clear empties the queue at once and hands back its mark
        application.writeTextMessage(media(sid, 1000, 8000, 0.5));
        application.writeTextMessage("{\"event\":\"mark\",\"streamSid\":\"" + sid + "\",\"mark\":{\"name\":\"long\"}}");
        await().atMost(Duration.ofSeconds(5)).until(() -> stream.queuedSamples() > 48_000);
        application.writeTextMessage("{\"event\":\"clear\",\"streamSid\":\"" + sid + "\"}");
        await().atMost(Duration.ofSeconds(2)).until(() -> marks().size() == 3);
        assertThat(marks()).containsExactly("one", "two", "long");
        assertThat(stream.queuedSamples()).isZero();
    }

    @Test
    void theApplicationClosingTheStreamIsToldToTheCallsSide() throws Exception {
        URI url = application((ws, message) -> {
            if ("start".equals(message.path("event").asText())) {
                ws.close();
            }
        });
        streamTo(url);
        await().atMost(Duration.ofSeconds(5)).until(() -> closedReasons.size() == 1);
        assertThat(closedReasons.get(0)).contains("closed");
    }

    private List<String> marks() {
        return received.stream().filter(m -> "mark".equals(m.path("event").asText()))
                .map(m -> m.path("mark").path("name").asText()).toList();
    }
}
