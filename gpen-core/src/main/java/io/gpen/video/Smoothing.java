package io.gpen.video;

import io.gpen.BadParameter;

/**
 * How a face track's landmarks are smoothed over time: a One-Euro filter (Casiez, Roussel and
 * Vogel, CHI 2012), an exponential average whose cut-off frequency rises with the speed of the
 * face, so that a still face is steadied strongly and a moving one followed without lag.
 *
 * <p>The filter runs on all ten landmark coordinates and the box together, with one cut-off for the
 * whole face (the shape is averaged, never distorted), and measures speed in face sizes per second
 * (the square root of the box's area), so that the same settings fit any resolution.
 *
 * @param minCutoff the cut-off frequency of a still face, in Hz (lower: steadier); {@code
 *     Double.POSITIVE_INFINITY} passes the landmarks through unchanged ({@link #OFF})
 * @param beta how fast the cut-off rises with speed, in Hz per face size per second (higher: less
 *     lag on moving faces)
 */
public record Smoothing(double minCutoff, double beta) {
  /**
   * The defaults: 1 Hz at rest, plus 5 Hz per face size per second. On a still 100 px face whose
   * landmarks are detected with 2 px of noise at 25 fps this cuts the frame-to-frame change of the
   * landmarks to a fifth, and it lags less than 2 px behind a face crossing half its size a second
   * ({@code FaceTrackerTest}).
   */
  public static final Smoothing DEFAULT = new Smoothing(1.0, 5.0);

  /** No smoothing: each frame's landmarks as detected. */
  public static final Smoothing OFF = new Smoothing(Double.POSITIVE_INFINITY, 0);

  /** The cut-off of the filter on the speed itself, in Hz (the value the filter's authors use). */
  static final double DERIVATIVE_CUTOFF = 1.0;

  public Smoothing {
    if (!(minCutoff > 0)) {
      throw BadParameter.of("minCutoff", "must be above 0 Hz, got " + minCutoff);
    }
    if (!(beta >= 0) || Double.isInfinite(beta)) {
      throw BadParameter.of("beta", "must be at least 0, got " + beta);
    }
  }

  /** Whether landmarks are smoothed at all. */
  public boolean on() {
    return Double.isFinite(minCutoff);
  }
}
