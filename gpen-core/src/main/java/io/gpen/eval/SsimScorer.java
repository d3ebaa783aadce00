package io.gpen.eval;

import io.gpen.metrics.Ssim;
import java.util.List;
import java.util.Optional;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * {@link Metric#SSIM}: {@link Ssim} of each image against its real face, and the mean. Needs no
 * weights.
 */
public final class SsimScorer implements Scorer {
  private final PerImageScores scores = new PerImageScores(Metric.SSIM);

  @Override
  public Metric metric() {
    return Metric.SSIM;
  }

  @Override
  public void add(List<Mat> degraded, List<Mat> restored, List<Mat> real) {
    scores.addEach(degraded, restored, real, Ssim::of);
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
