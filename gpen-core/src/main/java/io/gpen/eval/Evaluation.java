package io.gpen.eval;

import io.gpen.metrics.FeatureStatistics;
import io.gpen.metrics.MetricResult;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of an evaluation: for every {@link Metric}, the result of the degraded inputs and of
 * the restored images, both against the real faces, with the images' names in the order scored.
 */
public final class Evaluation {
  private final List<String> names;
  private final Map<Metric, Scores> scores;
  private final FeatureStatistics realStatistics;

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
    static Scores skipped(Metric metric, String reason) {
      MetricResult r = MetricResult.skipped(metric.label(), reason);
      return new Scores(r, r);
    }

    public boolean isSkipped() {
      return degraded.isSkipped() && restored.isSkipped();
    }
  }

  /**
   * @param names the images, in the order their per-image values are given
   * @param scores a result for every metric
   * @param realStatistics the FID statistics of the real faces where this evaluation computed them,
   *     else null
   */
  Evaluation(List<String> names, Map<Metric, Scores> scores, FeatureStatistics realStatistics) {
    this.names = List.copyOf(names);
    EnumMap<Metric, Scores> copy = new EnumMap<>(Metric.class);
    copy.putAll(scores);
    for (Metric m : Metric.values()) {
      if (!copy.containsKey(m)) {
        throw new IllegalArgumentException("no result for " + m);
      }
    }
    this.scores = Collections.unmodifiableMap(copy);
    this.realStatistics = realStatistics;
  }

  /** The images scored, in order. */
  public List<String> names() {
    return names;
  }

  /** How many images were scored. */
  public int count() {
    return names.size();
  }

  /** The two columns of {@code metric}. */
  public Scores scores(Metric metric) {
    return scores.get(metric);
  }

  /** The FID statistics of the real faces, where this evaluation computed them (not given ones). */
  public Optional<FeatureStatistics> computedRealStatistics() {
    return Optional.ofNullable(realStatistics);
  }

  /**
   * The table of every metric, one row each, the degraded inputs and the restored images side by
   * side; a skipped metric reads "skipped (reason)".
   *
   * @param arrows mark the better direction with ↑/↓ (else with the words "higher"/"lower", for
   *     terminals that cannot show them)
   */
  public String table(boolean arrows) {
    String[][] rows = new String[Metric.values().length + 1][];
    rows[0] = new String[] {"metric", "degraded input", "restored"};
    int i = 1;
    for (Metric m : Metric.values()) {
      String better = arrows ? (m.higherIsBetter() ? " \u2191" : " \u2193") : (m.higherIsBetter() ? " (higher)" : " (lower)");
      Scores s = scores.get(m);
      rows[i++] = s.isSkipped()
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
