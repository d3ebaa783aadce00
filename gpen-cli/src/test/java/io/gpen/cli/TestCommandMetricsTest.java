package io.gpen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gpen.data.TestFaces;
import io.gpen.eval.TestWeights;
import io.gpen.metrics.FeatureStatistics;
import io.gpen.metrics.FidInception;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gpen test} with LPIPS and FID weights (random ones written here: the published files
 * cannot be had on test machines): both metrics are computed for both columns, --fid_stats saves
 * the real faces' statistics and refuses a file of other features. One FID run in all, as each
 * computes two Fréchet distances of 2048-d Gaussians (seconds each).
 */
class TestCommandMetricsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path weights;
  private static Path inception;
  private static Path heads;
  private static Path trunk;

  @TempDir Path tmp;

  @BeforeAll
  static void writeWeights() {
    inception = TestWeights.inception(weights.resolve("pt_inception.safetensors"), 3);
    heads = weights.resolve("alex.safetensors");
    trunk = weights.resolve("alexnet.safetensors");
    TestWeights.lpips(heads, trunk, 5);
  }

  @Test
  void computesLpipsAndFidAndSavesTheRealStatistics() throws IOException {
    Path faces = TestFaces.folder(tmp.resolve("faces"), 2);
    Path stats = tmp.resolve("real-stats.safetensors");
    Path out = tmp.resolve("m.json");
    CliRun run =
        TestCommandTest.testGolden(
            faces,
            "--inception",
            inception.toString(),
            "--fid_stats",
            stats.toString(),
            "--lpips",
            heads.toString(),
            "--lpips_trunk",
            trunk.toString(),
            "--batch_size",
            "1",
            "--output",
            out.toString());
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.err().contains("computed, then saved to " + stats), run.err());
    assertTrue(
        run.err().contains("saved the FID statistics of the 2 real faces to " + stats), run.err());

    JsonNode json = JSON.readTree(out.toFile());
    for (String column : new String[] {"degraded", "restored"}) {
      double lpips = json.at("/metrics/LPIPS/" + column + "/value").asDouble(Double.NaN);
      double fid = json.at("/metrics/FID/" + column + "/value").asDouble(Double.NaN);
      assertTrue(lpips > 0 && Double.isFinite(lpips), column + " LPIPS " + lpips);
      assertTrue(fid > 0 && Double.isFinite(fid), column + " FID " + fid);
      assertEquals(
          "2 images vs the 2 real faces", json.at("/metrics/FID/" + column + "/note").asText());
    }
    // per image: LPIPS for both columns (one batch each), and never FID, a value of the set
    assertEquals(2, json.get("images").size());
    for (JsonNode image : json.get("images")) {
      assertTrue(image.at("/LPIPS/degraded").asDouble() > 0, image.toString());
      assertTrue(image.at("/LPIPS/restored").asDouble() > 0, image.toString());
      assertFalse(image.has("FID"));
    }
    String table = run.out();
    assertTrue(
        table.lines().anyMatch(l -> l.matches("FID \\S+\\s+\\d+\\.\\d{4}\\s+\\d+\\.\\d{4}")),
        table);
    assertTrue(
        table.lines().anyMatch(l -> l.matches("LPIPS \\S+\\s+0\\.\\d{4}\\s+0\\.\\d{4}")), table);

    FeatureStatistics saved = FeatureStatistics.load(stats);
    assertEquals(2, saved.count());
    assertEquals(FidInception.DIMS, saved.dims());
    assertEquals(FidInception.FEATURES, saved.features());
  }

  @Test
  void refusesStatisticsOfOtherFeatures() throws IOException {
    Path faces = TestFaces.folder(tmp.resolve("faces"), 2);
    Path stats = tmp.resolve("other.safetensors");
    new FeatureStatistics(new double[4], new double[16], 5, "something else").save(stats);
    CliRun run =
        TestCommandTest.testGolden(
            faces,
            "--inception",
            inception.toString(),
            "--fid_stats",
            stats.toString(),
            "--output",
            tmp.resolve("m.json").toString());
    assertEquals(1, run.exitCode());
    assertEquals(1, run.errorLines(), run.err());
    assertTrue(
        run.err()
            .contains(
                "--fid_stats " + stats + ": holds statistics of 4-d features 'something else'"),
        run.err());
    assertFalse(run.err().contains("GPEN size="), "checked before the model loads: " + run.err());
    assertFalse(Files.exists(tmp.resolve("m.json")));
  }

  /**
   * Statistics of the right features are reused (and said so); with one readable image of two the
   * evaluation then has no FID to compute, which costs no Fréchet distance here.
   */
  @Test
  void reusesMatchingStatisticsAndSkipsFidWhenOnlyOneImageIsReadable() throws IOException {
    Path faces = TestFaces.folder(tmp.resolve("faces"), 1);
    Files.writeString(faces.resolve("broken.png"), "not an image");
    Path stats = tmp.resolve("real.safetensors");
    double[] cov = new double[FidInception.DIMS * FidInception.DIMS];
    for (int i = 0; i < FidInception.DIMS; i++) {
      cov[i * FidInception.DIMS + i] = 1;
    }
    new FeatureStatistics(new double[FidInception.DIMS], cov, 7, FidInception.FEATURES).save(stats);
    CliRun run =
        TestCommandTest.testGolden(
            faces,
            "--inception",
            inception.toString(),
            "--fid_stats",
            stats.toString(),
            "--output",
            tmp.resolve("m.json").toString());
    assertEquals(1, run.exitCode(), "one image was unreadable: " + run.err());
    assertTrue(
        run.err().contains("reusing " + stats + " (7 faces; the folder has 2 image(s))"),
        run.err());
    assertTrue(
        run.out()
            .lines()
            .anyMatch(
                l -> l.matches("FID \\S+\\s+skipped \\(FID needs at least 2 images, got 1\\)")),
        run.out());
    JsonNode json = JSON.readTree(tmp.resolve("m.json").toFile());
    assertEquals(1, json.at("/counts/evaluated").asInt());
    assertEquals("FID needs at least 2 images, got 1", json.at("/metrics/FID/skipped").asText());
  }

  @Test
  void skipsFidForASingleImage() throws IOException {
    Path faces = TestFaces.folder(tmp.resolve("faces"), 1);
    CliRun run =
        TestCommandTest.testGolden(
            faces,
            "--inception",
            inception.toString(),
            "--fid_stats",
            tmp.resolve("s.safetensors").toString(),
            "--output",
            tmp.resolve("m.json").toString());
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(
        run.err().contains("--fid_stats " + tmp.resolve("s.safetensors") + " is not used"),
        run.err());
    assertFalse(Files.exists(tmp.resolve("s.safetensors")));
    assertTrue(
        run.out()
            .lines()
            .anyMatch(
                l -> l.matches("FID \\S+\\s+skipped \\(FID needs at least 2 images, got 1\\)")),
        run.out());
    assertTrue(
        run.out().lines().anyMatch(l -> l.startsWith("PSNR ") && !l.contains("skipped")),
        run.out());
  }
}
