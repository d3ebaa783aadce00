package io.gpen.eval;

import io.gpen.metrics.Psnr;
import java.util.List;
import java.util.Optional;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * {@link Metric#PSNR}: {@link Psnr} of each image against its real face, and the mean. Needs no
 * weights.
 */
public final class PsnrScorer implements Scorer {
  private final PerImageScores scores = new PerImageScores(Metric.PSNR);

  @Override
  public Metric metric() {
    return Metric.PSNR;
  }

  @Override
  public void add(List<Mat> degraded, List<Mat> restored, List<Mat> real) {
    scores.addEach(degraded, restored, real, Psnr::of);
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
