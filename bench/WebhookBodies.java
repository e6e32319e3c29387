// Writes signed call-status webhooks for bench/webhooks.lua (wrk), one per line: "<X-Hub-Signature-256>\t<body>".
// Single-file Java program (JDK 17+, no dependencies):
//   java bench/WebhookBodies.java --out target/bench/bodies.tsv [--count 20000] [--size 2048] [--secret bench-app-secret]
// Each body is one Cloud API webhook on the calls field with one call status (RINGING) of its own call id
// (wacid.bench…, so a run's rows can be told apart in call_events), in Meta's shape (bench/WebhookLoad.java,
// src/test/java/dev/callgate/support/Webhooks.java): contacts, metadata and the status item, whose
// biz_opaque_callback_data (the tracking string the business attached to the call) pads the body to --size bytes.
// wrk cycles through the bodies, so a call id repeats only after --count requests.
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;

public class WebhookBodies {

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new HashMap<>(Map.of("out", "target/bench/bodies.tsv", "count", "20000",
                "size", "2048", "secret", "bench-app-secret"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int count = Integer.parseInt(opt.get("count"));
        int size = Integer.parseInt(opt.get("size"));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(opt.get("secret").getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        Path out = Path.of(opt.get("out"));
        Files.createDirectories(out.toAbsolutePath().getParent());
        long timestamp = System.currentTimeMillis() / 1000;
        int length = 0;
        try (BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            for (int n = 0; n < count; n++) {
                String callId = "wacid.bench" + UUID.randomUUID().toString().replace("-", "");
                String body = body(callId, timestamp, "");
                String padded = body(callId, timestamp, "x".repeat(Math.max(0, size - body.length())));
                byte[] bytes = padded.getBytes(StandardCharsets.UTF_8);
                length = bytes.length;
                writer.write("sha256=" + HexFormat.of().formatHex(mac.doFinal(bytes)));
                writer.write('\t');
                writer.write(padded);
                writer.write('\n');
            }
        }
        System.out.printf("%d signed webhooks of %d bytes in %s%n", count, length, out);
    }

    static String body(String callId, long timestamp, String padding) {
        return "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"102290129340398\",\"changes\":[{"
                + "\"field\":\"calls\",\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{"
                + "\"display_phone_number\":\"15550783881\",\"phone_number_id\":\"106540352242922\"},"
                + "\"contacts\":[{\"profile\":{\"name\":\"Bench User\"},\"wa_id\":\"4915112345678\"}],"
                + "\"statuses\":[{\"id\":\"" + callId + "\",\"timestamp\":\"" + timestamp + "\",\"type\":\"call\","
                + "\"status\":\"RINGING\",\"recipient_id\":\"4915112345678\","
                + "\"biz_opaque_callback_data\":\"order-77;campaign=bench;" + padding + "\"}]}}]}]}";
    }
}
