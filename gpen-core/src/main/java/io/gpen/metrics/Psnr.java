package io.gpen.metrics;

import static org.bytedeco.opencv.global.opencv_core.NORM_L2SQR;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Peak signal-to-noise ratio of 8-bit images over the full 0–255 range: 10·log10(255² / MSE), the
 * mean squared error taken over every pixel and channel (so BGR and RGB give the same value). An
 * image identical to its reference gives +∞, as scikit-image's {@code peak_signal_noise_ratio} and
 * BasicSR's {@code calculate_psnr} report it; {@link MeanAccumulator} leaves such values out of a
 * set's mean and says how many there were.
 */
public final class Psnr {
  /** The name results carry. */
  public static final String NAME = "PSNR";

  private Psnr() {}

  /**
   * PSNR in dB of {@code image} against {@code reference}.
   *
   * @param image an 8-bit image ({@code CV_8U}, any number of channels)
   * @param reference an image of the same size and type
   * @throws IllegalArgumentException where the images differ in size or type or are not 8-bit
   */
  public static double of(Mat image, Mat reference) {
    Images8.checkPair(image, reference, 1);
    double squared = opencv_core.norm(image, reference, NORM_L2SQR, new Mat());
    double mse = squared / ((double) image.total() * image.channels());
    return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / mse);
  }
}
