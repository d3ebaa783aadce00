package io.gpen.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gpen.SharedData;
import io.gpen.api.Restorer;
import io.gpen.face.FaceDetector;
import io.gpen.face.FaceDetectors;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web page in headless Chromium (Debian's {@code chromium}), driven over the Chrome DevTools
 * protocol with the JDK's WebSocket client: load the page, choose a photo, wait for the restoration
 * and check that it is shown with its face count; a screenshot goes to {@code
 * gpen-server/target/serve-page.png} (and a JPEG copy beside it). Without Chromium the test skips
 * with a message, except on CI ({@code CI=true}), where {@code .ci/run} installs it and its absence
 * fails the test.
 */
class BrowserTest {
  private static final Path SCREENSHOT = Path.of("gpen-server", "target", "serve-page.png");

  @TempDir Path profile;

  private static Path chromium() {
    for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return Path.of(candidate);
      }
    }
    String what = "Chromium is not installed (apt-get install -y chromium)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(what + "; CI=true, so the test fails instead of skipping");
    }
    assumeTrue(false, "skipped: " + what);
    return null;
  }

  @Test
  void restoresAPhotoDroppedOnThePage() throws Exception {
    Path browser = chromium();
    Path photo = SharedData.require("faces/Solvay_conference_1927.png");
    try (Restorer restorer = Restorer.builder().weights(TestImages.golden()).batchSize(8).build();
        FaceDetector detector = FaceDetectors.open(TestImages.detector());
        GpenServer server =
            GpenServer.start(ServerOptions.builder().port(0).build(), restorer, detector)) {
      Process chrome =
          new ProcessBuilder(
                  browser.toString(),
                  "--headless",
                  "--no-sandbox",
                  "--disable-gpu",
                  "--disable-background-networking",
                  "--disable-component-update",
                  "--disable-sync",
                  "--no-first-run",
                  "--disable-dev-shm-usage",
                  "--user-data-dir=" + profile,
                  "--remote-debugging-port=0",
                  "--window-size=1100,1000",
                  "about:blank")
              .redirectErrorStream(true)
              .redirectOutput(profile.resolve("chromium.log").toFile())
              .start();
      try (DevTools page = DevTools.connect(profile)) {
        page.call("Page.enable", Map.of());
        page.call("Page.navigate", Map.of("url", server.uri().toString()));
        page.waitFor("document.readyState === 'complete' && !!document.getElementById('file')", 30);
        int root = page.call("DOM.getDocument", Map.of()).at("/root/nodeId").asInt();
        int input =
            page.call("DOM.querySelector", Map.of("nodeId", root, "selector", "#file"))
                .get("nodeId")
                .asInt();
        page.call(
            "DOM.setFileInputFiles", Map.of("nodeId", input, "files", List.of(photo.toString())));
        page.waitFor(
            "!document.getElementById('result').hidden && document.getElementById('restored').complete"
                + " && document.getElementById('restored').naturalWidth > 0",
            120);
        assertEquals(
            1328, page.evaluate("document.getElementById('restored').naturalWidth").asInt());
        assertEquals(
            1328, page.evaluate("document.getElementById('original').naturalWidth").asInt());
        String faces = page.evaluate("document.getElementById('faces').textContent").asText();
        assertTrue(
            faces.matches("\\d+ faces restored") && Integer.parseInt(faces.split(" ")[0]) >= 20,
            faces);
        assertTrue(
            page.evaluate("document.getElementById('download').download")
                .asText()
                .endsWith("_GPEN.png"));
        assertTrue(page.evaluate("document.getElementById('error').hidden").asBoolean());
        String shot =
            page.call("Page.captureScreenshot", Map.of("format", "png")).get("data").asText();
        Files.createDirectories(SCREENSHOT.getParent());
        Files.write(SCREENSHOT, Base64.getDecoder().decode(shot));
        // a smaller copy for the README (docs/serve.jpg is one of these)
        String jpeg =
            page.call("Page.captureScreenshot", Map.of("format", "jpeg", "quality", 70))
                .get("data")
                .asText();
        Files.write(SCREENSHOT.resolveSibling("serve-page.jpg"), Base64.getDecoder().decode(jpeg));
        System.out.println("browser test: screenshot in " + SCREENSHOT.toAbsolutePath());
        page.call("Browser.close", Map.of());
      } finally {
        if (!chrome.waitFor(10, TimeUnit.SECONDS)) {
          chrome.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  /** One page of a Chromium started with {@code --remote-debugging-port=0}, over its WebSocket. */
  private static final class DevTools implements WebSocket.Listener, AutoCloseable {
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final StringBuilder partial = new StringBuilder();
    private WebSocket socket;

    /** Reads the port Chromium wrote into its profile, then opens its first page's socket. */
    static DevTools connect(Path profile) throws Exception {
      Path portFile = profile.resolve("DevToolsActivePort");
      for (int i = 0; i < 300 && !Files.exists(portFile); i++) {
        Thread.sleep(100);
      }
      if (!Files.exists(portFile)) {
        fail("Chromium did not start: " + Files.readString(profile.resolve("chromium.log")));
      }
      int port = Integer.parseInt(Files.readAllLines(portFile).get(0).strip());
      HttpClient client = HttpClient.newHttpClient();
      String pageSocket = null;
      for (int i = 0; i < 100 && pageSocket == null; i++) {
        HttpResponse<String> list =
            client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        for (JsonNode target : Http.JSON.readTree(list.body())) {
          if ("page".equals(target.get("type").asText())) {
            pageSocket = target.get("webSocketDebuggerUrl").asText();
          }
        }
        if (pageSocket == null) {
          Thread.sleep(100);
        }
      }
      DevTools tools = new DevTools();
      tools.socket =
          client
              .newWebSocketBuilder()
              .connectTimeout(Duration.ofSeconds(10))
              .buildAsync(URI.create(pageSocket), tools)
              .get(30, TimeUnit.SECONDS);
      return tools;
    }

    JsonNode call(String method, Map<String, Object> params) throws Exception {
      int id = ids.incrementAndGet();
      CompletableFuture<JsonNode> answer = new CompletableFuture<>();
      pending.put(id, answer);
      ObjectNode message = Http.JSON.createObjectNode();
      message.put("id", id);
      message.put("method", method);
      message.set("params", Http.JSON.valueToTree(params));
      socket.sendText(Http.JSON.writeValueAsString(message), true).get(30, TimeUnit.SECONDS);
      JsonNode reply = answer.get(120, TimeUnit.SECONDS);
      if (reply.has("error")) {
        throw new IllegalStateException(method + ": " + reply.get("error"));
      }
      return reply.get("result");
    }

    JsonNode evaluate(String expression) throws Exception {
      return call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true))
          .at("/result/value");
    }

    void waitFor(String condition, int seconds) throws Exception {
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < until) {
        if (evaluate(condition).asBoolean()) {
          return;
        }
        Thread.sleep(100);
      }
      List<String> state = new ArrayList<>();
      for (String id : List.of("status", "error", "faces")) {
        state.add(
            id + "=" + evaluate("document.getElementById('" + id + "').textContent").asText());
      }
      fail("the page never showed " + condition + " (" + state + ")");
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        try {
          JsonNode message = Http.JSON.readTree(partial.toString());
          if (message.has("id")) {
            CompletableFuture<JsonNode> answer = pending.remove(message.get("id").asInt());
            if (answer != null) {
              answer.complete(message);
            }
          }
        } catch (IOException e) {
          pending.values().forEach(f -> f.completeExceptionally(e));
        }
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public void close() {
      if (socket != null) {
        socket.abort();
      }
    }
  }
}
