package io.gpen.eval;

import io.gpen.metrics.FeatureAccumulator;
import io.gpen.metrics.FeatureStatistics;
import io.gpen.metrics.FidInception;
import io.gpen.metrics.FrechetDistance;
import io.gpen.metrics.Loaded;
import io.gpen.metrics.MetricResult;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * {@link Metric#FID}: the Fréchet distance of the set of degraded inputs and of the set of restored
 * images to the set of real faces, from InceptionV3 feature statistics gathered batch by batch (the
 * features themselves are not kept). The real faces' statistics are either given (e.g. saved from an
 * earlier run) or computed here, and then offered as this scorer's {@link #byProducts()}.
 */
public final class FidScorer implements Scorer {
  private final FidInception net;
  private final FeatureStatistics givenReal;
  private final FeatureAccumulator degraded = FidInception.newAccumulator();
  private final FeatureAccumulator restored = FidInception.newAccumulator();
  /** The real faces' features where their statistics are not given, else null. */
  private final FeatureAccumulator real;
  private FeatureStatistics computedReal;

  private FidScorer(FidInception net, FeatureStatistics givenReal) {
    this.net = net;
    this.givenReal = givenReal;
    this.real = givenReal == null ? FidInception.newAccumulator() : null;
  }

  /**
   * A scorer with the network, or skipped with the reason it was not loaded. The network stays the
   * caller's, to close after {@link #finish()}.
   *
   * @param realStatistics FID statistics of the real faces to compare with, or null to compute them
   *     from the real faces given to {@link #add}
   * @throws IllegalArgumentException where {@code realStatistics} are not of the InceptionV3's
   *     features
   */
  public static Scorer of(Loaded<FidInception> fid, FeatureStatistics realStatistics) {
    if (realStatistics != null
        && (realStatistics.dims() != FidInception.DIMS || !FidInception.FEATURES.equals(realStatistics.features()))) {
      throw new IllegalArgumentException("real-face statistics of other features: " + realStatistics.features());
    }
    return fid.model().<Scorer>map(net -> new FidScorer(net, realStatistics))
        .orElseGet(() -> Scorer.skipped(Metric.FID, fid.skipReason().orElseThrow()));
  }

  @Override
  public Metric metric() {
    return Metric.FID;
  }

  @Override
  public void add(List<Mat> degradedImages, List<Mat> restoredImages, List<Mat> realImages) {
    try (PointerScope scope = new PointerScope()) {
      degraded.add(net.features(degradedImages));
      restored.add(net.features(restoredImages));
      if (real != null) {
        real.add(net.features(realImages));
      }
    }
  }

  /** Both distances (two Fréchet distances of 2048-d Gaussians, a few seconds); skipped below 2 images. */
  @Override
  public Evaluation.Scores finish() {
    long count = degraded.count();
    if (count < 2) {
      return Evaluation.Scores.skipped(Metric.FID, "FID needs at least 2 images, got " + count);
    }
    String realNote;
    FeatureStatistics realStatistics;
    if (givenReal == null) {
      computedReal = real.statistics();
      realStatistics = computedReal;
      realNote = "the " + realStatistics.count() + " real faces";
    } else {
      realStatistics = givenReal;
      realNote = "given statistics of " + realStatistics.count() + " real faces";
    }
    return new Evaluation.Scores(
        distance(degraded, realStatistics, realNote), distance(restored, realStatistics, realNote));
  }

  /** The statistics of the real faces, where {@link #finish()} computed them (not given ones). */
  @Override
  public List<Object> byProducts() {
    return computedReal == null ? List.of() : List.of(computedReal);
  }

  private static MetricResult distance(FeatureAccumulator images, FeatureStatistics real, String realNote) {
    double d = FrechetDistance.between(images.statistics(), real);
    return MetricResult.ofSet(FrechetDistance.NAME, d, images.count() + " images vs " + realNote);
  }
}
