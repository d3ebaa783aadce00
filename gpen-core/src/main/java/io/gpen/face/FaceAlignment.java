package io.gpen.face;

import static org.bytedeco.opencv.global.opencv_core.BORDER_CONSTANT;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.warpAffine;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * GPEN's face alignment ({@code warp_and_crop_face} of {@code align_faces.py}): the similarity that
 * takes the five detected landmarks onto the {@link FaceTemplate} of the crop size, and a bilinear
 * warp with a black border. (The reference passes flags=3, INTER_AREA, which OpenCV's warpAffine
 * runs as bilinear.)
 */
public final class FaceAlignment {
  private FaceAlignment() {}

  /**
   * The 2×3 matrix (row order) from photo coordinates to a size×size aligned crop of {@code face}.
   *
   * @throws IllegalArgumentException when the landmarks do not determine a similarity
   */
  public static double[] transform(DetectedFace face, int size) {
    return Umeyama.similarity(face.landmarks(), FaceTemplate.forSize(size));
  }

  /**
   * The size×size crop of {@code image} under {@code matrix} (bilinear, outside the photo black).
   */
  public static Mat crop(Mat image, double[] matrix, int size) {
    return warp(image, matrix, size, size);
  }

  /** {@code src} warped by a 2×3 matrix into a new width×height image, bilinear, black border. */
  static Mat warp(Mat src, double[] matrix, int width, int height) {
    Mat out = new Mat();
    try (DoublePointer values = new DoublePointer(matrix);
        Mat m = new Mat(2, 3, opencv_core.CV_64F, values);
        Size size = new Size(width, height);
        Scalar black = new Scalar(0, 0, 0, 0)) {
      warpAffine(src, out, m, size, INTER_LINEAR, BORDER_CONSTANT, black);
    }
    return out;
  }
}
