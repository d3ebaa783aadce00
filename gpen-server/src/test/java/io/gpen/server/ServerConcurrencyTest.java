package io.gpen.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The queue, the timeouts, a failing model and the graceful shutdown, with a stand-in model that
 * the test holds shut: no wall-clock thresholds, only the order of events.
 */
class ServerConcurrencyTest {
  private final GateRestorer model = new GateRestorer();
  private GpenServer server;

  @AfterEach
  void stop() {
    model.open();
    if (server != null) {
      server.close();
    }
  }

  private Http start(ServerOptions.Builder options) {
    server = GpenServer.start(options.port(0).aligned(true).build(), model, GateRestorer.noFaces());
    return new Http(server.uri());
  }

  private static CompletableFuture<HttpResponse<byte[]>> async(Http http, byte[] body) {
    return CompletableFuture.supplyAsync(() -> http.post("/v1/restore", body, "image/png"));
  }

  private static void awaitMetric(GpenServer server, String line) throws InterruptedException {
    for (int i = 0; i < 3000 && !server.metrics().contains("\n" + line + "\n"); i++) {
      Thread.sleep(10);
    }
    assertTrue(
        server.metrics().contains("\n" + line + "\n"),
        "never saw " + line + " in\n" + server.metrics());
  }

  @Test
  void aFullQueueIsAnswered503WithRetryAfter() throws Exception {
    Http http = start(ServerOptions.builder().maxBatch(1).workers(1).maxQueue(1));
    byte[] face = TestImages.bytes(TestImages.face(0));
    model.shut();
    CompletableFuture<HttpResponse<byte[]>> first = async(http, face);
    model.awaitEntered();
    CompletableFuture<HttpResponse<byte[]>> second = async(http, face);
    awaitMetric(server, "gpen_queue_depth 1");
    HttpResponse<byte[]> third = http.post("/v1/restore", face, "image/png");
    assertEquals(503, third.statusCode(), Http.text(third));
    assertEquals("1", third.headers().firstValue("Retry-After").orElse(""));
    JsonNode error = Http.oneLineJson(third);
    assertTrue(error.get("error").asText().contains("too many requests"), error.toString());
    assertEquals(200, http.get("/healthz").statusCode(), "quick endpoints are not queued");
    model.open();
    assertEquals(200, first.get(60, TimeUnit.SECONDS).statusCode());
    assertEquals(200, second.get(60, TimeUnit.SECONDS).statusCode());
    assertTrue(
        server
            .metrics()
            .contains("gpen_requests_total{endpoint=\"/v1/restore\",status=\"503\"} 1\n"),
        server.metrics());
    assertEquals(200, http.post("/v1/restore", face, "image/png").statusCode());
  }

  @Test
  void aRequestOutOfTimeIsAnswered503AndTheServerGoesOn() throws Exception {
    Http http = start(ServerOptions.builder().timeout(Duration.ofSeconds(1)));
    byte[] face = TestImages.bytes(TestImages.face(1));
    model.shut();
    HttpResponse<byte[]> late = http.post("/v1/restore", face, "image/png");
    assertEquals(503, late.statusCode(), Http.text(late));
    assertTrue(Http.oneLineJson(late).get("error").asText().contains("timed out"), Http.text(late));
    model.open();
    awaitMetric(server, "gpen_requests_in_progress 0");
    HttpResponse<byte[]> next = http.post("/v1/restore", face, "image/png");
    assertEquals(200, next.statusCode(), Http.text(next));
  }

  @Test
  void aBodyStillArrivingAtTheDeadlineIs408() {
    Http http = start(ServerOptions.builder().timeout(Duration.ofSeconds(1)));
    byte[] face = TestImages.bytes(TestImages.face(4));
    // the first 64 KiB at once, the rest after the request's second is over
    InputStream slow =
        new SequenceInputStream(
            new ByteArrayInputStream(face, 0, 65536),
            new InputStream() {
              private final InputStream rest =
                  new ByteArrayInputStream(face, 65536, face.length - 65536);
              private boolean waited;

              @Override
              public int read() throws IOException {
                if (!waited) {
                  waited = true;
                  try {
                    Thread.sleep(1500);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                }
                return rest.read();
              }
            });
    HttpResponse<byte[]> r =
        http.send(
            HttpRequest.newBuilder(http.uri("/v1/restore"))
                .header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> slow)));
    assertEquals(408, r.statusCode(), Http.text(r));
    assertTrue(Http.oneLineJson(r).get("error").asText().contains("still arriving"), Http.text(r));
    assertEquals(200, http.post("/v1/restore", face, "image/png").statusCode());
  }

  @Test
  void aSenderThatStopsIsAnswered408AndItsConnectionClosed() throws Exception {
    Http http = start(ServerOptions.builder().timeout(Duration.ofSeconds(1)));
    byte[] face = TestImages.bytes(TestImages.face(5));
    try (Socket socket = new Socket(server.uri().getHost(), server.port())) {
      socket.setSoTimeout(60_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/restore HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\n"
                  + "Content-Length: "
                  + face.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(face, 0, face.length / 2);
      out.flush();
      // the rest never comes: the answer, then the end of the connection
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
      assertTrue(answer.toLowerCase(Locale.ROOT).contains("\r\nconnection: close\r\n"), answer);
      assertTrue(answer.contains("still arriving"), answer);
    }
    assertEquals(200, http.post("/v1/restore", face, "image/png").statusCode());
  }

  @Test
  void aFailingModelIsA500AndTheServerGoesOn() {
    Http http = start(ServerOptions.builder());
    byte[] face = TestImages.bytes(TestImages.face(2));
    model.failing.set(true);
    HttpResponse<byte[]> failed = http.post("/v1/restore", face, "image/png");
    assertEquals(500, failed.statusCode());
    assertTrue(
        Http.oneLineJson(failed).get("error").asText().contains("model failed on purpose"),
        Http.text(failed));
    model.failing.set(false);
    assertEquals(200, http.post("/v1/restore", face, "image/png").statusCode());
  }

  @Test
  void shutdownFinishesTheRequestsInFlightAndRefusesNewOnes() throws Exception {
    Http http = start(ServerOptions.builder());
    byte[] face = TestImages.bytes(TestImages.face(3));
    model.shut();
    CompletableFuture<HttpResponse<byte[]>> inFlight = async(http, face);
    model.awaitEntered();
    CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
    // the health check turns 503 once the server drains (it is never queued, so the loop cannot
    // block)
    for (int i = 0; i < 3000 && http.get("/healthz").statusCode() == 200; i++) {
      Thread.sleep(10);
    }
    assertEquals(503, http.get("/healthz").statusCode());
    HttpResponse<byte[]> refused = http.post("/v1/restore", face, "image/png");
    assertEquals(503, refused.statusCode(), "new requests are refused while draining");
    assertTrue(
        Http.oneLineJson(refused).get("error").asText().contains("shutting down"),
        Http.text(refused));
    assertEquals("5", refused.headers().firstValue("Retry-After").orElse(""));
    assertFalse(closing.isDone(), "close() waits for the request in flight");
    model.open();
    HttpResponse<byte[]> done = inFlight.get(60, TimeUnit.SECONDS);
    assertEquals(200, done.statusCode(), Http.text(done));
    assertEquals("image/png", done.headers().firstValue("Content-Type").orElse(""));
    closing.get(60, TimeUnit.SECONDS);
    assertEquals(0, server.requestsInFlight());
    assertThrows(UncheckedIOException.class, () -> http.get("/healthz"), "no longer listening");
  }
}
