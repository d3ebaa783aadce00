package io.gpen.metrics;

import static org.bytedeco.opencv.global.opencv_core.CV_8U;

import org.bytedeco.opencv.opencv_core.Mat;

/** Checks shared by the full-reference metrics of 8-bit images. */
final class Images8 {
  private Images8() {}

  /** Fails unless both are non-empty 8-bit images of one size and type, at least min×min. */
  static void checkPair(Mat image, Mat reference, int min) {
    if (image.empty()
        || reference.empty()
        || image.depth() != CV_8U
        || reference.depth() != CV_8U) {
      throw new IllegalArgumentException("images must be non-empty 8-bit matrices");
    }
    if (image.rows() != reference.rows()
        || image.cols() != reference.cols()
        || image.channels() != reference.channels()) {
      throw new IllegalArgumentException(
          "image " + describe(image) + " and reference " + describe(reference) + " differ in size");
    }
    if (image.rows() < min || image.cols() < min) {
      throw new IllegalArgumentException(
          "images must be at least " + min + "x" + min + ", got " + describe(image));
    }
  }

  private static String describe(Mat m) {
    return m.cols() + "x" + m.rows() + "x" + m.channels();
  }
}
