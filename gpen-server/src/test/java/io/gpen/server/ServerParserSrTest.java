package io.gpen.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gpen.BadParameter;
import io.gpen.SharedData;
import io.gpen.face.FaceDetectors;
import io.gpen.workflow.ModelSpec;
import io.gpen.workflow.PhotoRestoration;
import io.gpen.workflow.WorkflowListener;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The face parser's mask and background super-resolution (the golden small ParseNet and x2
 * RRDBNet): answers byte-identical to {@code gpen restore --mask parse --parse_weights ...
 * [--use_sr --sr_weights ...]}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerParserSrTest {
  private GpenServer server;
  private Http http;
  @TempDir Path dir;

  private static String parser() {
    return SharedData.require("golden/parsenet_small.pth").toString();
  }

  private static String rrdb() {
    return SharedData.require("golden/rrdb_x2_small.pth").toString();
  }

  private static ServerModels models() {
    return ServerModels.of(ModelSpec.libtorch(TestImages.golden().toString()))
        .withDetector(FaceDetectors.Kind.RETINAFACE, TestImages.detector().toString())
        .withMask(PhotoRestoration.Mask.PARSE, parser());
  }

  @BeforeAll
  void start() {
    server =
        GpenServer.start(
            ServerOptions.builder().port(0).build(),
            models().withSuperResolution(PhotoRestoration.SuperResolution.ofWeights(rrdb())),
            WorkflowListener.SILENT);
    http = new Http(server.uri());
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private byte[] restoreWithCli(byte[] input, UnaryOperator<PhotoRestoration.Options.Builder> tweak)
      throws IOException {
    Path in = Files.createTempDirectory(dir, "in").resolve("photo.png");
    Files.write(in, input);
    Path out = Files.createTempDirectory(dir, "out");
    PhotoRestoration.run(
        tweak
            .apply(
                PhotoRestoration.Options.builder(
                        ModelSpec.libtorch(TestImages.golden().toString()), in, out)
                    .detector(FaceDetectors.Kind.RETINAFACE, TestImages.detector().toString())
                    .mask(PhotoRestoration.Mask.PARSE)
                    .parserWeights(parser()))
            .build(),
        WorkflowListener.SILENT);
    return Files.readAllBytes(out.resolve("photo_GPEN.png"));
  }

  private void assertSame(
      byte[] input, String query, UnaryOperator<PhotoRestoration.Options.Builder> tweak, int width)
      throws IOException {
    HttpResponse<byte[]> r = http.post("/v1/restore" + query, input, "image/png");
    assertEquals(200, r.statusCode(), Http.text(r));
    assertArrayEquals(restoreWithCli(input, tweak), r.body(), "gpen restore's bytes for " + query);
    try (io.gpen.image.Image answer = io.gpen.image.Images.decode(r.body(), "answer", 10_000_000)) {
      assertEquals(width, answer.width());
    }
  }

  @Test
  void parserMaskAsGpenRestore() throws IOException {
    assertSame(TestImages.bytes(TestImages.face(0)), "", b -> b, 256);
    assertSame(TestImages.solvayPart(), "?alpha=0.7", b -> b.alpha(0.7).batchSize(8), 140);
  }

  @Test
  void backgroundSuperResolutionAsGpenRestore() throws IOException {
    PhotoRestoration.SuperResolution sr = PhotoRestoration.SuperResolution.ofWeights(rrdb());
    assertSame(
        TestImages.bytes(TestImages.face(1)), "?use_sr=true", b -> b.superResolution(sr), 512);
    assertSame(
        TestImages.solvayPart(), "?use_sr=true", b -> b.superResolution(sr).batchSize(8), 280);
    assertSame(
        TestImages.bytes(TestImages.face(2)),
        "?use_sr=true&aligned=true",
        b -> b.superResolution(sr).inputs(PhotoRestoration.Inputs.ALIGNED_FACES),
        128);
  }

  @Test
  void healthNamesEveryNetwork() throws IOException {
    JsonNode h = Http.JSON.readTree(http.get("/healthz").body());
    assertTrue(h.get("parser").asText().contains("parsenet_small.pth"), h.toString());
    assertTrue(h.get("super_resolution").asText().contains("rrdb_x2_small.pth"), h.toString());
  }

  @Test
  void useSrNeedsTheNetwork() {
    BadParameter e =
        assertThrows(
            BadParameter.class,
            () ->
                GpenServer.start(
                    ServerOptions.builder().port(0).useSr(true).build(),
                    models(),
                    WorkflowListener.SILENT));
    assertEquals("useSr needs a super-resolution network (srScale or srWeights)", e.getMessage());
  }
}
