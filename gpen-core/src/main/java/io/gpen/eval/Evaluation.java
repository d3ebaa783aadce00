package io.gpen.eval;

import io.gpen.metrics.FeatureStatistics;
import io.gpen.metrics.MetricResult;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of an evaluation: for each of its {@link Metric}s, in report order, the result of the
 * degraded inputs and of the restored images, both against the real faces, with the images' names
 * in the order scored and what else the metrics computed ({@link Scorer#byProducts()}).
 */
public final class Evaluation {
  private final List<String> names;
  private final Map<Metric, Scores> scores;
  private final Map<Metric, List<Object>> byProducts;

  /**
   * One metric's two columns.
   *
   * @param degraded the degraded inputs against the real faces
   * @param restored the restored images against the real faces
   */
  public record Scores(MetricResult degraded, MetricResult restored) {
    public Scores {
      Objects.requireNonNull(degraded, "degraded");
      Objects.requireNonNull(restored, "restored");
    }

    /** Both columns skipped with one reason. */
    public static Scores skipped(Metric metric, String reason) {
      MetricResult r = MetricResult.skipped(metric.label(), reason);
      return new Scores(r, r);
    }

    public boolean isSkipped() {
      return degraded.isSkipped() && restored.isSkipped();
    }
  }

  /**
   * @param names the images, in the order their per-image values are given
   * @param scores the result of each metric, in report order, each metric's label its own
   * @param byProducts what else each metric computed; metrics with nothing may be left out
   * @throws IllegalArgumentException where a per-image metric has not one value per image in both
   *     columns and has not skipped both (the reports would have no value to show for some image)
   */
  Evaluation(List<String> names, Map<Metric, Scores> scores, Map<Metric, List<Object>> byProducts) {
    this.names = List.copyOf(names);
    int n = this.names.size();
    scores.forEach(
        (m, s) -> {
          int degraded = s.degraded().perImage().size();
          int restored = s.restored().perImage().size();
          if (m.perImage() && !s.isSkipped() && (degraded != n || restored != n)) {
            throw new IllegalArgumentException(
                m
                    + " needs a value per image in both columns: "
                    + n
                    + " images, "
                    + degraded
                    + " degraded and "
                    + restored
                    + " restored values");
          }
        });
    this.scores = Collections.unmodifiableMap(new LinkedHashMap<>(scores));
    Map<Metric, List<Object>> kept = new LinkedHashMap<>();
    byProducts.forEach((m, list) -> kept.put(m, List.copyOf(list)));
    this.byProducts = Collections.unmodifiableMap(kept);
  }

  /** The images scored, in order. */
  public List<String> names() {
    return names;
  }

  /** How many images were scored. */
  public int count() {
    return names.size();
  }

  /** The metrics, in report order. */
  public List<Metric> metrics() {
    return List.copyOf(scores.keySet());
  }

  /**
   * The two columns of {@code metric}.
   *
   * @throws IllegalArgumentException where this evaluation has no such metric
   */
  public Scores scores(Metric metric) {
    Scores s = scores.get(metric);
    if (s == null) {
      throw new IllegalArgumentException(
          "no " + metric + " in this evaluation, only " + scores.keySet());
    }
    return s;
  }

  /**
   * The first of what {@code metric} computed besides its scores that is a {@code type}, if any.
   */
  public <T> Optional<T> byProduct(Metric metric, Class<T> type) {
    return byProducts.getOrDefault(metric, List.of()).stream()
        .filter(type::isInstance)
        .map(type::cast)
        .findFirst();
  }

  /**
   * The FID statistics of the real faces, where this evaluation computed them (not given ones): the
   * by-product of {@link FidScorer}.
   */
  public Optional<FeatureStatistics> computedRealStatistics() {
    return byProduct(Metric.FID, FeatureStatistics.class);
  }

  /**
   * The table of every metric, one row each, the degraded inputs and the restored images side by
   * side; a skipped metric reads "skipped (reason)".
   *
   * @param arrows mark the better direction with ↑/↓ (else with the words "higher"/"lower", for
   *     terminals that cannot show them)
   */
  public String table(boolean arrows) {
    String[][] rows = new String[scores.size() + 1][];
    rows[0] = new String[] {"metric", "degraded input", "restored"};
    int i = 1;
    for (Map.Entry<Metric, Scores> e : scores.entrySet()) {
      Metric m = e.getKey();
      String better =
          arrows
              ? (m.higherIsBetter() ? " \u2191" : " \u2193")
              : (m.higherIsBetter() ? " (higher)" : " (lower)");
      Scores s = e.getValue();
      rows[i++] =
          s.isSkipped()
              ? new String[] {m.label() + better, "skipped (" + s.restored().note() + ")"}
              : new String[] {m.label() + better, cell(s.degraded()), cell(s.restored())};
    }
    int first = 0;
    int second = 0;
    for (String[] r : rows) {
      first = Math.max(first, r[0].length());
      if (r.length == 3) {
        second = Math.max(second, r[1].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] r : rows) {
      sb.append(pad(r[0], first + 3)).append(r.length == 3 ? pad(r[1], second + 3) + r[2] : r[1]);
      sb.append(System.lineSeparator());
    }
    return sb.toString();
  }

  private static String cell(MetricResult r) {
    return r.isSkipped() ? "skipped (" + r.note() + ")" : format(r.value().getAsDouble());
  }

  /** A value as reports show it: 4 decimals, "inf" for an infinite PSNR. */
  static String format(double v) {
    if (Double.isInfinite(v)) {
      return v > 0 ? "inf" : "-inf";
    }
    return String.format(Locale.ROOT, "%.4f", v);
  }

  private static String pad(String s, int width) {
    return s.length() >= width ? s : s + " ".repeat(width - s.length());
  }
}
