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
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
    private final java.util.concurrent.atomic.AtomicInteger hangups = new java.util.concurrent.atomic.AtomicInteger();
    /** Every binary frame the application received (native audio). */
    private final List<io.vertx.core.buffer.Buffer> binary = new CopyOnWriteArrayList<>();
    private final io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    private final AudioStream.Drops drops = new AudioStream.Drops(registry.counter("to"), registry.counter("from"));
    private volatile ServerWebSocket application;
    private volatile io.vertx.core.MultiMap upgradeHeaders;

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
            stream.close("call_ended").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
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
        return application(new io.vertx.core.http.HttpServerOptions(), onMessage, (ws, data) -> {
        });
    }

    private URI application(io.vertx.core.http.HttpServerOptions options, BiConsumer<ServerWebSocket, JsonNode> onMessage,
                            BiConsumer<ServerWebSocket, io.vertx.core.buffer.Buffer> onBinary) throws Exception {
        // the upgrade taken explicitly from the request (a server with only a webSocketHandler answers nothing once
        // Quarkus tests ran in the same JVM)
        server = vertx.createHttpServer(options).requestHandler(request -> request.toWebSocket().onSuccess(ws -> {
            application = ws;
            upgradeHeaders = request.headers();
            ws.binaryMessageHandler(data -> {
                binary.add(data);
                onBinary.accept(ws, data);
            });
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

    private static final StreamCall CALL = new StreamCall("bic-7", "wacid.HBgLMTIzNDU2Nzg5MDEVAgARGBI0QTdCQUMzQjVEQUY2NTA2NUQA+/=",
            "BUSINESS_INITIATED", "106540352242922", "4915112345678", "US.13491208655302741918", "order-77");

    private void streamTo(URI url) throws Exception {
        streamTo(new StreamSpec(url, Map.of("agent", "echo"), StreamSpec.OnClose.HANGUP), Duration.ofSeconds(10));
    }

    private void streamTo(StreamSpec spec, Duration maxQueued) throws Exception {
        stream = AudioStream.of(vertx, JSON, spec, CALL, maxQueued, drops, listener());
        stream.open(Duration.ofSeconds(5), spec.headers()).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
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
        String sid = stream.streamId();
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

    /**
     * Each format, both directions, through real libwebrtc: what the application receives of the user's 660 Hz keeps
     * its frequency and level, and the application's 2500 Hz tone reaches the user.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"mulaw_8000", "pcm_16000", "pcm_24000"})
    void eachFormatCarriesTonesBothWaysWithTheirFrequencyAndLevel(String format) throws Exception {
        int rate = StreamSpec.FORMATS.get(format);
        boolean twilio = rate == 8000;
        URI url = application(new io.vertx.core.http.HttpServerOptions(), (ws, message) -> {
        }, (ws, data) -> {
        });
        streamTo(new StreamSpec(url, twilio ? StreamSpec.Protocol.TWILIO : StreamSpec.Protocol.NATIVE, rate, Map.of(),
                Map.of(), StreamSpec.OnClose.HANGUP), Duration.ofSeconds(10));
        int frames = 50; // 1 s
        await().atMost(Duration.ofSeconds(10)).until(() -> (twilio ? mediaMessages().size() : binary.size()) > frames + 10);
        short[] pcm = new short[rate / 50 * frames];
        for (int i = 0; i < frames; i++) {
            if (twilio) {
                List<JsonNode> media = mediaMessages();
                byte[] chunk = Base64.getDecoder().decode(media.get(media.size() - frames + i).path("media")
                        .path("payload").asText());
                MuLaw.decode(chunk, 0, chunk.length, pcm, i * chunk.length);
            } else {
                io.vertx.core.buffer.Buffer frame = binary.get(binary.size() - frames + i);
                assertThat(frame.length()).as("20 ms of 16-bit PCM at %d Hz", rate).isEqualTo(rate / 50 * 2);
                for (int j = 0; j < frame.length() / 2; j++) {
                    pcm[i * rate / 50 + j] = frame.getShortLE(j * 2);
                }
            }
        }
        double[] samples = new double[Math.min(pcm.length, dev.callgate.media.AudioMeter.WINDOW)];
        double power = 0;
        for (int i = 0; i < samples.length; i++) {
            samples[i] = pcm[pcm.length - samples.length + i];
            power += samples[i] * samples[i];
        }
        double levelDbfs = 10 * Math.log10(power / samples.length / (32768.0 * 32768.0));
        assertThat(dev.callgate.media.AudioMeter.dominantHz(samples, rate)).isCloseTo(660, within(20.0));
        // the phone's sine peaks at -12 dBFS, so its RMS level is -15.05 dBFS: Opus, the filters and μ-law keep it
        assertThat(levelDbfs).as("RMS level of the user's tone at the application").isCloseTo(-15.05, within(1.0));

        // the application's 2500 Hz, 2 s, at half scale
        int n = rate * 2;
        short[] tone = new short[n];
        for (int i = 0; i < n; i++) {
            tone[i] = (short) Math.round(0.5 * 32767 * Math.sin(2 * Math.PI * 2500 * i / rate));
        }
        if (twilio) {
            byte[] mulaw = new byte[n];
            MuLaw.encode(tone, 0, n, mulaw, 0);
            application.writeTextMessage("{\"event\":\"media\",\"streamSid\":\"" + stream.streamId()
                    + "\",\"media\":{\"payload\":\"" + Base64.getEncoder().encodeToString(mulaw) + "\"}}");
        } else {
            io.vertx.core.buffer.Buffer audio = io.vertx.core.buffer.Buffer.buffer(n * 2);
            for (short sample : tone) {
                audio.appendShortLE(sample);
            }
            application.writeBinaryMessage(audio);
        }
        await("2500 Hz at the phone").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .untilAsserted(() -> {
                    dev.callgate.media.AudioStats heard = phone.received();
                    assertThat(heard.dominantHz()).isCloseTo(2500, within(15.0));
                    assertThat(heard.levelDbfs()).as("a half-scale sine is -9.03 dBFS RMS")
                            .isCloseTo(-9.03, within(1.5));
                });
    }

    @Test
    void theNativeStartTellsTheCallAndAHangupMessageAsksToEndIt() throws Exception {
        URI url = application((ws, message) -> {
            if ("start".equals(message.path("event").asText())) {
                ws.writeTextMessage("{\"event\":\"hangup\"}");
            }
        });
        streamTo(new StreamSpec(url, StreamSpec.Protocol.NATIVE, 24000, Map.of("agent", "sales"),
                Map.of("Authorization", "Bearer agent-token"), StreamSpec.OnClose.CONTINUE), Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(5)).until(() -> hangups.get() == 1);
        JsonNode start = received.get(0);
        assertThat(start.path("event").asText()).isEqualTo("start");
        assertThat(start.path("streamId").asText()).isEqualTo(stream.streamId()).startsWith("CS");
        assertThat(start.path("call").path("callRef").asText()).isEqualTo("bic-7");
        assertThat(start.path("call").path("whatsappCallId").asText()).isEqualTo(CALL.whatsappCallId());
        assertThat(start.path("call").path("direction").asText()).isEqualTo("BUSINESS_INITIATED");
        assertThat(start.path("call").path("user").path("bsuid").asText()).isEqualTo("US.13491208655302741918");
        assertThat(start.path("call").path("user").path("phone").asText()).isEqualTo("4915112345678");
        assertThat(start.path("call").path("bizOpaqueCallbackData").asText()).isEqualTo("order-77");
        assertThat(start.path("parameters").path("agent").asText()).isEqualTo("sales");
        assertThat(start.path("format").path("sampleRate").asInt()).isEqualTo(24000);
        assertThat(start.path("format").path("encoding").asText()).isEqualTo("pcm_s16le");
        assertThat(upgradeHeaders.get("Authorization")).isEqualTo("Bearer agent-token");
        // a hangup is a request: the stream stays until the call's side closes it, with a stop and its reason
        stream.close("call_ended").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> received.stream()
                .anyMatch(m -> "stop".equals(m.path("event").asText())));
        assertThat(received.get(received.size() - 1).path("reason").asText()).isEqualTo("call_ended");
        assertThat(closedReasons).as("the call's side closed it: not reported back").isEmpty();
        stream = null;
    }

    @Test
    void aSlowApplicationLosesFramesNotMemory() throws Exception {
        // an application that stops reading: its socket buffers fill, then Callgate's bounded write queue
        URI url = application(new io.vertx.core.http.HttpServerOptions().setReceiveBufferSize(4096),
                (ws, message) -> {
                }, (ws, data) -> {
                });
        StreamSpec spec = new StreamSpec(url, StreamSpec.Protocol.NATIVE, 24000, Map.of(), Map.of(),
                StreamSpec.OnClose.HANGUP);
        stream = AudioStream.of(vertx, JSON, spec, CALL, Duration.ofSeconds(1), drops, listener());
        stream.open(Duration.ofSeconds(5), Map.of()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> application != null);
        application.pause();
        pool.bridge("call-s", stream).toCompletableFuture().get(10, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(30)).until(() -> stream.droppedFrames() > 50);
        assertThat(registry.counter("to").count()).isEqualTo((double) stream.droppedFrames(), within(5.0));
        // dropping, not queueing: once full, (nearly) every further frame is dropped — nothing grows
        long before = stream.droppedFrames();
        await().atMost(Duration.ofSeconds(5)).until(() -> stream.droppedFrames() >= before + 45);
        assertThat(closedReasons).isEmpty();

        // the call ends: the stream closes within its deadline although the application never reads its stop
        stream.close("call_ended").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        stream = null;
        application.resume(); // the application wakes up: it finds the connection gone
        await().atMost(Duration.ofSeconds(10)).until(() -> application.isClosed());
    }

    @Test
    void audioBeyondTheQueuesBoundIsDroppedAndCounted() throws Exception {
        URI url = application((ws, message) -> {
        });
        streamTo(new StreamSpec(url, Map.of(), StreamSpec.OnClose.HANGUP), Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> application != null && received.size() >= 2);
        // 4 s at once into a 1 s queue
        application.writeTextMessage(media(stream.streamId(), 1000, 4000, 0.5));
        await().atMost(Duration.ofSeconds(5)).until(() -> stream.droppedPlaybackFrames() > 0);
        assertThat(stream.droppedPlaybackFrames()).as("about 3 s of 20 ms frames").isBetween(140L, 150L);
        assertThat(registry.counter("from").count()).isEqualTo((double) stream.droppedPlaybackFrames());
        assertThat(stream.queuedSamples()).isLessThanOrEqualTo(48_000);
    }

    @Test
    void anOpenStreamOutlivesItsConnectTimeout() throws Exception {
        URI url = application((ws, message) -> {
        });
        StreamSpec spec = new StreamSpec(url, Map.of(), StreamSpec.OnClose.HANGUP);
        stream = AudioStream.of(vertx, JSON, spec, CALL, Duration.ofSeconds(10), drops, listener());
        stream.open(Duration.ofMillis(800), Map.of()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        pool.bridge("call-s", stream).toCompletableFuture().get(10, TimeUnit.SECONDS);
        // the deadline is on the opening only: audio keeps flowing well past it
        int before = mediaMessages().size();
        await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(4)).until(() -> closedReasons.isEmpty()
                && !application.isClosed());
        assertThat(mediaMessages().size() - before).as("2.5 s of 20 ms frames").isGreaterThan(100);
    }

    @Test
    void anApplicationThatNeverTakesTheUpgradeFailsTheOpeningWithinItsTimeout() throws Exception {
        // a server that accepts the connection and never answers the upgrade request
        server = vertx.createHttpServer().requestHandler(request -> {
        });
        int port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS)
                .actualPort();
        StreamSpec spec = new StreamSpec(URI.create("ws://127.0.0.1:" + port + "/agent"), Map.of(),
                StreamSpec.OnClose.HANGUP);
        AudioStream silent = AudioStream.of(vertx, JSON, spec, CALL, Duration.ofSeconds(10), drops, listener());
        long started = System.nanoTime();
        var opening = silent.open(Duration.ofMillis(500), Map.of()).toCompletionStage().toCompletableFuture();
        assertThatThrownBy(() -> opening.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(
                java.util.concurrent.TimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        silent.close("unreachable").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void aWssApplicationWhoseCertificateTheJvmDoesNotTrustIsRefused() throws Exception {
        // TLS with the JVM's trust store: a self-signed certificate is not in it, so the stream does not open
        Path keystore = recordings.resolve("agent.p12"); // a self-signed certificate made with the JDK's keytool
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "agent", "-keyalg", "RSA", "-keysize", "2048", "-validity", "1",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "agent-pass").inheritIO().start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0).as("keytool").isTrue();
        server = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setSsl(true)
                        .setKeyCertOptions(new io.vertx.core.net.PfxOptions().setPath(keystore.toString())
                                .setPassword("agent-pass")))
                .requestHandler(request -> request.toWebSocket().onSuccess(ws -> application = ws));
        int port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS)
                .actualPort();
        StreamSpec spec = new StreamSpec(URI.create("wss://localhost:" + port + "/agent"), Map.of(),
                StreamSpec.OnClose.HANGUP);
        AudioStream untrusted = AudioStream.of(vertx, JSON, spec, CALL, Duration.ofSeconds(10), drops, listener());
        var opening = untrusted.open(Duration.ofSeconds(5), Map.of()).toCompletionStage().toCompletableFuture();
        assertThatThrownBy(() -> opening.get(10, TimeUnit.SECONDS))
                .satisfies(e -> assertThat(causes(e)).anyMatch(c -> c instanceof javax.net.ssl.SSLException));
        assertThat(application).as("no WebSocket reached the application").isNull();
        untrusted.close("unreachable").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static List<Throwable> causes(Throwable e) {
        List<Throwable> chain = new java.util.ArrayList<>();
        for (Throwable c = e; c != null && !chain.contains(c); c = c.getCause()) {
            chain.add(c);
        }
        return chain;
    }

    /** What the call's side is told: closes and hang-up requests, recorded. */
    private AudioStream.Listener listener() {
        return new AudioStream.Listener() {
            @Override
            public void closed(String reason) {
                closedReasons.add(reason);
            }

            @Override
            public void hangupRequested() {
                hangups.incrementAndGet();
            }
        };
    }

    private List<JsonNode> mediaMessages() {
        return received.stream().filter(m -> "media".equals(m.path("event").asText())).toList();
    }

    private List<String> marks() {
        return received.stream().filter(m -> "mark".equals(m.path("event").asText()))
                .map(m -> m.path("mark").path("name").asText()).toList();
    }
}
