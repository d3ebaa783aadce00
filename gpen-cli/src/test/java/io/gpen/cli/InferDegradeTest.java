package io.gpen.cli;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.metrics.Psnr;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gpen infer --degrade} on the golden 64 px generator exported to ONNX: the degraded input
 * is the one {@code gpen degrade} makes for position 0, the printed PSNR is that of the written
 * result against the resized original, and the same seed gives the same number.
 */
class InferDegradeTest {
  @TempDir Path tmp;

  @Test
  void degradesRestoresAndPrintsPsnrAsTheOriginalDid() throws IOException {
    Path weights = SharedData.require("golden/gpen64.pth");
    Path face = Files.createDirectories(tmp.resolve("one")).resolve("face.png");
    Files.copy(SharedData.require("faces/ffhq256/00003.png"), face);
    Path onnx = tmp.resolve("inference/GPEN");
    CliRun export =
        CliRun.of("export", "--model_path", weights.toString(), "--save_dir", onnx.toString());
    assertEquals(0, export.exitCode(), export.err());
    String model = onnx.resolve("model.onnx").toString();

    CliRun run =
        CliRun.of(
            "infer", "--model_file", model, "--img", face.toString(), "--degrade", "--seed", "100");
    assertEquals(0, run.exitCode(), run.err());
    Path restored = tmp.resolve("one/face_predict_infer.png");
    Path lq = tmp.resolve("one/face_predict_infer_lq.png");
    List<String> lines = run.out().lines().toList();
    assertEquals(4, lines.size(), run.out());
    assertEquals("degraded input saved in : " + lq, lines.get(0));
    assertEquals("result saved in : " + restored, lines.get(1));
    assertTrue(
        lines.get(2).startsWith("\tFID: skipped (no InceptionV3 weights given"), lines.get(2));
    try (Image hq = Images.read(face);
        Mat real = Images.resize(hq.bgr(), 64, 64, INTER_AREA);
        Image out = Images.read(restored)) {
      double psnr = Psnr.of(out.bgr(), real);
      assertEquals(
          String.format(Locale.ROOT, "\tPSNR: %.4f (mean of 1 image)", psnr), lines.get(3));
    }

    // the degraded input is what `gpen degrade` makes of the same face at position 0
    CliRun degrade =
        CliRun.of(
            "degrade",
            "--input",
            tmp.resolve("one").toString(),
            "--output",
            tmp.resolve("pairs").toString(),
            "--size",
            "64",
            "--seed",
            "100");
    assertEquals(0, degrade.exitCode(), degrade.err());
    try (Image mine = Images.read(lq);
        Image theirs = Images.read(tmp.resolve("pairs/lq/face.png"))) {
      assertArrayEquals(TestCommandTest.bytes(theirs.bgr()), TestCommandTest.bytes(mine.bgr()));
    }

    // again with the same seed: the same number; another seed: another degradation
    CliRun again =
        CliRun.of(
            "infer",
            "--model_file",
            model,
            "--img",
            face.toString(),
            "--degrade",
            "--seed",
            "100",
            "--inception",
            "FID-InceptionV3");
    assertEquals(0, again.exitCode(), again.err());
    List<String> againLines = again.out().lines().toList();
    assertEquals(lines.get(3), againLines.get(3));
    assertEquals("\tFID: skipped (FID needs at least 2 images, got 1)", againLines.get(2));
    CliRun other =
        CliRun.of(
            "infer", "--model_file", model, "--img", face.toString(), "--degrade", "--seed", "7");
    assertEquals(0, other.exitCode(), other.err());
    assertNotEquals(lines.get(3), other.out().lines().toList().get(3));
  }

  @Test
  void inceptionWithoutDegradeIsAnError() {
    CliRun run =
        CliRun.of(
            "infer",
            "--model_file",
            tmp.resolve("model.onnx").toString(),
            "--img",
            tmp.toString(),
            "--inception",
            "FID-InceptionV3");
    assertEquals(1, run.exitCode());
    assertEquals(1, run.errorLines(), run.err());
    assertTrue(run.err().contains("--inception applies with --degrade only"), run.err());
  }
}
