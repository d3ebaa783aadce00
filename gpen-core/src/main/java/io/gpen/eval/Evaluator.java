package io.gpen.eval;

import io.gpen.data.DegradationConfig;
import io.gpen.metrics.FeatureStatistics;
import io.gpen.metrics.FidInception;
import io.gpen.metrics.Loaded;
import io.gpen.metrics.Lpips;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Scores a set batch by batch with its metrics ({@link Scorer}s): each batch of degraded inputs,
 * restored images and real faces is given to every metric and dropped, the metrics keeping only
 * per-image values or feature statistics, so memory does not grow with the images' size.
 *
 * <p>{@link #standardScorers} gives the metrics of {@code gpen test}: PSNR and SSIM always; LPIPS,
 * FID and the identity similarity where their networks were loaded, otherwise skipped with the
 * reason. A metric of one's own is one more scorer in the list.
 *
 * <p>The metrics' networks stay the caller's: it closes them after {@link #finish()}.
 */
public final class Evaluator {
  /**
   * The degradation of test sets: the reference's ({@link DegradationConfig#REFERENCE}) without its
   * random flip and grayscale, which would change the real faces themselves; as {@code gpen
   * degrade} by default.
   */
  public static final DegradationConfig TEST_DEGRADATION =
      DegradationConfig.REFERENCE.withFlipProb(0).withGrayProb(0);

  private final List<Scorer> scorers;
  private final List<String> names = new ArrayList<>();

  /**
   * @param scorers the metrics, in report order, each serving this evaluation alone
   * @throws IllegalArgumentException where two metrics share a label (they would share a row)
   */
  public Evaluator(List<? extends Scorer> scorers) {
    Set<String> labels = new HashSet<>();
    for (Scorer s : scorers) {
      if (!labels.add(s.metric().label())) {
        throw new IllegalArgumentException("two metrics named " + s.metric().label());
      }
    }
    this.scorers = List.copyOf(scorers);
  }

  /**
   * The metrics of {@code gpen test}, in its report order: PSNR, SSIM, LPIPS, FID, identity.
   *
   * @param lpips the LPIPS network, or the reason it is skipped
   * @param fid the FID InceptionV3, or the reason it is skipped
   * @param realStatistics FID statistics of the real faces to compare with, or null to compute them
   *     from the real faces given to {@link #add}
   * @param identity the face embedder, or the reason it is skipped
   * @throws IllegalArgumentException where {@code realStatistics} are not of the InceptionV3's
   *     features
   */
  public static List<Scorer> standardScorers(
      Loaded<Lpips> lpips,
      Loaded<FidInception> fid,
      FeatureStatistics realStatistics,
      Loaded<IdentitySimilarity> identity) {
    return List.of(
        new PsnrScorer(),
        new SsimScorer(),
        LpipsScorer.of(lpips),
        FidScorer.of(fid, realStatistics),
        IdentityScorer.of(identity));
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
      throw new IllegalArgumentException(
          "a batch of "
              + n
              + " names needs as many images of each kind, got "
              + degraded.size()
              + ", "
              + restored.size()
              + " and "
              + real.size());
    }
    if (n == 0) {
      return;
    }
    for (Scorer s : scorers) {
      s.add(degraded, restored, real);
    }
    names.addAll(batchNames);
  }

  /** How many images were scored so far. */
  public int count() {
    return names.size();
  }

  /**
   * What every metric has gathered so far, with the names of the images: this evaluator's part of a
   * set that is evaluated in parts (e.g. the partitions of a Spark job). The parts, merged in the
   * order of the set ({@link Part#append}), finish as one evaluator given the whole set.
   *
   * @throws IllegalStateException where a metric cannot be split ({@link Scorer#tally()})
   */
  public Part part() {
    List<Tally> tallies = new ArrayList<>();
    for (Scorer s : scorers) {
      tallies.add(
          s.tally()
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "metric "
                              + s.metric().label()
                              + " cannot be evaluated in parts: its scorer gives no tally")));
    }
    return new Part(new ArrayList<>(names), tallies);
  }

  /**
   * One part of an evaluation split into parts: the names of its images, in order, and each
   * metric's {@link Tally}. Serialisable, to travel from where the part was scored to where the
   * parts are merged; mutable: {@link #append} adds a later part to this one.
   */
  public static final class Part implements Serializable {
    private static final long serialVersionUID = 1L;

    private final ArrayList<String> names;
    private final List<Tally> tallies;

    private Part(ArrayList<String> names, List<Tally> tallies) {
      this.names = names;
      this.tallies = List.copyOf(tallies);
    }

    /** How many images the part holds. */
    public int count() {
      return names.size();
    }

    /**
     * Adds {@code later}, the part of the same evaluation that follows this one in the set.
     *
     * @throws IllegalArgumentException where {@code later} scores other metrics
     */
    public void append(Part later) {
      if (later.tallies.size() != tallies.size()) {
        throw new IllegalArgumentException(
            "cannot merge parts of "
                + tallies.size()
                + " and "
                + later.tallies.size()
                + " metrics");
      }
      for (int i = 0; i < tallies.size(); i++) {
        tallies.get(i).append(later.tallies.get(i));
      }
      names.addAll(later.names);
    }

    /**
     * The results of every metric over the images of the part, as {@link Evaluator#finish()} gives
     * them.
     */
    public Evaluation finish() {
      Map<Metric, Evaluation.Scores> scores = new LinkedHashMap<>();
      Map<Metric, List<Object>> byProducts = new LinkedHashMap<>();
      for (Tally t : tallies) {
        scores.put(t.metric(), t.finish());
        byProducts.put(t.metric(), t.byProducts());
      }
      return new Evaluation(names, scores, byProducts);
    }
  }

  /**
   * The results of every metric (FID computes two Fréchet distances of 2048-d Gaussians, a few
   * seconds).
   */
  public Evaluation finish() {
    Map<Metric, Evaluation.Scores> scores = new LinkedHashMap<>();
    Map<Metric, List<Object>> byProducts = new LinkedHashMap<>();
    for (Scorer s : scorers) {
      scores.put(s.metric(), s.finish());
      byProducts.put(s.metric(), s.byProducts());
    }
    return new Evaluation(names, scores, byProducts);
  }
}
