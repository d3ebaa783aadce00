package io.gpen.face;

import java.util.Arrays;
import java.util.Locale;

/**
 * A face found in an image: its box, the detector's confidence and five landmarks, in the pixel
 * coordinates of the image given to the detector.
 *
 * <p>The landmarks are, in image terms, the eye on the left of the picture, the eye on the right,
 * the nose tip, the mouth corner on the left and the one on the right: the order of GPEN's
 * alignment template (for a face looking at the camera, the subject's right eye comes first).
 */
public final class DetectedFace {
  /** Number of landmarks. */
  public static final int POINTS = 5;

  private final double x1;
  private final double y1;
  private final double x2;
  private final double y2;
  private final double score;
  private final double[] landmarks;

  /**
   * @param landmarks ten numbers, x and y of each landmark in turn ({@code x0, y0, x1, y1, ...});
   *     copied
   */
  public DetectedFace(
      double x1, double y1, double x2, double y2, double score, double[] landmarks) {
    if (landmarks.length != 2 * POINTS) {
      throw new IllegalArgumentException(
          "expected " + 2 * POINTS + " landmark coordinates, got " + landmarks.length);
    }
    this.x1 = x1;
    this.y1 = y1;
    this.x2 = x2;
    this.y2 = y2;
    this.score = score;
    this.landmarks = landmarks.clone();
  }

  public double x1() {
    return x1;
  }

  public double y1() {
    return y1;
  }

  public double x2() {
    return x2;
  }

  public double y2() {
    return y2;
  }

  public double width() {
    return x2 - x1;
  }

  public double height() {
    return y2 - y1;
  }

  /** Detector confidence in [0, 1]. */
  public double score() {
    return score;
  }

  /** The landmarks as {@code x0, y0, x1, y1, ...} (a copy). */
  public double[] landmarks() {
    return landmarks.clone();
  }

  public double landmarkX(int i) {
    return landmarks[2 * i];
  }

  public double landmarkY(int i) {
    return landmarks[2 * i + 1];
  }

  /**
   * This face with every coordinate multiplied by {@code factor} (mapping between image scales).
   */
  public DetectedFace scaled(double factor) {
    double[] l = new double[landmarks.length];
    for (int i = 0; i < l.length; i++) {
      l[i] = landmarks[i] * factor;
    }
    return new DetectedFace(x1 * factor, y1 * factor, x2 * factor, y2 * factor, score, l);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DetectedFace f
        && x1 == f.x1
        && y1 == f.y1
        && x2 == f.x2
        && y2 == f.y2
        && score == f.score
        && Arrays.equals(landmarks, f.landmarks);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(new double[] {x1, y1, x2, y2, score}) * 31 + Arrays.hashCode(landmarks);
  }

  @Override
  public String toString() {
    StringBuilder b =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "face [%.1f, %.1f, %.1f, %.1f] score %.3f landmarks",
                x1,
                y1,
                x2,
                y2,
                score));
    for (int i = 0; i < POINTS; i++) {
      b.append(String.format(Locale.ROOT, " (%.1f, %.1f)", landmarkX(i), landmarkY(i)));
    }
    return b.toString();
  }
}
