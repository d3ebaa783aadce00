package io.gpen.bench;

import java.util.List;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * How far two sets of 8-bit images are apart, in levels of 255 over every channel value: mean,
 * 99.9th percentile and maximum of the absolute differences.
 *
 * @param mean the mean absolute difference
 * @param p999 the 99.9th percentile: the smallest level at or below which at least 99.9% of the
 *     values lie
 * @param max the largest absolute difference
 * @param values how many channel values were compared
 */
public record LevelDifference(double mean, int p999, int max, long values) {
  /**
   * The difference between {@code a} and {@code b}, pairwise images of equal size and type (8-bit,
   * any number of channels).
   */
  public static LevelDifference of(List<Mat> a, List<Mat> b) {
    if (a.size() != b.size()) {
      throw new IllegalArgumentException(a.size() + " images against " + b.size());
    }
    long[] histogram = new long[256];
    for (int i = 0; i < a.size(); i++) {
      try (Mat d = new Mat()) {
        opencv_core.absdiff(a.get(i), b.get(i), d);
        byte[] bytes = new byte[(int) (d.total() * d.channels())];
        try (Mat flat = d.isContinuous() ? d.reshape(1, 1) : d.clone().reshape(1, 1)) {
          flat.data().get(bytes);
        }
        for (byte v : bytes) {
          histogram[v & 0xff]++;
        }
      }
    }
    long values = 0;
    long sum = 0;
    int max = 0;
    for (int level = 0; level < 256; level++) {
      values += histogram[level];
      sum += level * histogram[level];
      if (histogram[level] > 0) {
        max = level;
      }
    }
    long needed = (long) Math.ceil(values * 0.999);
    long seen = 0;
    int p999 = 0;
    for (int level = 0; level < 256; level++) {
      seen += histogram[level];
      if (seen >= needed) {
        p999 = level;
        break;
      }
    }
    return new LevelDifference(values == 0 ? 0 : (double) sum / values, p999, max, values);
  }

  /** "mean 0.31, p99.9 4, max 12 levels of 255". */
  public String describe() {
    return String.format("mean %.2f, p99.9 %d, max %d levels of 255", mean, p999, max);
  }
}
