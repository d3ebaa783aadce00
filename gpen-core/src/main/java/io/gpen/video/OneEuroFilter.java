package io.gpen.video;

/**
 * A One-Euro filter on a vector whose coordinates move together (a face's landmarks): each
 * coordinate's velocity is smoothed as the filter's authors do, and one speed, the root mean square
 * of those velocities divided by a scale, sets one cut-off for all coordinates. With an infinite
 * minimum cut-off it returns its input unchanged.
 */
final class OneEuroFilter {
  private final Smoothing settings;
  private double[] value;
  private double[] velocity;
  private double time;

  OneEuroFilter(Smoothing settings) {
    this.settings = settings;
  }

  /**
   * The filtered value of {@code x} observed at {@code seconds}; {@code scale} is the size that
   * speeds are measured in (speed = coordinates' change / scale / second).
   */
  double[] filter(double[] x, double seconds, double scale) {
    if (value == null || !settings.on()) {
      value = x.clone();
      velocity = new double[x.length];
      time = seconds;
      return value.clone();
    }
    double dt = seconds - time;
    if (!(dt > 0)) {
      return value.clone(); // the same instant (or out of order): nothing new to follow
    }
    double ad = alpha(Smoothing.DERIVATIVE_CUTOFF, dt);
    double squares = 0;
    for (int i = 0; i < x.length; i++) {
      velocity[i] += ad * ((x[i] - value[i]) / dt - velocity[i]);
      squares += velocity[i] * velocity[i];
    }
    double speed = Math.sqrt(squares / x.length) / scale;
    double a = alpha(settings.minCutoff() + settings.beta() * speed, dt);
    for (int i = 0; i < x.length; i++) {
      value[i] += a * (x[i] - value[i]);
    }
    time = seconds;
    return value.clone();
  }

  /**
   * The weight of a new sample in an exponential average with cut-off {@code hz} at step {@code
   * dt}.
   */
  private static double alpha(double hz, double dt) {
    double tau = 1 / (2 * Math.PI * hz);
    return 1 / (1 + tau / dt);
  }
}
