package io.gpen.eval;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.metrics.FeatureStatistics;
import io.gpen.metrics.Loaded;
import io.gpen.metrics.Psnr;
import io.gpen.metrics.Ssim;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

/** The per-image scores in order, batch after batch, and the skipped metrics with their reasons. */
class EvaluatorTest {
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
    Evaluator ev = new Evaluator(Loaded.skipped("no LPIPS weights given"), Loaded.skipped("no InceptionV3 weights given"),
        null, Loaded.skipped("no face embedding weights given"));
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
    assertTrue(e.scores(Metric.PSNR).restored().value().getAsDouble() > mean, "closer to the real faces");
    assertEquals("no LPIPS weights given", e.scores(Metric.LPIPS).restored().note());
    assertTrue(e.scores(Metric.FID).isSkipped());
    assertTrue(e.scores(Metric.IDENTITY).isSkipped());
    assertFalse(e.computedRealStatistics().isPresent());
  }

  @Test
  void refusesRealStatisticsOfOtherFeatures() {
    FeatureStatistics other = new FeatureStatistics(new double[2], new double[4], 3, "other");
    assertThrows(IllegalArgumentException.class, () -> new Evaluator(
        Loaded.skipped("x"), Loaded.skipped("y"), other, Loaded.skipped("z")));
  }

  @Test
  void batchesMustMatch() {
    Evaluator ev = new Evaluator(Loaded.skipped("x"), Loaded.skipped("y"), null, Loaded.skipped("z"));
    try (Mat m = noise(new Random(2))) {
      assertThrows(IllegalArgumentException.class, () -> ev.add(List.of("a", "b"), List.of(m), List.of(m), List.of(m)));
    }
  }
}
