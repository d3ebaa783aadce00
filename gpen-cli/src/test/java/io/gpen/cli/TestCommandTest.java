package io.gpen.cli;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gpen.SharedData;
import io.gpen.data.TestFaces;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.metrics.Psnr;
import io.gpen.metrics.Ssim;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gpen test} end to end on the golden 64 px generator and ../shared/faces/ffhq256: the
 * table, metrics.json, the triplets and index.html, reproducibility, and the one-line errors. LPIPS
 * and FID with weights are in {@link TestCommandMetricsTest}.
 */
class TestCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  /**
   * {@code gpen test} of the golden model on the faces of {@code testPath}, then {@code options}.
   */
  static CliRun testGolden(Path testPath, String... options) {
    List<String> args =
        new ArrayList<>(
            List.of("test", "-w", golden().toString(), "--test_path", testPath.toString()));
    args.addAll(List.of(options));
    return CliRun.of(args.toArray(String[]::new));
  }

  private static Path golden() {
    return SharedData.require("golden/gpen64.pth");
  }

  @Test
  void scoresTheFolderWritesTripletsAndRepeatsExactly() throws IOException {
    Path faces = SharedData.require("faces/ffhq256");
    Path mobileFaceNet = SharedData.root().resolve("models/mobilefacenet.pt");
    boolean withIdentity = Files.isRegularFile(mobileFaceNet);
    Path save = tmp.resolve("eval out");
    List<String> args =
        new ArrayList<>(
            List.of(
                "test",
                "-w",
                golden().toString(),
                "--test_path",
                faces.toString(),
                "--batch_size",
                "5"));
    if (withIdentity) {
      args.addAll(List.of("--id_weights", mobileFaceNet.toString()));
    }
    List<String> first = new ArrayList<>(args);
    first.addAll(List.of("--save_dir", save.toString()));
    CliRun run = CliRun.of(first.toArray(String[]::new));
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(
        run.err().contains("10 of 10 image(s) are not 64x64: each is resized to 64x64"), run.err());

    JsonNode json = JSON.readTree(save.resolve("metrics.json").toFile());
    assertEquals(10, json.at("/counts/files").asInt());
    assertEquals(10, json.at("/counts/evaluated").asInt());
    assertEquals(10, json.at("/counts/resized").asInt());
    assertEquals(100, json.at("/seed").asInt());
    assertEquals(64, json.at("/config/size").asInt());
    assertEquals(0.0, json.at("/config/degradation/flip_prob").asDouble());
    for (String column : List.of("degraded", "restored")) {
      double psnr = json.at("/metrics/PSNR/" + column + "/value").asDouble(Double.NaN);
      double ssim = json.at("/metrics/SSIM/" + column + "/value").asDouble(Double.NaN);
      assertTrue(Double.isFinite(psnr) && psnr > 0 && psnr < 60, column + " PSNR " + psnr);
      assertTrue(Double.isFinite(ssim) && ssim > -1 && ssim < 1, column + " SSIM " + ssim);
    }
    assertTrue(
        json.at("/metrics/LPIPS/skipped").asText().startsWith("no LPIPS weights given"),
        json.toString());
    assertTrue(
        json.at("/metrics/FID/skipped").asText().startsWith("no InceptionV3 weights given"),
        json.toString());
    if (withIdentity) {
      for (String column : List.of("degraded", "restored")) {
        double id = json.at("/metrics/identity/" + column + "/value").asDouble(Double.NaN);
        assertTrue(id >= -1 && id <= 1, column + " identity " + id);
        assertTrue(
            json.at("/metrics/identity/" + column + "/note").asText().contains("MobileFaceNet"));
      }
    } else {
      assertTrue(
          json.at("/metrics/identity/skipped")
              .asText()
              .startsWith("no face embedding weights given"));
    }

    // the table: one row per metric, the values of metrics.json, skipped metrics with the reason
    List<String> lines = run.out().lines().toList();
    assertTrue(row(lines, "metric").matches("metric\\s+degraded input\\s+restored"), run.out());
    for (String metric : List.of("PSNR", "SSIM")) {
      String expected =
          String.format(
                  Locale.ROOT, "%.4f", json.at("/metrics/" + metric + "/degraded/value").asDouble())
              + "\\s+"
              + String.format(
                  Locale.ROOT,
                  "%.4f",
                  json.at("/metrics/" + metric + "/restored/value").asDouble());
      assertTrue(row(lines, metric).matches(metric + " \\S+\\s+" + expected), row(lines, metric));
    }
    assertTrue(row(lines, "LPIPS").contains("skipped (no LPIPS weights given"), run.out());
    assertTrue(row(lines, "FID").contains("skipped (no InceptionV3 weights given"), run.out());
    assertTrue(row(lines, "identity").contains(withIdentity ? "." : "skipped ("), run.out());

    // per image: sorted names, and the scores of the saved triplet's parts
    JsonNode images = json.get("images");
    assertEquals(10, images.size());
    String html = Files.readString(save.resolve("index.html"));
    for (int i = 0; i < 10; i++) {
      String name = String.format("%05d.png", i);
      JsonNode image = images.get(i);
      assertEquals(name, image.get("name").asText());
      Path triplet = save.resolve("triplets").resolve(name);
      assertTrue(html.contains("<img src=\"triplets/" + name + "\""), "index.html shows " + name);
      try (Image t = Images.read(triplet);
          Mat lq = new Mat(t.bgr(), new Rect(0, 0, 64, 64));
          Mat restored = new Mat(t.bgr(), new Rect(64, 0, 64, 64));
          Mat real = new Mat(t.bgr(), new Rect(128, 0, 64, 64));
          Image hq = Images.read(faces.resolve(name));
          Mat expectedReal = Images.resize(hq.bgr(), 64, 64, INTER_AREA)) {
        assertEquals(192, t.width());
        assertEquals(64, t.height());
        assertArrayEquals(
            bytes(expectedReal),
            bytes(real),
            name + ": the real face is the input resized, unchanged");
        assertFalse(Arrays.equals(bytes(lq), bytes(real)), name + ": the input was degraded");
        assertEquals(Psnr.of(lq, real), image.at("/PSNR/degraded").asDouble(), 1e-9, name);
        assertEquals(Psnr.of(restored, real), image.at("/PSNR/restored").asDouble(), 1e-9, name);
        assertEquals(Ssim.of(restored, real), image.at("/SSIM/restored").asDouble(), 1e-9, name);
      }
      assertEquals(withIdentity, image.has("identity"), name);
      assertFalse(image.has("LPIPS"), "skipped metrics have no per-image values");
    }

    // a second run (other output, no triplets) gives the same numbers
    List<String> second = new ArrayList<>(args);
    Path again = tmp.resolve("again.json");
    second.addAll(List.of("--output", again.toString()));
    CliRun rerun = CliRun.of(second.toArray(String[]::new));
    assertEquals(0, rerun.exitCode(), rerun.err());
    JsonNode json2 = JSON.readTree(again.toFile());
    assertEquals(json.get("metrics"), json2.get("metrics"));
    assertEquals(json.get("images"), json2.get("images"));
    assertEquals(json.get("counts"), json2.get("counts"));
  }

  @Test
  void reportsResizedAndUnreadableImages() throws IOException {
    Path faces = tmp.resolve("mixed");
    TestFaces.draw(faces.resolve("a.png"), 64, 64, 1);
    TestFaces.draw(faces.resolve("b.jpg"), 90, 70, 2);
    Files.writeString(faces.resolve("c.png"), "not an image");
    Path out = tmp.resolve("m.json");
    CliRun run = testGolden(faces, "--output", out.toString());
    assertEquals(1, run.exitCode(), "an unreadable image gives exit status 1: " + run.err());
    assertTrue(run.err().contains("1 of 3 image(s) are not 64x64"), run.err());
    assertTrue(run.err().contains("warning: skipped") && run.err().contains("c.png"), run.err());
    JsonNode json = JSON.readTree(out.toFile());
    assertEquals(3, json.at("/counts/files").asInt());
    assertEquals(2, json.at("/counts/evaluated").asInt());
    assertEquals(1, json.at("/counts/unreadable").asInt());
    assertEquals(1, json.at("/counts/resized").asInt());
    assertEquals(List.of("a.png", "b.jpg"), json.get("images").findValuesAsText("name"));
  }

  @Test
  void precisionBf16ReachesTheModelAndIsRecorded() throws IOException {
    Path faces = TestFaces.folder(tmp.resolve("faces"), 2);
    double[] psnr = new double[2];
    String[] model = new String[2];
    String[] precisions = {"fp32", "bf16"};
    for (int i = 0; i < 2; i++) {
      Path out = tmp.resolve(precisions[i] + ".json");
      CliRun run = testGolden(faces, "--precision", precisions[i], "--output", out.toString());
      assertEquals(0, run.exitCode(), run.err());
      JsonNode json = JSON.readTree(out.toFile());
      psnr[i] = json.at("/metrics/PSNR/restored/value").asDouble();
      model[i] = json.at("/config/model").asText();
    }
    assertFalse(model[0].contains("bf16"), model[0]);
    assertTrue(model[1].contains("bf16 convolutions"), model[1]);
    assertNotEquals(psnr[0], psnr[1], "bf16 restored the fp32 images");
    // bf16 stays within a level or so of fp32 (Bf16RestorerTest): the scores barely move
    assertEquals(psnr[0], psnr[1], 0.5);
  }

  @Test
  void missingOrEmptyFolderFailsWithOneLine() throws IOException {
    CliRun missing = testGolden(tmp.resolve("nope"));
    assertEquals(1, missing.exitCode());
    assertEquals(1, missing.errorLines(), missing.err());
    assertTrue(
        missing.err().contains("--test_path " + tmp.resolve("nope") + ": no such folder"),
        missing.err());

    Path empty = Files.createDirectories(tmp.resolve("empty"));
    CliRun none = testGolden(empty, "--output", tmp.resolve("m.json").toString());
    assertEquals(1, none.exitCode());
    assertEquals(1, none.errorLines(), none.err());
    assertTrue(none.err().contains(empty + ": no .png"), none.err());
    assertFalse(Files.exists(tmp.resolve("m.json")));
  }

  @Test
  void wrongWeightsFailWithOneLine() throws IOException {
    Path faces = TestFaces.folder(tmp.resolve("faces"), 1);
    Path notWeights = faces.resolve("face00.png");
    CliRun run =
        CliRun.of(
            "test",
            "-w",
            notWeights.toString(),
            "--test_path",
            faces.toString(),
            "--output",
            tmp.resolve("m.json").toString());
    assertEquals(1, run.exitCode());
    assertEquals(1, run.errorLines(), run.err());
    assertTrue(run.err().contains(notWeights.toString()), run.err());

    CliRun id =
        testGolden(
            faces,
            "--id_weights",
            golden().toString(),
            "--output",
            tmp.resolve("m.json").toString());
    assertEquals(1, id.exitCode());
    assertEquals(1, id.errorLines(), id.err());
    assertTrue(
        id.err().contains("--id_weights: " + golden())
            && id.err().contains("not a face embedding network"),
        id.err());
    assertFalse(Files.exists(tmp.resolve("m.json")));
  }

  @Test
  void unusableSaveDirFailsBeforeAnyWork() throws IOException {
    Path faces = TestFaces.folder(tmp.resolve("faces"), 1);
    Path blocker = Files.writeString(tmp.resolve("blocker"), "a file, not a folder");
    CliRun run = testGolden(faces, "--save_dir", blocker.resolve("out").toString());
    assertEquals(1, run.exitCode());
    assertEquals(1, run.errorLines(), run.err());
    assertTrue(
        run.err().contains("--save_dir: cannot create folder " + blocker.resolve("out")),
        run.err());
    assertFalse(run.err().contains("GPEN size="), "fails before the model is loaded: " + run.err());

    CliRun inside = testGolden(faces, "--save_dir", faces.resolve("eval").toString());
    assertEquals(1, inside.exitCode());
    assertTrue(inside.err().contains("is inside --test_path"), inside.err());
  }

  private static String row(List<String> lines, String first) {
    return lines.stream()
        .filter(l -> l.startsWith(first + " "))
        .findFirst()
        .orElse("(no " + first + " row)");
  }

  static byte[] bytes(Mat m) {
    byte[] out = new byte[(int) (m.total() * m.channels())];
    try (Mat dense = m.clone()) {
      dense.data().capacity(out.length).get(out);
    }
    return out;
  }
}
