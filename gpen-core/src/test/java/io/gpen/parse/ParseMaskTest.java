package io.gpen.parse;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_64F;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.image.Images;
import io.gpen.nn.Tensors;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** The steps of the paste mask on crafted logits, labels and regions. */
class ParseMaskTest {
  static final int N = ParseMask.PARSE_SIZE;

  /** Logits [1, 19, 1, 19] whose pixel i has class i as its clear maximum. */
  @Test
  void eachClassIsPastedOrNotAsTheReferenceColourMap() {
    float[] v = new float[19 * 19];
    for (int c = 0; c < 19; c++) {
      for (int i = 0; i < 19; i++) {
        v[c * 19 + i] = c == i ? 5f : -(c + i) * 0.1f;
      }
    }
    Tensor logits = Tensors.fromFloats(v, 1, 19, 1, 19);
    try (Mat labels = ParseMask.labels(logits);
        Mat region = ParseMask.faceRegion(labels)) {
      assertEquals(CV_8U, labels.type());
      assertEquals(CV_64F, region.type());
      double[] got = doubles(region);
      for (int i = 0; i < 19; i++) {
        assertEquals(i, labels.ptr(0, i).get() & 0xff);
        // background 0, hat 14 and cloth 18 are not pasted; skin ... neck (1-13, 15-17) are
        double expected = i == 0 || i == 14 || i == 18 ? 0 : 1;
        assertEquals(expected, got[i], "class " + i);
      }
    }
    logits.close();
    assertFalse(ParseMask.isPasted(19));
    assertFalse(ParseMask.isPasted(255));
    assertFalse(ParseMask.isPasted(-1));
  }

  @Test
  void tiesGoToTheFirstClassAsTorchArgmax() {
    float[] v = new float[19 * 2];
    v[3 * 2] = 1f; // pixel 0: classes 3 and 5 tie
    v[5 * 2] = 1f;
    // pixel 1: every class 0: class 0
    Tensor logits = Tensors.fromFloats(v, 19, 1, 2);
    try (Mat labels = ParseMask.labels(logits)) {
      assertEquals(3, labels.ptr(0, 0).get());
      assertEquals(0, labels.ptr(0, 1).get());
    }
    logits.close();
  }

  @Test
  void borderOf26IsZeroedAndNarrowMasksClearCompletely() {
    try (Mat m = ones(N, N)) {
      ParseMask.zeroBorder(m, ParseMask.BORDER);
      double[] d = doubles(m);
      for (int y = 0; y < N; y++) {
        for (int x = 0; x < N; x++) {
          boolean inside = y >= 26 && y < N - 26 && x >= 26 && x < N - 26;
          assertEquals(inside ? 1.0 : 0.0, d[y * N + x], "pixel " + x + "," + y);
        }
      }
    }
    // mask[:26] = 0 and mask[-26:] = 0 cover a mask of 40 rows entirely
    try (Mat m = ones(40, 60)) {
      ParseMask.zeroBorder(m, ParseMask.BORDER);
      assertEquals(0.0, opencv_core.sumElems(m).get(0));
    }
  }

  /** An impulse blurred twice is the outer product of the 1-D Gaussian convolved with itself. */
  @Test
  void blurIsTwoGaussians101WideWithSigma4() {
    double[] g = gaussian(ParseMask.BLUR_KERNEL, ParseMask.BLUR_SIGMA);
    double[] gg = convolve(g, g);
    try (Mat m = new Mat(N, N, CV_64F, Scalar.all(0))) {
      m.ptr(256, 256).putDouble(0, 1.0);
      ParseMask.blur(m);
      double[] d = doubles(m);
      double worst = 0;
      for (int y = 0; y < N; y++) {
        for (int x = 0; x < N; x++) {
          int dy = y - 256 + 100;
          int dx = x - 256 + 100;
          double expected =
              dy >= 0 && dy < gg.length && dx >= 0 && dx < gg.length ? gg[dy] * gg[dx] : 0;
          worst = Math.max(worst, Math.abs(d[y * N + x] - expected));
        }
      }
      assertTrue(worst < 1e-12, "blurred impulse differs by " + worst);
    }
  }

  /**
   * The whole post-processing of a region of ones: along the middle row it is the 0/1 step of the
   * zeroed border convolved twice with the Gaussian, then rounded to float; resizing to 256 is
   * OpenCV's bilinear resize of the 512 mask.
   */
  @Test
  void postprocessIsBorderThenBlurThenFloatThenResize() {
    double[] g = gaussian(ParseMask.BLUR_KERNEL, ParseMask.BLUR_SIGMA);
    double[] step = new double[N];
    for (int x = 26; x < N - 26; x++) {
      step[x] = 1;
    }
    double[] row = convolveSame(convolveSame(step, g), g);
    try (Mat region = ones(N, N);
        Mat mask = ParseMask.postprocess(region, N)) {
      assertEquals(CV_32F, mask.type());
      assertEquals(1.0, doubles(region)[0], "the region is not modified");
      float[] f = floats(mask);
      for (int x = 0; x < N; x++) {
        assertEquals((float) row[x], f[256 * N + x], 1e-7, "column " + x);
        assertEquals(f[256 * N + x], f[x * N + 256], "symmetric at " + x);
      }
      assertEquals(1f, f[256 * N + 256]);
      assertTrue(f[0] < 1e-9, "corner " + f[0]);
      try (Mat small = ParseMask.postprocess(region, 256);
          Mat resized = Images.resize(mask, 256, 256, opencv_imgproc.INTER_LINEAR)) {
        assertEquals(256, small.rows());
        assertEquals(256, small.cols());
        assertArrayEquals(floats(resized), floats(small));
      }
    }
  }

  @Test
  void labelsGiveTheRegionsMask() {
    try (Mat background = new Mat(N, N, CV_8U, Scalar.all(0));
        Mat mask = ParseMask.fromLabels(background, 512)) {
      assertEquals(0.0, opencv_core.sumElems(mask).get(0));
    }
    try (Mat skin = new Mat(N, N, CV_8U, Scalar.all(1));
        Mat ones = ones(N, N);
        Mat a = ParseMask.fromLabels(skin, 256);
        Mat b = ParseMask.postprocess(ones, 256)) {
      assertArrayEquals(floats(b), floats(a));
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  static Mat ones(int h, int w) {
    return new Mat(h, w, CV_64F, Scalar.all(1));
  }

  static double[] doubles(Mat m) {
    double[] out = new double[m.rows() * m.cols()];
    DoubleBuffer b = m.createBuffer();
    b.get(out);
    return out;
  }

  static float[] floats(Mat m) {
    float[] out = new float[m.rows() * m.cols()];
    FloatBuffer b = m.createBuffer();
    b.get(out);
    return out;
  }

  /** OpenCV's getGaussianKernel for σ > 0: exp(-x² / 2σ²) around the centre, normalised. */
  static double[] gaussian(int n, double sigma) {
    double[] k = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double x = i - (n - 1) * 0.5;
      k[i] = Math.exp(-x * x / (2 * sigma * sigma));
      sum += k[i];
    }
    for (int i = 0; i < n; i++) {
      k[i] /= sum;
    }
    return k;
  }

  static double[] convolve(double[] a, double[] b) {
    double[] out = new double[a.length + b.length - 1];
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < b.length; j++) {
        out[i + j] += a[i] * b[j];
      }
    }
    return out;
  }

  /** Centred convolution with OpenCV's default border (reflect-101). */
  static double[] convolveSame(double[] a, double[] k) {
    int n = a.length;
    int r = k.length / 2;
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      double s = 0;
      for (int j = -r; j <= r; j++) {
        int p = i + j;
        p = p < 0 ? -p : (p >= n ? 2 * (n - 1) - p : p);
        s += a[p] * k[j + r];
      }
      out[i] = s;
    }
    return out;
  }
}
