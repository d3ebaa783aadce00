package io.gpen.metrics;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Per-image values of one metric over a set, and their mean.
 *
 * <p>Infinite values are kept per image but left out of the mean, which the result's note says:
 * PSNR is +∞ for an image identical to its reference (as scikit-image and BasicSR report it), and
 * one such pair would otherwise make the mean of the whole set infinite.
 */
public final class MeanAccumulator implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String name;
  private final List<Double> values = new ArrayList<>();
  private double finiteSum;
  private int finiteCount;

  /**
   * @param name the metric, e.g. "PSNR"
   */
  public MeanAccumulator(String name) {
    this.name = name;
  }

  /**
   * Adds the value of the next image.
   *
   * @throws IllegalArgumentException for NaN
   */
  public void add(double value) {
    if (Double.isNaN(value)) {
      throw new IllegalArgumentException(name + " of image " + (values.size() + 1) + " is NaN");
    }
    values.add(value);
    if (Double.isFinite(value)) {
      finiteSum += value;
      finiteCount++;
    }
  }

  /** How many values were added. */
  public int count() {
    return values.size();
  }

  /** The values added, in order (a view). */
  public List<Double> values() {
    return Collections.unmodifiableList(values);
  }

  /**
   * The mean of the finite values with every value; skipped when nothing was added. Where every
   * value is infinite (all of one sign, as PSNR's), that infinity is the value.
   */
  public MetricResult result() {
    int n = values.size();
    if (n == 0) {
      return MetricResult.skipped(name, "no images");
    }
    int infinite = n - finiteCount;
    if (finiteCount == 0) {
      double first = values.get(0);
      boolean oneSign = values.stream().allMatch(v -> v == first);
      return new MetricResult(
          name,
          OptionalDouble.of(oneSign ? first : Double.NaN),
          values,
          "every one of " + n + " values is infinite");
    }
    String note = "mean of " + finiteCount + " image" + (finiteCount == 1 ? "" : "s");
    if (infinite > 0) {
      note += "; " + infinite + " infinite value" + (infinite == 1 ? "" : "s") + " left out";
    }
    return new MetricResult(name, OptionalDouble.of(finiteSum / finiteCount), values, note);
  }
}
