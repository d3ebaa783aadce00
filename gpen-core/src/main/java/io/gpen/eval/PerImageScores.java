package io.gpen.eval;

import io.gpen.metrics.MeanAccumulator;
import java.util.List;
import java.util.function.ToDoubleBiFunction;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The per-image values of one metric in both columns, degraded inputs and restored images, and
 * their means ({@link MeanAccumulator}: infinite values kept per image but left out of the mean):
 * what a per-image {@link Scorer} keeps between batches, and its {@link Tally}.
 */
public final class PerImageScores implements Tally {
  private static final long serialVersionUID = 1L;

  private final Metric metric;
  private final MeanAccumulator degraded;
  private final MeanAccumulator restored;

  /**
   * @param metric the metric whose values these are
   */
  public PerImageScores(Metric metric) {
    if (!metric.perImage()) {
      throw new IllegalArgumentException(metric + " has no per-image values");
    }
    this.metric = metric;
    degraded = new MeanAccumulator(metric.label());
    restored = new MeanAccumulator(metric.label());
  }

  @Override
  public Metric metric() {
    return metric;
  }

  /**
   * Adds the values of {@code later}, the same metric's scores of the images after these, in order.
   */
  @Override
  public void append(Tally later) {
    if (!(later instanceof PerImageScores p) || !p.metric.equals(metric)) {
      throw new IllegalArgumentException(
          "cannot append " + later.metric().label() + " scores to " + metric.label());
    }
    List<Double> d = p.degraded.values();
    List<Double> r = p.restored.values();
    for (int i = 0; i < d.size(); i++) {
      add(d.get(i), r.get(i));
    }
  }

  /**
   * Adds the values of the next image.
   *
   * @throws IllegalArgumentException for NaN
   */
  public void add(double degradedValue, double restoredValue) {
    degraded.add(degradedValue);
    restored.add(restoredValue);
  }

  /** Adds the values of the next images, one pair per index. */
  public void addAll(double[] degradedValues, double[] restoredValues) {
    if (degradedValues.length != restoredValues.length) {
      throw new IllegalArgumentException(
          degradedValues.length + " degraded but " + restoredValues.length + " restored values");
    }
    for (int i = 0; i < degradedValues.length; i++) {
      add(degradedValues[i], restoredValues[i]);
    }
  }

  /**
   * Adds {@code score(image, its real face)} of each degraded input and each restored image of a
   * batch.
   */
  public void addEach(
      List<Mat> degradedImages,
      List<Mat> restoredImages,
      List<Mat> real,
      ToDoubleBiFunction<Mat, Mat> score) {
    for (int i = 0; i < real.size(); i++) {
      add(
          score.applyAsDouble(degradedImages.get(i), real.get(i)),
          score.applyAsDouble(restoredImages.get(i), real.get(i)));
    }
  }

  /**
   * Both columns: the mean of each with the per-image values; skipped ("no images") when none were
   * added.
   */
  public Evaluation.Scores scores() {
    return new Evaluation.Scores(degraded.result(), restored.result());
  }

  /** {@link #scores()}. */
  @Override
  public Evaluation.Scores finish() {
    return scores();
  }
}
