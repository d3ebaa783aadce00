package io.gpen.bench;

import java.util.Arrays;

/** Summary statistics of repeated timings. */
public record Timings(double[] millis) {
  public Timings {
    if (millis.length == 0) {
      throw new IllegalArgumentException("no timings");
    }
    millis = millis.clone();
    Arrays.sort(millis);
  }

  public double median() {
    return percentile(50);
  }

  public double p90() {
    return percentile(90);
  }

  public double min() {
    return millis[0];
  }

  /** Nearest-rank percentile. */
  public double percentile(double p) {
    int rank = (int) Math.ceil(p / 100.0 * millis.length);
    return millis[Math.max(0, Math.min(millis.length - 1, rank - 1))];
  }

  public int count() {
    return millis.length;
  }
}
