package io.gpen.workflow;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gpen.BadParameter;
import io.gpen.SharedData;
import io.gpen.data.TestFaces;
import io.gpen.eval.Evaluation;
import io.gpen.eval.MeanAbsoluteError;
import io.gpen.eval.Metric;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.metrics.Psnr;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FolderEvaluation} from Java with the golden 64 px generator. */
class FolderEvaluationTest {
  @TempDir Path dir;

  private static ModelSpec golden() {
    return ModelSpec.libtorch(SharedData.require("golden/gpen64.pth").toString());
  }

  @Test
  void scoresAFolderWritesItsReportsAndRepeatsWithTheSameSeed() {
    Path faces = TestFaces.folder(dir.resolve("faces"), 3);
    Path save = dir.resolve("save");
    RecordingListener listener = new RecordingListener();
    FolderEvaluation.Result first =
        FolderEvaluation.run(
            FolderEvaluation.Options.builder(golden(), faces)
                .batchSize(2)
                .saveDir(save)
                .metricsFile(save.resolve(FolderEvaluation.METRICS_FILE))
                .build(),
            listener);
    Evaluation evaluation = first.evaluation();
    assertEquals(List.of("face00.png", "face01.png", "face02.png"), evaluation.names());
    assertEquals(3, first.files());
    assertEquals(0, first.unreadable());
    assertEquals(first.model(), listener.info.get(0));
    assertTrue(
        listener.info.get(1).endsWith("before it is degraded")
            || listener.info.get(1).endsWith("already"),
        listener.info.toString());
    assertEquals(List.of(3L), listener.progressTotals);
    assertTrue(
        first.summary().startsWith("3 of 3 image(s) of " + faces + " at 64x64"), first.summary());
    assertTrue(Files.isRegularFile(first.metricsFile()));
    assertEquals(save.resolve("index.html"), first.page());
    for (String name : List.of("face00", "face01", "face02")) {
      assertTrue(Files.isRegularFile(first.tripletFolder().resolve(name + ".png")), name);
    }
    assertTrue(first.written().isEmpty(), "the restored faces are not kept");
    assertTrue(evaluation.scores(Metric.LPIPS).isSkipped());

    FolderEvaluation.Result again =
        FolderEvaluation.run(
            FolderEvaluation.Options.builder(golden(), faces).batchSize(2).build(),
            WorkflowListener.SILENT);
    assertEquals(
        evaluation.scores(Metric.PSNR).restored().perImage(),
        again.evaluation().scores(Metric.PSNR).restored().perImage(),
        "the same seed gives the same numbers");
    assertEquals(
        evaluation.scores(Metric.SSIM).degraded().perImage(),
        again.evaluation().scores(Metric.SSIM).degraded().perImage());
    assertNull(again.metricsFile());
    assertNull(again.page());
    FolderEvaluation.Result otherSeed =
        FolderEvaluation.run(
            FolderEvaluation.Options.builder(golden(), faces).seed(7).build(),
            WorkflowListener.SILENT);
    assertNotEquals(
        evaluation.scores(Metric.PSNR).degraded().perImage(),
        otherSeed.evaluation().scores(Metric.PSNR).degraded().perImage());
  }

  /**
   * A metric of one's own is scored with the built-in ones and reported after them, each run with a
   * new scorer; the rest of metrics.json is as without it.
   */
  @Test
  void aMetricOfOnesOwnIsReportedAfterTheBuiltInOnes() throws IOException {
    Path faces = TestFaces.folder(dir.resolve("faces"), 2);
    Path plain = dir.resolve("plain.json");
    FolderEvaluation.run(
        FolderEvaluation.Options.builder(golden(), faces).metricsFile(plain).build(),
        WorkflowListener.SILENT);
    Path withMae = dir.resolve("mae.json");
    FolderEvaluation.Options options =
        FolderEvaluation.Options.builder(golden(), faces)
            .metricsFile(withMae)
            .addMetric(MeanAbsoluteError::new)
            .build();
    FolderEvaluation.Result result = FolderEvaluation.run(options, WorkflowListener.SILENT);
    Evaluation evaluation = result.evaluation();
    assertEquals(
        evaluation.scores(MeanAbsoluteError.METRIC),
        FolderEvaluation.run(options, WorkflowListener.SILENT)
            .evaluation()
            .scores(MeanAbsoluteError.METRIC),
        "each run scores with a new scorer");
    assertEquals(
        MeanAbsoluteError.METRIC, evaluation.metrics().get(evaluation.metrics().size() - 1));
    List<Double> mae = evaluation.scores(MeanAbsoluteError.METRIC).restored().perImage();
    assertEquals(2, mae.size());
    assertTrue(mae.get(0) > 0, mae.toString());
    List<String> table = evaluation.table(true).lines().toList();
    assertTrue(table.get(table.size() - 1).startsWith("MAE \u2193"), table.toString());

    ObjectMapper json = new ObjectMapper();
    ObjectNode written = (ObjectNode) json.readTree(withMae.toFile());
    assertEquals(mae.get(1), written.at("/images/1/MAE/restored").asDouble());
    assertEquals("lower", written.at("/metrics/MAE/better").asText());
    ((ObjectNode) written.get("metrics")).remove("MAE");
    for (JsonNode image : written.get("images")) {
      ((ObjectNode) image).remove("MAE");
    }
    assertEquals(json.readTree(plain.toFile()), written);
  }

  @Test
  void restoredImagesAreWrittenWithTheirDegradedInputs() throws IOException {
    Path face = Files.createDirectories(dir.resolve("one")).resolve("face.png");
    Files.copy(SharedData.require("faces/ffhq256/00003.png"), face);
    FolderEvaluation.Result result =
        FolderEvaluation.run(
            FolderEvaluation.Options.builder(golden(), face)
                .batchSize(1)
                .restoredImages(OutputNaming.INFER, null)
                .build(),
            WorkflowListener.SILENT);
    Path restored = dir.resolve("one/face_predict_infer.png");
    Path degraded = dir.resolve("one/face_predict_infer_lq.png");
    assertEquals(List.of(new WrittenFace(face, restored, degraded)), result.written());

    // the degraded input is what FolderDegradation makes of the same face at position 0
    FolderDegradation.Result pairs =
        FolderDegradation.run(
            FolderDegradation.Options.builder(dir.resolve("one"), dir.resolve("pairs"))
                .size(64)
                .build(),
            WorkflowListener.SILENT);
    assertArrayEquals(Bytes.of(pairs.lqDir().resolve("face.png")), Bytes.of(degraded));
    try (Image hq = Images.read(face);
        Mat real = Images.resize(hq.bgr(), 64, 64, INTER_AREA);
        Image out = Images.read(restored)) {
      assertEquals(
          Psnr.of(out.bgr(), real),
          result.evaluation().scores(Metric.PSNR).restored().value().getAsDouble());
    }
  }

  @Test
  void badArgumentsNameTheLibrarysParameters() throws IOException {
    Path faces = TestFaces.folder(dir.resolve("faces"), 1);
    ModelSpec golden = golden(); // outside the lambdas: a missing ../shared skips, not fails
    BadParameter inside =
        assertThrows(
            BadParameter.class,
            () ->
                FolderEvaluation.run(
                    FolderEvaluation.Options.builder(golden, faces)
                        .saveDir(faces.resolve("eval"))
                        .build(),
                    WorkflowListener.SILENT));
    assertTrue(
        inside
            .getMessage()
            .startsWith("saveDir " + faces.resolve("eval") + " is inside input " + faces + ": "),
        inside.getMessage());

    Path missing = dir.resolve("missing");
    assertEquals(
        "input " + missing + ": no such folder",
        assertThrows(
                BadParameter.class,
                () ->
                    FolderEvaluation.run(
                        FolderEvaluation.Options.builder(golden, missing).build(),
                        WorkflowListener.SILENT))
            .getMessage());

    // FID needs two images: the statistics file is not used, and said so in the library's terms
    RecordingListener listener = new RecordingListener();
    Path stats = dir.resolve("stats.safetensors");
    FolderEvaluation.run(
        FolderEvaluation.Options.builder(golden, faces)
            .inception("FID-InceptionV3")
            .fidStatistics(stats)
            .build(),
        listener);
    assertEquals(
        List.of("fidStatistics " + stats + " is not used: FID is skipped (fewer than 2 images)"),
        listener.notes);
    assertFalse(Files.exists(stats));

    Path broken = Files.createDirectories(dir.resolve("broken"));
    Files.writeString(broken.resolve("a.png"), "not an image");
    BadParameter unreadable =
        assertThrows(
            BadParameter.class,
            () ->
                FolderEvaluation.run(
                    FolderEvaluation.Options.builder(golden, broken).build(),
                    WorkflowListener.SILENT));
    assertEquals(
        "input " + broken + ": none of its 1 image(s) could be read", unreadable.getMessage());
  }
}
