package io.gpen.metrics;

import static org.bytedeco.opencv.global.opencv_core.CV_64F;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * Structural similarity (Wang et al. 2004) of 8-bit images over the full 0–255 range, as BasicSR's
 * {@code calculate_ssim} (crop_border 0, all channels) computes it: local statistics under an 11×11
 * Gaussian window of σ 1.5, C1 = (0.01·255)², C2 = (0.03·255)², population (not sample) variances,
 * the SSIM map kept where the window fits inside the image ("valid", 5 pixels from each border),
 * its mean taken per channel and the channel means averaged. This equals scikit-image's {@code
 * structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
 * data_range=255, channel_axis=-1)}, which filters the whole image and crops the same 5 pixels.
 * Computed in double precision with OpenCV.
 */
public final class Ssim {
  /** The name results carry. */
  public static final String NAME = "SSIM";

  private static final int WINDOW = 11;
  private static final double SIGMA = 1.5;
  private static final double C1 = Math.pow(0.01 * 255, 2);
  private static final double C2 = Math.pow(0.03 * 255, 2);

  private Ssim() {}

  /**
   * SSIM of {@code image} against {@code reference}, in [-1, 1], 1 for identical images.
   *
   * @param image an 8-bit image ({@code CV_8U}, any number of channels), at least 11×11
   * @param reference an image of the same size and type
   * @throws IllegalArgumentException where the images differ in size or type, are not 8-bit or are
   *     smaller than the window
   */
  public static double of(Mat image, Mat reference) {
    Images8.checkPair(image, reference, WINDOW);
    try (PointerScope scope = new PointerScope()) {
      Mat x = new Mat();
      Mat y = new Mat();
      image.convertTo(x, CV_64F);
      reference.convertTo(y, CV_64F);
      Mat kernel = opencv_imgproc.getGaussianKernel(WINDOW, SIGMA, CV_64F);
      Rect valid =
          new Rect(WINDOW / 2, WINDOW / 2, x.cols() - (WINDOW - 1), x.rows() - (WINDOW - 1));
      Mat mu1 = local(x, kernel, valid);
      Mat mu2 = local(y, kernel, valid);
      Mat mu11 = times(mu1, mu1);
      Mat mu22 = times(mu2, mu2);
      Mat mu12 = times(mu1, mu2);
      Mat var1 = minus(local(times(x, x), kernel, valid), mu11);
      Mat var2 = minus(local(times(y, y), kernel, valid), mu22);
      Mat cov = minus(local(times(x, y), kernel, valid), mu12);
      Mat numerator = times(affine(mu12, 2, C1), affine(cov, 2, C2));
      Mat denominator = times(affine(plus(mu11, mu22), 1, C1), affine(plus(var1, var2), 1, C2));
      Mat map = new Mat();
      opencv_core.divide(numerator, denominator, map);
      Scalar means = opencv_core.mean(map);
      double sum = 0;
      for (int c = 0; c < map.channels(); c++) {
        sum += means.get(c);
      }
      return sum / map.channels();
    }
  }

  /** The Gaussian-weighted local mean of {@code m}, on the valid region. */
  private static Mat local(Mat m, Mat kernel, Rect valid) {
    Mat out = new Mat();
    opencv_imgproc.sepFilter2D(m, out, CV_64F, kernel, kernel);
    return new Mat(out, valid);
  }

  private static Mat times(Mat a, Mat b) {
    Mat out = new Mat();
    opencv_core.multiply(a, b, out);
    return out;
  }

  private static Mat plus(Mat a, Mat b) {
    Mat out = new Mat();
    opencv_core.add(a, b, out);
    return out;
  }

  private static Mat minus(Mat a, Mat b) {
    Mat out = new Mat();
    opencv_core.subtract(a, b, out);
    return out;
  }

  /** scale·m + offset. */
  private static Mat affine(Mat m, double scale, double offset) {
    Mat out = new Mat();
    m.convertTo(out, -1, scale, offset);
    return out;
  }
}
