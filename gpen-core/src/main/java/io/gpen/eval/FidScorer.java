package io.gpen.eval;

import io.gpen.metrics.FeatureAccumulator;
import io.gpen.metrics.FeatureStatistics;
import io.gpen.metrics.FidInception;
import io.gpen.metrics.FrechetDistance;
import io.gpen.metrics.Loaded;
import io.gpen.metrics.MetricResult;
import java.util.List;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * {@link Metric#FID}: the Fréchet distance of the set of degraded inputs and of the set of restored
 * images to the set of real faces, from InceptionV3 feature statistics gathered batch by batch (the
 * features themselves are not kept). The real faces' statistics are either given (e.g. saved from
 * an earlier run) or computed here, and then offered as this scorer's {@link #byProducts()}.
 */
public final class FidScorer implements Scorer {
  private final FidInception net;
  private final Features features;

  private FidScorer(FidInception net, FeatureStatistics givenReal) {
    this.net = net;
    this.features = new Features(givenReal);
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
        && (realStatistics.dims() != FidInception.DIMS
            || !FidInception.FEATURES.equals(realStatistics.features()))) {
      throw new IllegalArgumentException(
          "real-face statistics of other features: " + realStatistics.features());
    }
    return fid.model()
        .<Scorer>map(net -> new FidScorer(net, realStatistics))
        .orElseGet(() -> Scorer.skipped(Metric.FID, fid.skipReason().orElseThrow()));
  }

  @Override
  public Metric metric() {
    return Metric.FID;
  }

  @Override
  public void add(List<Mat> degradedImages, List<Mat> restoredImages, List<Mat> realImages) {
    try (PointerScope scope = new PointerScope()) {
      features.degraded.add(net.features(degradedImages));
      features.restored.add(net.features(restoredImages));
      if (features.real != null) {
        features.real.add(net.features(realImages));
      }
    }
  }

  /**
   * Both distances (two Fréchet distances of 2048-d Gaussians, a few seconds); skipped below 2
   * images.
   */
  @Override
  public Evaluation.Scores finish() {
    return features.finish();
  }

  /** The statistics of the real faces, where {@link #finish()} computed them (not given ones). */
  @Override
  public List<Object> byProducts() {
    return features.byProducts();
  }

  /** The feature statistics gathered so far. */
  @Override
  public Optional<Tally> tally() {
    return Optional.of(features);
  }

  /**
   * The InceptionV3 feature statistics of the degraded inputs, the restored images and (where their
   * statistics are not given) the real faces: the state of a {@link FidScorer}, and its {@link
   * Tally}, which merges with the features of later images by Chan et al.'s update.
   */
  static final class Features implements Tally {
    private static final long serialVersionUID = 1L;

    private final FeatureAccumulator degraded = FidInception.newAccumulator();
    private final FeatureAccumulator restored = FidInception.newAccumulator();

    /** The real faces' features where their statistics are not given, else null. */
    private final FeatureAccumulator real;

    private final FeatureStatistics givenReal;
    private transient FeatureStatistics computedReal;

    Features(FeatureStatistics givenReal) {
      this.givenReal = givenReal;
      this.real = givenReal == null ? FidInception.newAccumulator() : null;
    }

    @Override
    public Metric metric() {
      return Metric.FID;
    }

    @Override
    public void append(Tally later) {
      if (!(later instanceof Features f) || (f.real == null) != (real == null)) {
        throw new IllegalArgumentException(
            "cannot append "
                + later.metric().label()
                + " scores to FID features"
                + (later instanceof Features
                    ? " (the real faces' statistics given to one only)"
                    : ""));
      }
      degraded.append(f.degraded);
      restored.append(f.restored);
      if (real != null) {
        real.append(f.real);
      }
    }

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
          distance(degraded, realStatistics, realNote),
          distance(restored, realStatistics, realNote));
    }

    @Override
    public List<Object> byProducts() {
      return computedReal == null ? List.of() : List.of(computedReal);
    }

    private static MetricResult distance(
        FeatureAccumulator images, FeatureStatistics real, String realNote) {
      double d = FrechetDistance.between(images.statistics(), real);
      return MetricResult.ofSet(FrechetDistance.NAME, d, images.count() + " images vs " + realNote);
    }
  }
}
