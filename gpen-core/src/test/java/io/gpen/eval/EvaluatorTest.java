package io.gpen.eval;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gpen.metrics.FeatureStatistics;
import io.gpen.metrics.Loaded;
import io.gpen.metrics.MetricResult;
import io.gpen.metrics.Psnr;
import io.gpen.metrics.Ssim;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-image scores in order, batch after batch, the skipped metrics with their reasons, and
 * metrics of one's own in the evaluation and its reports.
 */
class EvaluatorTest {
  @TempDir Path dir;

  private static Mat noise(Random rng) {
    Mat m = new Mat(32, 32, CV_8UC3);
    byte[] px = new byte[32 * 32 * 3];
    rng.nextBytes(px);
    m.data().put(px);
    return m;
  }

  @Test
  void scoresEveryPairInOrderAndSkipsWhatHasNoWeights() {
    Random rng = new Random(1);
    Evaluator ev = new Evaluator(standardSkipping());
    List<Double> psnrDegraded = new ArrayList<>();
    List<Double> ssimRestored = new ArrayList<>();
    try (PointerScope scope = new PointerScope()) {
      for (int batch = 0; batch < 2; batch++) {
        List<Mat> real = List.of(noise(rng), noise(rng));
        List<Mat> degraded = new ArrayList<>();
        List<Mat> restored = new ArrayList<>();
        for (Mat r : real) {
          Mat d = new Mat();
          Mat o = new Mat();
          opencv_core.add(r, new Mat(32, 32, CV_8UC3, new Scalar(40, 40, 40, 0)), d);
          opencv_core.add(r, new Mat(32, 32, CV_8UC3, new Scalar(5, 5, 5, 0)), o);
          degraded.add(d);
          restored.add(o);
          psnrDegraded.add(Psnr.of(d, r));
          ssimRestored.add(Ssim.of(o, r));
        }
        ev.add(List.of("b" + batch + "-0", "b" + batch + "-1"), degraded, restored, real);
      }
    }
    Evaluation e = ev.finish();
    assertEquals(List.of("b0-0", "b0-1", "b1-0", "b1-1"), e.names());
    assertEquals(psnrDegraded, e.scores(Metric.PSNR).degraded().perImage());
    assertEquals(ssimRestored, e.scores(Metric.SSIM).restored().perImage());
    double mean = psnrDegraded.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    assertEquals(mean, e.scores(Metric.PSNR).degraded().value().getAsDouble(), 1e-12);
    assertTrue(
        e.scores(Metric.PSNR).restored().value().getAsDouble() > mean, "closer to the real faces");
    assertEquals("no LPIPS weights given", e.scores(Metric.LPIPS).restored().note());
    assertTrue(e.scores(Metric.FID).isSkipped());
    assertTrue(e.scores(Metric.IDENTITY).isSkipped());
    assertFalse(e.computedRealStatistics().isPresent());
  }

  private static List<Scorer> standardSkipping() {
    return Evaluator.standardScorers(
        Loaded.skipped("no LPIPS weights given"),
        Loaded.skipped("no InceptionV3 weights given"),
        null,
        Loaded.skipped("no face embedding weights given"));
  }

  /** Adds one batch of {@code n} noise faces with degraded (+40) and restored (+5) versions. */
  private static void addBatch(
      Evaluator ev, int n, List<Double> maeDegraded, List<Double> maeRestored) {
    Random rng = new Random(n);
    try (PointerScope scope = new PointerScope()) {
      List<String> names = new ArrayList<>();
      List<Mat> real = new ArrayList<>();
      List<Mat> degraded = new ArrayList<>();
      List<Mat> restored = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Mat r = noise(rng);
        Mat d = new Mat();
        Mat o = new Mat();
        opencv_core.add(r, new Mat(32, 32, CV_8UC3, new Scalar(40, 40, 40, 0)), d);
        opencv_core.add(r, new Mat(32, 32, CV_8UC3, new Scalar(5, 5, 5, 0)), o);
        names.add("face" + i);
        real.add(r);
        degraded.add(d);
        restored.add(o);
        maeDegraded.add(MeanAbsoluteError.of(d, r));
        maeRestored.add(MeanAbsoluteError.of(o, r));
      }
      ev.add(names, degraded, restored, real);
    }
  }

  @Test
  void aMetricOfOnesOwnIsScoredAndReportedAfterTheBuiltInOnes() throws IOException {
    List<Scorer> scorers = new ArrayList<>(standardSkipping());
    scorers.add(new MeanAbsoluteError());
    Evaluator ev = new Evaluator(scorers);
    List<Double> degraded = new ArrayList<>();
    List<Double> restored = new ArrayList<>();
    addBatch(ev, 3, degraded, restored);
    Evaluation e = ev.finish();

    Metric mae = MeanAbsoluteError.METRIC;
    assertEquals(
        List.of(Metric.PSNR, Metric.SSIM, Metric.LPIPS, Metric.FID, Metric.IDENTITY, mae),
        e.metrics());
    assertEquals(degraded, e.scores(mae).degraded().perImage());
    assertEquals(restored, e.scores(mae).restored().perImage());
    double mean = restored.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    assertEquals(mean, e.scores(mae).restored().value().getAsDouble(), 1e-12);
    List<String> table = e.table(true).lines().toList();
    assertEquals(7, table.size());
    assertTrue(table.get(6).matches("MAE \u2193\\s+\\d+\\.\\d{4}\\s+\\d+\\.\\d{4}"), table.get(6));
    assertTrue(table.get(6).endsWith(Evaluation.format(mean)), table.get(6));

    Path json = dir.resolve("metrics.json");
    Reports.writeJson(json, e, Map.of(), 1, Map.of());
    JsonNode root = new ObjectMapper().readTree(json.toFile());
    assertEquals("lower", root.at("/metrics/MAE/better").asText());
    assertEquals(mean, root.at("/metrics/MAE/restored/value").asDouble(), 1e-12);
    assertEquals(degraded.get(2), root.at("/images/2/MAE/degraded").asDouble());
    assertEquals("no LPIPS weights given", root.at("/metrics/LPIPS/skipped").asText());
    Path page = dir.resolve("index.html");
    Reports.writeHtml(page, e, "t", List.of(), List.of("a.png", "b.png", "c.png"), 32);
    assertTrue(Files.readString(page).contains("<th>MAE<br>degraded &rarr; restored</th>"));
  }

  @Test
  void aSetMetricOfOnesOwnGivesItsValueAndByProducts() {
    Metric count = Metric.ofSet("count", Metric.Better.HIGHER);
    Scorer counting =
        new Scorer() {
          private int images;

          @Override
          public Metric metric() {
            return count;
          }

          @Override
          public void add(List<Mat> degraded, List<Mat> restored, List<Mat> real) {
            images += real.size();
          }

          @Override
          public Evaluation.Scores finish() {
            MetricResult r = MetricResult.ofSet(count.label(), images, "images seen");
            return new Evaluation.Scores(r, r);
          }

          @Override
          public List<Object> byProducts() {
            return List.of("seen " + images);
          }
        };
    Evaluator ev = new Evaluator(List.of(new PsnrScorer(), counting));
    addBatch(ev, 2, new ArrayList<>(), new ArrayList<>());
    addBatch(ev, 3, new ArrayList<>(), new ArrayList<>());
    Evaluation e = ev.finish();
    assertEquals(5.0, e.scores(count).restored().value().getAsDouble());
    assertEquals(Optional.of("seen 5"), e.byProduct(count, String.class));
    assertFalse(e.byProduct(count, Integer.class).isPresent());
    assertFalse(e.computedRealStatistics().isPresent());
    assertThrows(
        IllegalArgumentException.class, () -> e.scores(Metric.SSIM), "not among its metrics");
  }

  @Test
  void refusesTwoMetricsOfOneNameAndAPerImageMetricWithoutAValuePerImage() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new Evaluator(
                List.of(
                    new PsnrScorer(),
                    Scorer.skipped(
                        Metric.perImage(Metric.PSNR.label(), Metric.Better.LOWER), "x"))));

    Metric once = Metric.perImage("once", Metric.Better.HIGHER);
    Scorer oneValue =
        new Scorer() {
          @Override
          public Metric metric() {
            return once;
          }

          @Override
          public void add(List<Mat> degraded, List<Mat> restored, List<Mat> real) {}

          @Override
          public Evaluation.Scores finish() {
            MetricResult r = new MetricResult(once.label(), OptionalDouble.of(1), List.of(1.0), "");
            return new Evaluation.Scores(r, r);
          }
        };
    Evaluator ev = new Evaluator(List.of(oneValue));
    addBatch(ev, 2, new ArrayList<>(), new ArrayList<>());
    assertThrows(IllegalArgumentException.class, ev::finish);
  }

  @Test
  void refusesRealStatisticsOfOtherFeatures() {
    FeatureStatistics other = new FeatureStatistics(new double[2], new double[4], 3, "other");
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new Evaluator(
                Evaluator.standardScorers(
                    Loaded.skipped("x"), Loaded.skipped("y"), other, Loaded.skipped("z"))));
  }

  @Test
  void batchesMustMatch() {
    Evaluator ev =
        new Evaluator(
            Evaluator.standardScorers(
                Loaded.skipped("x"), Loaded.skipped("y"), null, Loaded.skipped("z")));
    try (Mat m = noise(new Random(2))) {
      assertThrows(
          IllegalArgumentException.class,
          () -> ev.add(List.of("a", "b"), List.of(m), List.of(m), List.of(m)));
    }
  }
}
