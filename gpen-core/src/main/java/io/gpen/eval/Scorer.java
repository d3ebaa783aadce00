package io.gpen.eval;

import java.util.List;
import java.util.Optional;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * One metric of an evaluation, as a plugin of the {@link Evaluator}: it is given every batch of
 * degraded inputs, restored images and real faces, keeps what it needs (per-image values, feature
 * statistics) and at the end gives its metric's two columns, the degraded inputs and the restored
 * images against the real faces, or the reason it was skipped.
 *
 * <p>The built-in ones: {@link PsnrScorer}, {@link SsimScorer}, {@link LpipsScorer}, {@link
 * FidScorer} and {@link IdentityScorer}. One of one's own implements this interface, names its
 * {@link Metric} with a label no other metric of the evaluation has, and is listed with the others
 * ({@link Evaluator#Evaluator}, or {@code FolderEvaluation.Options.Builder.addMetric}); its row
 * then appears in the {@link Evaluation} and in every report. A per-image metric collects its
 * values in a {@link PerImageScores}.
 *
 * <p>A scorer serves one evaluation: it keeps state from {@link #add} to {@link #finish}.
 */
public interface Scorer {
  /** The metric this scores. */
  Metric metric();

  /**
   * Scores one batch. All images are {@code CV_8UC3} BGR of one size, in matching order, at least
   * one of each; they stay the caller's.
   *
   * @param degraded the inputs the model was given
   * @param restored the model's outputs
   * @param real the ground truths
   */
  void add(List<Mat> degraded, List<Mat> restored, List<Mat> real);

  /**
   * The two columns of every image added, or both skipped with the reason. A per-image metric gives
   * one value per image in each column, in the order added, or skips both.
   */
  Evaluation.Scores finish();

  /**
   * What else this scorer computed that a caller may keep, once {@link #finish()} has run, e.g. the
   * statistics of the real faces that {@link FidScorer} computed (which {@code gpen test
   * --fid_stats} saves for later runs); found with {@link Evaluation#byProduct}. None by default.
   */
  default List<Object> byProducts() {
    return List.of();
  }

  /**
   * What this scorer has gathered so far, as a value to merge with the tallies of the same metric's
   * scorers over other parts of the set ({@link Tally}, {@link Evaluator#part()}); empty where the
   * scorer cannot be split (the default). The built-in scorers can.
   */
  default Optional<Tally> tally() {
    return Optional.empty();
  }

  /**
   * A scorer of {@code metric} that does no work and finishes skipped with {@code reason}, e.g.
   * where its network was not loaded.
   */
  static Scorer skipped(Metric metric, String reason) {
    Evaluation.Scores skipped = Evaluation.Scores.skipped(metric, reason);
    Tally tally = new Skipped(metric, reason);
    return new Scorer() {
      @Override
      public Metric metric() {
        return metric;
      }

      @Override
      public void add(List<Mat> degraded, List<Mat> restored, List<Mat> real) {}

      @Override
      public Evaluation.Scores finish() {
        return skipped;
      }

      @Override
      public Optional<Tally> tally() {
        return Optional.of(tally);
      }
    };
  }

  /** The tally of a skipped scorer: nothing gathered, the reason kept. */
  record Skipped(Metric metric, String reason) implements Tally {
    @Override
    public void append(Tally later) {
      if (!(later instanceof Skipped) || !later.metric().equals(metric)) {
        throw new IllegalArgumentException(
            "cannot append " + later.metric().label() + " scores to skipped " + metric.label());
      }
    }

    @Override
    public Evaluation.Scores finish() {
      return Evaluation.Scores.skipped(metric, reason);
    }
  }
}
