package io.gpen.data;

import io.gpen.GpenException;

/**
 * The settings of the synthetic degradation (see {@link Degradation}): probabilities of the
 * ground-truth changes and the ranges the blur, downsampling, noise and JPEG parameters are drawn
 * from, uniformly.
 *
 * <p>{@link #REFERENCE} holds the values of the official training code ({@code GFPGAN_degradation}
 * in {@code training/data_loader/dataset_face.py}). The reference also has a colour jitter step
 * whose probability is 0, so it never runs; it is left out here.
 *
 * @param flipProb probability of a horizontal flip of the ground truth (and so of its degraded
 *     copy); the reference flips when {@code random() > 0.5}, which is 0.5
 * @param grayProb probability of turning the ground truth grey before degrading it
 * @param kernelSize side of the square blur kernel; odd
 * @param isoProb probability of an isotropic kernel ({@code σx = σy}, no rotation); the rest are
 *     anisotropic with a rotation drawn from [-π, π)
 * @param sigma range of the kernel's standard deviations, in pixels
 * @param downsample range of the downsampling factor; below 1 the image is enlarged
 * @param noise range of the Gaussian noise's standard deviation on the 0–255 scale
 * @param jpegQuality range of the JPEG quality; the drawn value is truncated to an integer
 */
public record DegradationConfig(
    double flipProb,
    double grayProb,
    int kernelSize,
    double isoProb,
    Range sigma,
    Range downsample,
    Range noise,
    Range jpegQuality) {

  /** The official training degradation. */
  public static final DegradationConfig REFERENCE =
      new DegradationConfig(
          0.5, 0.2, 41, 0.5, new Range(0.1, 10), new Range(0.8, 8), new Range(0, 20),
          new Range(60, 100));

  /**
   * A closed interval a parameter is drawn from uniformly; {@code min == max} fixes the value. The
   * configuration that holds it checks it, so that the message can name the setting.
   *
   * @param min lower end
   * @param max upper end, not below {@code min}
   */
  public record Range(double min, double max) {
    @Override
    public String toString() {
      return "[" + min + ", " + max + "]";
    }
  }

  /** Checks every setting; the message names the setting with its snake_case option name. */
  public DegradationConfig {
    probability("flip_prob", flipProb);
    probability("gray_prob", grayProb);
    probability("iso_prob", isoProb);
    if (kernelSize < 1 || kernelSize % 2 == 0 || kernelSize > 201) {
      throw new GpenException("degradation setting kernel_size must be odd, 1 to 201, got "
          + kernelSize);
    }
    require(sigma, "sigma", sigma != null && sigma.min() > 0, "must be above 0");
    require(downsample, "downsample", downsample != null && downsample.min() > 0,
        "must be above 0");
    require(noise, "noise", noise != null && noise.min() >= 0, "must not be negative");
    require(jpegQuality, "jpeg_quality",
        jpegQuality != null && jpegQuality.min() >= 0 && jpegQuality.max() <= 100,
        "must lie within [0, 100]");
  }

  private static void probability(String name, double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new GpenException("degradation setting " + name + " must be 0 to 1, got " + p);
    }
  }

  private static void require(Range r, String name, boolean ok, String what) {
    if (r == null) {
      throw new GpenException("degradation setting " + name + " is missing");
    }
    if (!Double.isFinite(r.min()) || !Double.isFinite(r.max()) || r.min() > r.max()) {
      throw new GpenException("degradation setting " + name
          + " must be two finite numbers, min <= max, got " + r);
    }
    if (!ok) {
      throw new GpenException("degradation setting " + name + " " + what + ", got " + r);
    }
  }

  /** This configuration with another flip probability. */
  public DegradationConfig withFlipProb(double p) {
    return new DegradationConfig(
        p, grayProb, kernelSize, isoProb, sigma, downsample, noise, jpegQuality);
  }

  /** This configuration with another grayscale probability. */
  public DegradationConfig withGrayProb(double p) {
    return new DegradationConfig(
        flipProb, p, kernelSize, isoProb, sigma, downsample, noise, jpegQuality);
  }
}
