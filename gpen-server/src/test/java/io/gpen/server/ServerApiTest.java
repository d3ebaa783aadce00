package io.gpen.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gpen.GpenException;
import io.gpen.api.Restorer;
import io.gpen.face.FaceDetector;
import io.gpen.face.FaceDetectors;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.workflow.ModelSpec;
import io.gpen.workflow.PhotoRestoration;
import io.gpen.workflow.WorkflowListener;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every endpoint over HTTP on 127.0.0.1 with the golden 64 px model and the MobileNet RetinaFace:
 * answers byte-identical to {@code gpen restore}'s files, each kind of bad input refused with one
 * line of JSON, and the server answering normally afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerApiTest {
  private Restorer restorer;
  private FaceDetector detector;
  private GpenServer server;
  private Http http;
  @TempDir Path dir;

  @BeforeAll
  void start() {
    restorer = Restorer.builder().weights(TestImages.golden()).batchSize(8).build();
    detector = FaceDetectors.open(TestImages.detector());
    server =
        GpenServer.start(
            ServerOptions.builder().port(0).maxUploadMb(2).build(), restorer, detector);
    http = new Http(server.uri());
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
    if (detector != null) {
      detector.close();
    }
    if (restorer != null) {
      restorer.close();
    }
  }

  /**
   * What {@code gpen restore} writes for {@code input} saved as {@code name}: {@code
   * <stem>_GPEN.png} and {@code <stem>.faces.json}.
   */
  private Path restoreWithCli(
      byte[] input, String name, UnaryOperator<PhotoRestoration.Options.Builder> tweak)
      throws IOException {
    Path in = Files.createTempDirectory(dir, "in").resolve(name);
    Files.write(in, input);
    Path out = Files.createTempDirectory(dir, "out");
    PhotoRestoration.run(
        tweak
            .apply(
                PhotoRestoration.Options.builder(
                        ModelSpec.libtorch(TestImages.golden().toString()), in, out)
                    .detector(FaceDetectors.Kind.RETINAFACE, TestImages.detector().toString()))
            .build(),
        WorkflowListener.SILENT);
    return out;
  }

  private static String stem(String name) {
    return name.substring(0, name.lastIndexOf('.'));
  }

  private void assertSameAsCli(
      byte[] input, String query, UnaryOperator<PhotoRestoration.Options.Builder> tweak, int faces)
      throws IOException {
    Path out = restoreWithCli(input, "photo.png", tweak);
    byte[] expected = Files.readAllBytes(out.resolve("photo_GPEN.png"));
    HttpResponse<byte[]> raw = http.post("/v1/restore" + query, input, "image/png");
    assertEquals(200, raw.statusCode(), Http.text(raw));
    assertEquals("image/png", raw.headers().firstValue("Content-Type").orElse(""));
    assertEquals(
        String.valueOf(faces), raw.headers().firstValue(ApiHandler.FACES_HEADER).orElse(""));
    assertTrue(raw.headers().firstValue(ApiHandler.TIME_HEADER).isPresent());
    assertArrayEquals(
        expected, raw.body(), "the answer is gpen restore's photo_GPEN.png, byte for byte");
    HttpResponse<byte[]> form = http.postForm("/v1/restore" + query, "image", "photo.png", input);
    assertEquals(200, form.statusCode(), Http.text(form));
    assertEquals(
        "inline; filename=\"photo_GPEN.png\"",
        form.headers().firstValue("Content-Disposition").orElse(""));
    assertArrayEquals(expected, form.body(), "a multipart upload gives the same bytes");
  }

  @Test
  void restoresAFaceAsGpenRestoreWritesIt() throws IOException {
    assertSameAsCli(TestImages.bytes(TestImages.face(0)), "", b -> b, 1);
  }

  @Test
  void restoresTwoFacesInOneBatchAsGpenRestoreWithTheSameBatchSize() throws IOException {
    // gpen restore --batch_size 8 restores both faces in one call, as the server's batch of 8 does
    assertSameAsCli(TestImages.solvayPart(), "", b -> b.batchSize(8), 2);
  }

  @Test
  void keepsGreyAndAlphaAsGpenRestoreDoes() throws IOException {
    assertSameAsCli(TestImages.greyFace(1), "", b -> b, 1);
    assertSameAsCli(TestImages.faceWithAlpha(2), "", b -> b, 1);
  }

  @Test
  void alphaAndAlignedAsGpenRestore() throws IOException {
    byte[] face = TestImages.bytes(TestImages.face(3));
    assertSameAsCli(face, "?alpha=0.5", b -> b.alpha(0.5), 1);
    assertSameAsCli(face, "?aligned=true", b -> b.inputs(PhotoRestoration.Inputs.ALIGNED_FACES), 1);
  }

  @Test
  void jpegOnRequest() {
    HttpResponse<byte[]> r =
        http.post("/v1/restore?format=jpeg", TestImages.bytes(TestImages.face(4)), "image/png");
    assertEquals(200, r.statusCode(), Http.text(r));
    assertEquals("image/jpeg", r.headers().firstValue("Content-Type").orElse(""));
    try (Image decoded = Images.decode(r.body(), "answer", 1_000_000)) {
      assertEquals(256, decoded.width());
      assertEquals(256, decoded.height());
    }
  }

  @Test
  void facesAsFacesJson() throws IOException {
    byte[] part = TestImages.solvayPart();
    Path out = restoreWithCli(part, "solvay_part.png", b -> b.batchSize(8));
    byte[] expected = Files.readAllBytes(out.resolve("solvay_part.faces.json"));
    HttpResponse<byte[]> r = http.postForm("/v1/faces", "image", "solvay_part.png", part);
    assertEquals(200, r.statusCode(), Http.text(r));
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
    assertArrayEquals(expected, r.body(), "the answer is gpen restore's faces.json, byte for byte");
    JsonNode plain = Http.JSON.readTree(http.post("/v1/faces", part, "image/png").body());
    assertEquals("upload", plain.get("image").asText());
    assertEquals(2, plain.get("faces").size());
    assertEquals(5, plain.get("faces").get(0).get("landmarks").size());
  }

  @Test
  void healthMetricsAndOpenApi() throws IOException {
    HttpResponse<byte[]> health = http.get("/healthz");
    assertEquals(200, health.statusCode());
    JsonNode h = Http.JSON.readTree(health.body());
    assertEquals("ok", h.get("status").asText());
    assertEquals(64, h.get("face_size").asInt());
    assertTrue(h.get("model").asText().contains("gpen64.pth"), h.toString());

    assertEquals(
        200,
        http.post("/v1/restore", TestImages.bytes(TestImages.face(5)), "image/png").statusCode());
    assertEquals(404, http.get("/nothing-here").statusCode());
    HttpResponse<byte[]> metrics = http.get("/metrics");
    assertEquals(200, metrics.statusCode());
    assertTrue(
        metrics
            .headers()
            .firstValue("Content-Type")
            .orElse("")
            .startsWith("text/plain; version=0.0.4"));
    String text = Http.text(metrics);
    assertTrue(
        metric(text, "gpen_requests_total{endpoint=\"/v1/restore\",status=\"200\"}") >= 1, text);
    assertTrue(metric(text, "gpen_requests_total{endpoint=\"other\",status=\"404\"}") >= 1, text);
    assertTrue(
        metric(text, "gpen_request_duration_seconds_count{endpoint=\"/v1/restore\"}") >= 1, text);
    assertTrue(
        metric(text, "gpen_request_duration_seconds_bucket{endpoint=\"/v1/restore\",le=\"+Inf\"}")
            >= 1,
        text);
    assertTrue(metric(text, "gpen_faces_restored_total") >= 1, text);
    assertTrue(metric(text, "gpen_batch_size_count") >= 1, text);
    assertTrue(metric(text, "gpen_batch_size_bucket{le=\"8\"}") >= 1, text);
    assertEquals(0, metric(text, "gpen_queue_depth"), text);
    assertEquals(1, metric(text, "gpen_model_loaded"), text);
    for (String line : text.split("\n")) {
      assertTrue(
          line.startsWith("# HELP ")
              || line.startsWith("# TYPE ")
              || line.matches("[a-z_]+(\\{[^}]*\\})? [0-9.eE+-]+"),
          "not Prometheus text: " + line);
    }

    HttpResponse<byte[]> openApi = http.get("/openapi.json");
    assertEquals(200, openApi.statusCode());
    JsonNode api = Http.JSON.readTree(openApi.body());
    assertTrue(api.get("openapi").asText().startsWith("3."));
    Set<String> documented = new TreeSet<>();
    api.get("paths").fieldNames().forEachRemaining(documented::add);
    Set<String> served = new TreeSet<>(ApiHandler.paths());
    served.removeAll(Set.of("/app.js", "/style.css"));
    assertEquals(served, documented, "openapi.json documents every route");
    assertTrue(api.at("/paths/~1v1~1restore/post/parameters").toString().contains("use_sr"));
  }

  private static double metric(String text, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
    if (!m.find()) {
      throw new AssertionError("no " + series + " in\n" + text);
    }
    return Double.parseDouble(m.group(1));
  }

  @Test
  void servesThePageWithNothingFromOutside() {
    HttpResponse<byte[]> page = http.get("/");
    assertEquals(200, page.statusCode());
    assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
    String html = Http.text(page);
    assertTrue(
        html.contains("id=\"file\"") && html.contains("app.js") && html.contains("style.css"),
        html);
    for (String path : new String[] {"/", "/app.js", "/style.css"}) {
      HttpResponse<byte[]> r = http.get(path);
      assertEquals(200, r.statusCode(), path);
      assertFalse(
          Http.text(r).matches("(?s).*(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}/.*"),
          path + " refers to another site: the page must work offline");
    }
    assertEquals(200, http.method("HEAD", "/").statusCode());
  }

  private void assertError(HttpResponse<byte[]> r, int status, String words) {
    assertEquals(status, r.statusCode(), Http.text(r));
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
    JsonNode e = Http.oneLineJson(r);
    assertEquals(status, e.get("status").asInt());
    assertTrue(e.get("error").asText().contains(words), "expected '" + words + "' in " + e);
  }

  /** After each bad request the server still restores a face. */
  private void assertStillServing() {
    assertEquals(200, http.get("/healthz").statusCode());
    HttpResponse<byte[]> r =
        http.post("/v1/restore", TestImages.bytes(TestImages.face(6)), "image/png");
    assertEquals(200, r.statusCode(), Http.text(r));
  }

  @Test
  void refusesWhatIsNotAnImage() {
    assertError(
        http.post("/v1/restore", TestImages.notAnImage(), "image/png"), 400, "not an image");
    assertError(http.post("/v1/faces", TestImages.notAnImage(), "text/plain"), 400, "not an image");
    assertError(http.post("/v1/restore", new byte[0], "image/png"), 400, "empty body");
    assertError(
        http.post(
            "/v1/restore", TestImages.truncated(TestImages.bytes(TestImages.face(7))), "image/png"),
        400,
        "not a readable image");
    assertError(
        http.postForm("/v1/restore", "photo", "a.png", TestImages.bytes(TestImages.face(7))),
        400,
        "no field 'image'");
    assertError(
        http.post("/v1/restore", "--x\r\nbroken".getBytes(), "multipart/form-data; boundary=x"),
        400,
        "multipart");
    assertStillServing();
  }

  @Test
  void refusesDecompressionBombsBeforeDecoding() {
    byte[] bomb = TestImages.pngDeclaring(50_000, 50_000);
    assertTrue(bomb.length < 1000, "a small file: " + bomb.length + " bytes");
    assertError(
        http.post("/v1/restore", bomb, "image/png"),
        400,
        "50000x50000 pixels, more than the limit of 40000000");
    // under OpenCV's own limit of 2^30 pixels: only the server's header check stands in the way
    assertError(
        http.postForm("/v1/faces", "image", "bomb.png", TestImages.pngDeclaring(10_000, 10_000)),
        400,
        "10000x10000 pixels, more than the limit");
    assertStillServing();
  }

  @Test
  void refusesBodiesOverTheLimit() {
    byte[] large = new byte[3 * 1024 * 1024];
    System.arraycopy(TestImages.bytes(TestImages.face(8)), 0, large, 0, 1000);
    assertError(
        http.post("/v1/restore", large, "image/png"), 413, "larger than the limit of 2 MiB");
    assertError(
        http.postForm("/v1/faces", "image", "large.png", large),
        413,
        "larger than the limit of 2 MiB");
    assertStillServing();
  }

  @Test
  void refusesBadParameters() {
    byte[] face = TestImages.bytes(TestImages.face(9));
    assertError(
        http.post("/v1/restore?use_sr=true", face, "image/png"),
        400,
        "background SR not available");
    assertError(
        http.post("/v1/restore?alpha=2", face, "image/png"),
        400,
        "alpha must be a number from 0 to 1");
    assertError(
        http.post("/v1/restore?alpha=x", face, "image/png"),
        400,
        "alpha must be a number from 0 to 1");
    assertError(
        http.post("/v1/restore?aligned=maybe", face, "image/png"),
        400,
        "aligned must be true or false");
    assertError(
        http.post("/v1/restore?format=gif", face, "image/png"), 400, "format must be png or jpeg");
    assertError(
        http.post("/v1/restore?size=512", face, "image/png"),
        400,
        "unknown query parameter 'size'");
    assertError(
        http.post("/v1/faces?aligned=true", face, "image/png"),
        400,
        "unknown query parameter 'aligned'");
    assertEquals(
        200,
        http.post("/v1/restore?use_sr=false&format=png&aligned=0", face, "image/png").statusCode());
    assertStillServing();
  }

  @Test
  void wrongMethodsAndPaths() {
    HttpResponse<byte[]> get = http.get("/v1/restore");
    assertError(get, 405, "method GET not allowed on /v1/restore");
    assertEquals("POST", get.headers().firstValue("Allow").orElse(""));
    assertError(http.method("DELETE", "/healthz"), 405, "allowed: GET, HEAD");
    assertError(http.post("/metrics", new byte[] {1}, "image/png"), 405, "not allowed");
    assertError(http.get("/v2/restore"), 404, "no such path: /v2/restore");
    assertError(http.post("/v1/restore/", new byte[] {1}, "image/png"), 404, "no such path");
    // refused by Jetty before any route: the same JSON line
    assertError(
        http.send(HttpRequest.newBuilder(URI.create(server.uri() + "/healthz")).GET()),
        400,
        "Ambiguous URI");
    assertStillServing();
  }

  @Test
  void aPortInUseIsOneLine() {
    GpenException e =
        assertThrows(
            GpenException.class,
            () ->
                GpenServer.start(
                    ServerOptions.builder().port(server.port()).build(), restorer, detector));
    assertEquals(
        "cannot listen on 127.0.0.1:" + server.port() + ": Address already in use", e.getMessage());
    assertStillServing();
  }

  @Test
  void namesAreMadeSafeForHeaders() {
    assertEquals("my_photo_1_", ApiHandler.stem("C:\\x\\my photo(1).jpeg"));
    assertEquals("upload", ApiHandler.stem(".png"));
    assertEquals("a.b.png", ApiHandler.baseName("dir/sub/a.b.png"));
  }
}
