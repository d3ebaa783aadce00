package io.gpen.eval;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gpen.metrics.FeatureAccumulator;
import io.gpen.metrics.FeatureStatistics;
import io.gpen.metrics.Loaded;
import io.gpen.nn.Tensors;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * An evaluation split into parts (the partitions of a Spark job): the parts, serialised and merged
 * in order, finish as one evaluator given the whole set.
 */
class EvaluatorPartTest {
  private static Mat noise(Random rng) {
    Mat m = new Mat(24, 24, CV_8UC3);
    byte[] px = new byte[24 * 24 * 3];
    rng.nextBytes(px);
    m.data().put(px);
    return m;
  }

  private static List<Scorer> scorers() {
    return Evaluator.standardScorers(
        Loaded.skipped("no LPIPS weights given"),
        Loaded.skipped("no FID weights given"),
        null,
        Loaded.skipped("no identity weights given"));
  }

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T value) throws IOException, ClassNotFoundException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (T) in.readObject();
    }
  }

  @Test
  void partsMergedInOrderGiveTheScoresOfOneEvaluatorBitForBit() throws Exception {
    Random rng = new Random(7);
    Evaluator whole = new Evaluator(scorers());
    List<Evaluator> parts =
        List.of(new Evaluator(scorers()), new Evaluator(scorers()), new Evaluator(scorers()));
    try (PointerScope scope = new PointerScope()) {
      for (int batch = 0; batch < 6; batch++) {
        List<String> names = new ArrayList<>();
        List<Mat> degraded = new ArrayList<>();
        List<Mat> restored = new ArrayList<>();
        List<Mat> real = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          names.add("b" + batch + "i" + i);
          degraded.add(noise(rng));
          restored.add(noise(rng));
          real.add(noise(rng));
        }
        whole.add(names, degraded, restored, real);
        parts.get(batch / 2).add(names, degraded, restored, real);
      }
    }
    Evaluator.Part merged = roundTrip(parts.get(0).part());
    merged.append(roundTrip(parts.get(1).part()));
    merged.append(roundTrip(parts.get(2).part()));
    assertEquals(18, merged.count());
    Evaluation want = whole.finish();
    Evaluation got = merged.finish();
    assertEquals(want.names(), got.names());
    assertEquals(want.metrics(), got.metrics());
    for (io.gpen.eval.Metric m : want.metrics()) {
      assertEquals(want.scores(m), got.scores(m), m.label());
    }
  }

  @Test
  void partsOfOtherMetricsDoNotMerge() {
    Evaluator.Part psnrOnly = new Evaluator(List.of(new PsnrScorer())).part();
    Evaluator.Part ssimOnly = new Evaluator(List.of(new SsimScorer())).part();
    assertThrows(IllegalArgumentException.class, () -> psnrOnly.append(ssimOnly));
    assertThrows(
        IllegalArgumentException.class, () -> psnrOnly.append(new Evaluator(scorers()).part()));
  }

  @Test
  void aScorerWithoutATallyCannotBeSplit() {
    Evaluator ev = new Evaluator(List.of(new MeanAbsoluteError()));
    IllegalStateException e = assertThrows(IllegalStateException.class, ev::part);
    assertEquals(
        "metric MAE cannot be evaluated in parts: its scorer gives no tally", e.getMessage());
  }

  @Test
  void featureStatisticsMergedByChansUpdateAreThoseOfTheWholeSetToRounding() throws Exception {
    FeatureAccumulator whole = new FeatureAccumulator(6, "test");
    FeatureAccumulator first = new FeatureAccumulator(6, "test");
    FeatureAccumulator second = new FeatureAccumulator(6, "test");
    Random rng = new Random(3);
    try (PointerScope scope = new PointerScope()) {
      for (int batch = 0; batch < 5; batch++) {
        float[] v = new float[4 * 6];
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) (rng.nextGaussian() * (1 + i % 6) + 10);
        }
        Tensor t = Tensors.fromFloats(v, 4, 6);
        whole.add(t);
        (batch < 2 ? first : second).add(t);
      }
    }
    FeatureAccumulator merged = roundTrip(first);
    merged.append(roundTrip(second));
    FeatureStatistics want = whole.statistics();
    FeatureStatistics got = merged.statistics();
    assertEquals(want.count(), got.count());
    for (int i = 0; i < 6; i++) {
      assertEquals(want.mean()[i], got.mean()[i], 1e-12 * Math.abs(want.mean()[i]));
    }
    double[] wc = want.covariance();
    double[] gc = got.covariance();
    for (int k = 0; k < wc.length; k++) {
      assertEquals(wc[k], gc[k], 1e-12 * (1 + Math.abs(wc[k])), "covariance " + k);
    }
    assertThrows(
        IllegalArgumentException.class, () -> merged.append(new FeatureAccumulator(5, "test")));
    assertThrows(
        IllegalArgumentException.class, () -> merged.append(new FeatureAccumulator(6, "other")));
  }
}
