package io.gpen.eval;

import io.gpen.metrics.Loaded;
import io.gpen.metrics.Lpips;
import java.util.List;
import java.util.Optional;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * {@link Metric#LPIPS}: the {@link Lpips} distance of each image to its real face, and the mean.
 */
public final class LpipsScorer implements Scorer {
  private final Lpips net;
  private final PerImageScores scores = new PerImageScores(Metric.LPIPS);

  private LpipsScorer(Lpips net) {
    this.net = net;
  }

  /**
   * A scorer with the network, or skipped with the reason it was not loaded. The network stays the
   * caller's, to close after {@link #finish()}.
   */
  public static Scorer of(Loaded<Lpips> lpips) {
    return lpips
        .model()
        .<Scorer>map(LpipsScorer::new)
        .orElseGet(() -> Scorer.skipped(Metric.LPIPS, lpips.skipReason().orElseThrow()));
  }

  @Override
  public Metric metric() {
    return Metric.LPIPS;
  }

  @Override
  public void add(List<Mat> degraded, List<Mat> restored, List<Mat> real) {
    scores.addAll(net.distance(degraded, real), net.distance(restored, real));
  }

  @Override
  public Evaluation.Scores finish() {
    return scores.scores();
  }

  /** The per-image values so far. */
  @Override
  public Optional<Tally> tally() {
    return Optional.of(scores);
  }
}
