package dev.callgate;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The packaged application, in the prod profile, refuses to start without the WhatsApp secrets. */
class ProdProfileIT {

    private static final Path RUNNER = Path.of("target/quarkus-app/quarkus-run.jar");

    private static Process start(List<String> env) throws IOException {
        assertThat(RUNNER).exists();
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", RUNNER.toString()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("CALLGATE_") || name.startsWith("QUARKUS_"));
        for (String pair : env) {
            String[] kv = pair.split("=", 2);
            builder.environment().put(kv[0], kv[1]);
        }
        // a port nobody uses, so a start that wrongly succeeds does not collide with anything
        builder.environment().put("CALLGATE_HTTP_PORT", "18089");
        return builder.start();
    }

    private static String finish(Process process) throws Exception {
        boolean exited = process.waitFor(90, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        assertThat(exited).as("the application should exit by itself").isTrue();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void refusesToStartWithoutTheAppSecretAndVerifyToken() throws Exception {
        Process process = start(List.of());
        String output = finish(process);
        assertThat(process.exitValue()).isNotZero();
        assertThat(output).contains("callgate.whatsapp.app-secret").contains("callgate.whatsapp.verify-token");
    }

    @Test
    void refusesToStartWithoutTheVerifyTokenAndNeverPrintsTheSecret() throws Exception {
        String secret = "it-secret-" + System.nanoTime();
        Process process = start(List.of("CALLGATE_WHATSAPP_APP_SECRET=" + secret));
        String output = finish(process);
        assertThat(process.exitValue()).isNotZero();
        assertThat(output).contains("callgate.whatsapp.verify-token").doesNotContain(secret);
        Files.writeString(Path.of("target/prod-profile-it.log"), output);
    }
}
