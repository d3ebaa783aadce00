package io.gpen.data;

import static io.gpen.data.DegradationSettings.DOWNSAMPLE;
import static io.gpen.data.DegradationSettings.FLIP_PROB;
import static io.gpen.data.DegradationSettings.GRAY_PROB;
import static io.gpen.data.DegradationSettings.ISO_PROB;
import static io.gpen.data.DegradationSettings.JPEG_QUALITY;
import static io.gpen.data.DegradationSettings.KERNEL_SIZE;
import static io.gpen.data.DegradationSettings.NOISE;
import static io.gpen.data.DegradationSettings.SIGMA;

import io.gpen.settings.SettingException;

/**
 * The settings of the synthetic degradation (see {@link Degradation}): probabilities of the
 * ground-truth changes and the ranges the blur, downsampling, noise and JPEG parameters are drawn
 * from, uniformly.
 *
 * <p>{@link #REFERENCE} holds the values of the official training code ({@code GFPGAN_degradation}
 * in {@code training/data_loader/dataset_face.py}), the defaults of {@link DegradationSettings},
 * which also holds the allowed values. The reference also has a colour jitter step whose
 * probability is 0, so it never runs; it is left out here.
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
          FLIP_PROB.defaultValue(),
          GRAY_PROB.defaultValue(),
          KERNEL_SIZE.defaultValue(),
          ISO_PROB.defaultValue(),
          SIGMA.defaultValue(),
          DOWNSAMPLE.defaultValue(),
          NOISE.defaultValue(),
          JPEG_QUALITY.defaultValue());

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

  /**
   * Checks every setting against {@link DegradationSettings}.
   *
   * @throws SettingException naming the setting ({@code degradation setting sigma ...})
   */
  public DegradationConfig {
    FLIP_PROB.check(flipProb);
    GRAY_PROB.check(grayProb);
    KERNEL_SIZE.check(kernelSize);
    ISO_PROB.check(isoProb);
    SIGMA.check(sigma);
    DOWNSAMPLE.check(downsample);
    NOISE.check(noise);
    JPEG_QUALITY.check(jpegQuality);
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
