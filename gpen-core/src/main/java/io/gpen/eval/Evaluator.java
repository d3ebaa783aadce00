package io.gpen.eval;

import io.gpen.data.DegradationConfig;
import io.gpen.metrics.FeatureAccumulator;
import io.gpen.metrics.FeatureStatistics;
import io.gpen.metrics.FidInception;
import io.gpen.metrics.FrechetDistance;
import io.gpen.metrics.Loaded;
import io.gpen.metrics.Lpips;
import io.gpen.metrics.MeanAccumulator;
import io.gpen.metrics.MetricResult;
import io.gpen.metrics.Psnr;
import io.gpen.metrics.Ssim;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.Tensor;

/**
 * Scores a set batch by batch: each batch of degraded inputs, restored images and real faces is
 * scored and dropped, keeping only the per-image values and the FID feature statistics, so memory
 * does not grow with the images' size. PSNR and SSIM always run; LPIPS, FID and the identity
 * similarity run where their networks were loaded and are otherwise skipped with the reason.
 *
 * <p>FID compares the set of degraded inputs and the set of restored images with the set of real
 * faces, whose statistics are either computed here or given (e.g. saved from an earlier run).
 *
 * <p>The networks stay the caller's: it closes them after {@link #finish()}.
 */
public final class Evaluator {
  /**
   * The degradation of test sets: the reference's ({@link DegradationConfig#REFERENCE}) without its
   * random flip and grayscale, which would change the real faces themselves; as {@code gpen
   * degrade} by default.
   */
  public static final DegradationConfig TEST_DEGRADATION = DegradationConfig.REFERENCE.withFlipProb(0).withGrayProb(0);

  private final Loaded<Lpips> lpips;
  private final Loaded<FidInception> fid;
  private final Loaded<IdentitySimilarity> identity;
  private final FeatureStatistics givenRealStatistics;
  private final List<String> names = new ArrayList<>();
  private final Map<Metric, MeanAccumulator[]> means = new EnumMap<>(Metric.class);
  private final FeatureAccumulator fidDegraded;
  private final FeatureAccumulator fidRestored;
  private final FeatureAccumulator fidReal;

  /**
   * @param lpips the LPIPS network, or the reason it is skipped
   * @param fid the FID InceptionV3, or the reason it is skipped
   * @param realStatistics FID statistics of the real faces to compare with, or null to compute them
   *     from the real faces given to {@link #add}
   * @param identity the face embedder, or the reason it is skipped
   * @throws IllegalArgumentException where {@code realStatistics} are not of the InceptionV3's
   *     features
   */
  public Evaluator(
      Loaded<Lpips> lpips, Loaded<FidInception> fid, FeatureStatistics realStatistics, Loaded<IdentitySimilarity> identity) {
    if (realStatistics != null
        && (realStatistics.dims() != FidInception.DIMS || !FidInception.FEATURES.equals(realStatistics.features()))) {
      throw new IllegalArgumentException("real-face statistics of other features: " + realStatistics.features());
    }
    this.lpips = lpips;
    this.fid = fid;
    this.identity = identity;
    this.givenRealStatistics = realStatistics;
    for (Metric m : List.of(Metric.PSNR, Metric.SSIM, Metric.LPIPS, Metric.IDENTITY)) {
      means.put(m, new MeanAccumulator[] {new MeanAccumulator(m.label()), new MeanAccumulator(m.label())});
    }
    boolean withFid = fid.isLoaded();
    fidDegraded = withFid ? FidInception.newAccumulator() : null;
    fidRestored = withFid ? FidInception.newAccumulator() : null;
    fidReal = withFid && realStatistics == null ? FidInception.newAccumulator() : null;
  }

  /**
   * Scores one batch. All images are {@code CV_8UC3} BGR of one size, in matching order.
   *
   * @param batchNames the images' names, for the report
   * @param degraded the inputs the model was given
   * @param restored the model's outputs
   * @param real the ground truths
   */
  public void add(List<String> batchNames, List<Mat> degraded, List<Mat> restored, List<Mat> real) {
    int n = batchNames.size();
    if (degraded.size() != n || restored.size() != n || real.size() != n) {
      throw new IllegalArgumentException("a batch of " + n + " names needs as many images of each kind, got "
          + degraded.size() + ", " + restored.size() + " and " + real.size());
    }
    if (n == 0) {
      return;
    }
    for (int i = 0; i < n; i++) {
      addPair(Metric.PSNR, Psnr.of(degraded.get(i), real.get(i)), Psnr.of(restored.get(i), real.get(i)));
      addPair(Metric.SSIM, Ssim.of(degraded.get(i), real.get(i)), Ssim.of(restored.get(i), real.get(i)));
    }
    lpips.model().ifPresent(net -> addAll(Metric.LPIPS, net.distance(degraded, real), net.distance(restored, real)));
    identity.model().ifPresent(net -> {
      try (PointerScope scope = new PointerScope()) {
        Tensor truth = net.embed(real);
        addAll(Metric.IDENTITY, IdentitySimilarity.similarity(net.embed(degraded), truth),
            IdentitySimilarity.similarity(net.embed(restored), truth));
      }
    });
    fid.model().ifPresent(net -> {
      try (PointerScope scope = new PointerScope()) {
        fidDegraded.add(net.features(degraded));
        fidRestored.add(net.features(restored));
        if (fidReal != null) {
          fidReal.add(net.features(real));
        }
      }
    });
    names.addAll(batchNames);
  }

  private void addPair(Metric m, double degraded, double restored) {
    MeanAccumulator[] acc = means.get(m);
    acc[0].add(degraded);
    acc[1].add(restored);
  }

  private void addAll(Metric m, double[] degraded, double[] restored) {
    for (int i = 0; i < degraded.length; i++) {
      addPair(m, degraded[i], restored[i]);
    }
  }

  /** How many images were scored so far. */
  public int count() {
    return names.size();
  }

  /** The results; computes FID (two Fréchet distances of 2048-d Gaussians, a few seconds). */
  public Evaluation finish() {
    Map<Metric, Evaluation.Scores> scores = new EnumMap<>(Metric.class);
    scores.put(Metric.PSNR, means(Metric.PSNR, null));
    scores.put(Metric.SSIM, means(Metric.SSIM, null));
    scores.put(Metric.LPIPS, lpips.isLoaded()
        ? means(Metric.LPIPS, null) : Evaluation.Scores.skipped(Metric.LPIPS, lpips.skipReason().orElseThrow()));
    scores.put(Metric.IDENTITY, identity.isLoaded()
        ? means(Metric.IDENTITY, identity.get().embedder())
        : Evaluation.Scores.skipped(Metric.IDENTITY, identity.skipReason().orElseThrow()));
    FeatureStatistics computedReal = null;
    if (!fid.isLoaded()) {
      scores.put(Metric.FID, Evaluation.Scores.skipped(Metric.FID, fid.skipReason().orElseThrow()));
    } else if (count() < 2) {
      scores.put(Metric.FID, Evaluation.Scores.skipped(Metric.FID, "FID needs at least 2 images, got " + count()));
    } else {
      FeatureStatistics real = givenRealStatistics;
      String realNote;
      if (real == null) {
        computedReal = fidReal.statistics();
        real = computedReal;
        realNote = "the " + real.count() + " real faces";
      } else {
        realNote = "given statistics of " + real.count() + " real faces";
      }
      scores.put(Metric.FID, new Evaluation.Scores(
          fid(fidDegraded, real, realNote), fid(fidRestored, real, realNote)));
    }
    return new Evaluation(names, scores, computedReal);
  }

  private Evaluation.Scores means(Metric m, String what) {
    MeanAccumulator[] acc = means.get(m);
    return new Evaluation.Scores(withNote(acc[0].result(), what), withNote(acc[1].result(), what));
  }

  private static MetricResult withNote(MetricResult r, String what) {
    return what == null || r.isSkipped() ? r : new MetricResult(r.name(), r.value(), r.perImage(), r.note() + "; " + what);
  }

  private static MetricResult fid(FeatureAccumulator images, FeatureStatistics real, String realNote) {
    double d = FrechetDistance.between(images.statistics(), real);
    return MetricResult.ofSet(FrechetDistance.NAME, d, images.count() + " images vs " + realNote);
  }
}
