package io.gpen.metrics;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * The outcome of one metric over a set of images.
 *
 * @param name the metric, e.g. "PSNR"
 * @param value the set's value (a mean of per-image values, or a set-level value such as FID);
 *     empty where the metric was skipped
 * @param perImage the per-image values in the order the images were given; empty for set-level
 *     metrics and skipped ones
 * @param note what the user should know about the value (e.g. how many images), or why the metric
 *     was skipped; may be empty
 */
public record MetricResult(String name, OptionalDouble value, List<Double> perImage, String note) {
  public MetricResult {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    perImage = List.copyOf(perImage);
    note = note == null ? "" : note;
  }

  /** A metric that was not computed, with why. */
  public static MetricResult skipped(String name, String reason) {
    return new MetricResult(name, OptionalDouble.empty(), List.of(), reason);
  }

  /** A value of the whole set, e.g. FID. */
  public static MetricResult ofSet(String name, double value, String note) {
    return new MetricResult(name, OptionalDouble.of(value), List.of(), note);
  }

  public boolean isSkipped() {
    return value.isEmpty();
  }

  /**
   * One line for the user, e.g. "PSNR: 21.8531 (mean of 100 images)" or "LPIPS: skipped (no LPIPS
   * weights given)".
   */
  public String summary() {
    if (isSkipped()) {
      return name + ": skipped (" + note + ")";
    }
    String v = String.format(Locale.ROOT, "%.4f", value.getAsDouble());
    return name + ": " + v + (note.isEmpty() ? "" : " (" + note + ")");
  }
}
