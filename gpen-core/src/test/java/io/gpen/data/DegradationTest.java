package io.gpen.data;

import static org.bytedeco.opencv.global.opencv_core.CV_32FC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DegradationTest {
  private static final Degradation REFERENCE = new Degradation(DegradationConfig.REFERENCE);

  @TempDir static Path dir;

  private static Mat face;

  @BeforeAll
  static void loadFace() {
    Path folder = TestFaces.folder(dir.resolve("faces"), 1);
    face = FaceDataset.open(folder, 64).read(0);
  }

  // ---- kernel ----

  @Test
  void isotropicKernelSumsToOneAndIsSymmetric() {
    double[] k = Degradation.kernel(41, 3.7, 3.7, 0);
    assertEquals(1.0, Arrays.stream(k).sum(), 1e-12);
    for (int r = 0; r < 41; r++) {
      for (int c = 0; c < 41; c++) {
        double v = k[r * 41 + c];
        assertEquals(v, k[c * 41 + r], 1e-17, "transpose");
        assertEquals(v, k[r * 41 + (40 - c)], 1e-17, "mirror");
        assertTrue(v <= k[20 * 41 + 20], "centre is the peak");
      }
    }
    // exp(-(x² + y²) / (2σ²)) relative to the centre
    assertEquals(
        Math.exp(-(9 + 16) / (2 * 3.7 * 3.7)), k[(20 + 4) * 41 + 20 + 3] / k[20 * 41 + 20], 1e-12);
  }

  @Test
  void anisotropicKernelMatchesHandComputedValues() {
    double sx = 2;
    double sy = 5;
    double theta = Math.PI / 6;
    double[] k = Degradation.kernel(41, sx, sy, theta);
    assertEquals(1.0, Arrays.stream(k).sum(), 1e-12);
    double centre = k[20 * 41 + 20];
    // In the frame rotated by θ the exponent is u²/σx² + v²/σy², u = x cosθ + y sinθ,
    // v = −x sinθ + y cosθ; x is the column offset, y the row offset.
    int[][] points = {{3, 1}, {-2, 4}, {7, -6}, {0, 10}};
    for (int[] p : points) {
      double x = p[0];
      double y = p[1];
      double u = x * Math.cos(theta) + y * Math.sin(theta);
      double v = -x * Math.sin(theta) + y * Math.cos(theta);
      double expected = Math.exp(-0.5 * (u * u / (sx * sx) + v * v / (sy * sy)));
      double got = k[(20 + p[1]) * 41 + 20 + p[0]] / centre;
      assertEquals(expected, got, 1e-12, "at x=" + p[0] + " y=" + p[1]);
      double opposite = k[(20 - p[1]) * 41 + 20 - p[0]] / centre;
      assertEquals(got, opposite, 1e-15, "point symmetric");
    }
    assertNotEquals(
        k[(20 + 1) * 41 + 20 + 3], k[(20 + 1) * 41 + 20 - 3], "rotated: not mirror symmetric");

    // θ = 90°: σx lies along the rows, so a kernel with σx < σy is wide horizontally.
    double[] turned = Degradation.kernel(41, 1, 5, Math.PI / 2);
    double c = turned[20 * 41 + 20];
    assertEquals(Math.exp(-0.5 * 9 / 25), turned[20 * 41 + 23] / c, 1e-12);
    assertEquals(Math.exp(-0.5 * 9), turned[23 * 41 + 20] / c, 1e-12);
  }

  // ---- sizes, noise, JPEG ----

  @Test
  void downsampledSizeFollowsPythonFloorDivision() {
    assertEquals(21, Degradation.downsampled(64, 3));
    assertEquals(79, Degradation.downsampled(64, 0.8), "64 // 0.8 == 79.0 in Python");
    assertEquals(9, Degradation.downsampled(1, 0.1), "1 // 0.1 == 9.0 although 1 / 0.1 == 10.0");
    assertEquals(9, Degradation.downsampled(64, 6.4));
    assertEquals(10, Degradation.downsampled(7, 0.7));
    assertEquals(32, Degradation.downsampled(256, 8));
    assertEquals(1, Degradation.downsampled(5, 8), "never an empty image");
  }

  @Test
  void noiseHasTheDrawnStandardDeviationPerValue() {
    float[] px = new float[300_000];
    Arrays.fill(px, 0.5f);
    Degradation.addNoise(px, 20, 42);
    double sum = 0;
    double sq = 0;
    double cross = 0;
    for (int i = 0; i < px.length; i++) {
      double d = (px[i] - 0.5) * 255;
      sum += d;
      sq += d * d;
      if (i % 3 == 0) {
        cross += d * (px[i + 1] - 0.5) * 255;
      }
    }
    double mean = sum / px.length;
    double std = Math.sqrt(sq / px.length - mean * mean);
    assertEquals(0, mean, 0.15);
    assertEquals(20, std, 0.2);
    double correlation = cross / (px.length / 3.0) / (std * std);
    assertEquals(0, correlation, 0.02, "colour noise: channels independent");

    float[] again = new float[px.length];
    Arrays.fill(again, 0.5f);
    Degradation.addNoise(again, 20, 42);
    assertArrayEquals(px, again);
    Arrays.fill(again, 0.5f);
    Degradation.addNoise(again, 20, 43);
    assertFalse(Arrays.equals(px, again));
  }

  @Test
  void lowerJpegQualityGivesMoreError() {
    double q95 = errorWith(new Degradation.Params(false, false, 0.1, 0.1, 0, 1, 0, 95, 1));
    double q40 = errorWith(new Degradation.Params(false, false, 0.1, 0.1, 0, 1, 0, 40, 1));
    double q5 = errorWith(new Degradation.Params(false, false, 0.1, 0.1, 0, 1, 0, 5, 1));
    assertTrue(q95 > 0, "JPEG is lossy even at 95");
    assertTrue(q95 < q40 && q40 < q5, q95 + " < " + q40 + " < " + q5);
  }

  @Test
  void strongerBlurNoiseAndDownsamplingGiveMoreError() {
    double mild = errorWith(new Degradation.Params(false, false, 0.1, 0.1, 0, 1, 0, 95, 1));
    assertTrue(errorWith(new Degradation.Params(false, false, 3, 3, 0, 1, 0, 95, 1)) > mild);
    assertTrue(errorWith(new Degradation.Params(false, false, 0.1, 0.1, 0, 4, 0, 95, 1)) > mild);
    assertTrue(errorWith(new Degradation.Params(false, false, 0.1, 0.1, 0, 1, 20, 95, 1)) > mild);
  }

  private static double errorWith(Degradation.Params p) {
    try (Mat hq = Degradation.toFloat(face);
        Degradation.Pair pair = REFERENCE.apply(hq, p)) {
      float[] a = floats(pair.gt());
      float[] b = floats(pair.lq());
      assertArrayEquals(floats(hq), a, "no flip or grey: ground truth unchanged");
      double sum = 0;
      for (int i = 0; i < a.length; i++) {
        sum += Math.abs(a[i] - b[i]);
      }
      return sum / a.length;
    }
  }

  // ---- ground truth changes ----

  @Test
  void flipMirrorsBothGroundTruthAndDegradedImage() {
    try (Mat m = new Mat(64, 64, CV_32FC3, new Scalar(0.1, 0.1, 0.1, 0));
        Mat right = m.colRange(32, 64)) {
      right.put(new Scalar(0.9, 0.9, 0.9, 0));
      Degradation.Params flip = new Degradation.Params(true, false, 1, 1, 0, 2, 5, 90, 3);
      try (Degradation.Pair pair = REFERENCE.apply(m, flip);
          Mat mirrored = new Mat()) {
        opencv_core.flip(m, mirrored, 1);
        assertArrayEquals(floats(mirrored), floats(pair.gt()));
        float[] lq = floats(pair.lq());
        assertTrue(lq[(32 * 64 + 5) * 3] > 0.8f, "bright half now on the left");
        assertTrue(lq[(32 * 64 + 58) * 3] < 0.2f, "dark half now on the right");
      }
    }
  }

  @Test
  void grayscaleMakesEqualChannelsInTheGroundTruth() {
    Degradation.Params gray = new Degradation.Params(false, true, 1, 1, 0, 2, 0, 90, 3);
    try (Mat hq = Degradation.toFloat(face);
        Degradation.Pair pair = REFERENCE.apply(hq, gray)) {
      float[] in = floats(hq);
      float[] gt = floats(pair.gt());
      for (int i = 0; i < gt.length; i += 3) {
        assertEquals(gt[i], gt[i + 1]);
        assertEquals(gt[i], gt[i + 2]);
        double luma = 0.114 * in[i] + 0.587 * in[i + 1] + 0.299 * in[i + 2];
        assertEquals(luma, gt[i], 1e-4);
      }
      float[] lq = floats(pair.lq());
      double spread = 0;
      for (int i = 0; i < lq.length; i += 3) {
        spread = Math.max(spread, Math.abs(lq[i] - lq[i + 2]));
      }
      assertTrue(spread < 0.05, "without noise the degraded copy stays grey: " + spread);
    }
  }

  // ---- randomness ----

  @Test
  void drawIsAFunctionOfSeedEpochAndPosition() {
    assertEquals(REFERENCE.draw(100, 0, 5), REFERENCE.draw(100, 0, 5));
    assertNotEquals(REFERENCE.draw(100, 0, 5), REFERENCE.draw(101, 0, 5));
    assertNotEquals(REFERENCE.draw(100, 0, 5), REFERENCE.draw(100, 1, 5));
    assertNotEquals(REFERENCE.draw(100, 0, 5), REFERENCE.draw(100, 0, 6));
    try (Mat hq = Degradation.toFloat(face);
        Degradation.Pair a = REFERENCE.apply(hq, REFERENCE.draw(100, 0, 5));
        Degradation.Pair b = REFERENCE.apply(hq, REFERENCE.draw(100, 0, 5));
        Degradation.Pair c = REFERENCE.apply(hq, REFERENCE.draw(100, 0, 6))) {
      assertArrayEquals(floats(a.lq()), floats(b.lq()));
      assertArrayEquals(floats(a.gt()), floats(b.gt()));
      assertFalse(Arrays.equals(floats(a.lq()), floats(c.lq())));
    }
  }

  @Test
  void drawnParametersFollowTheConfiguration() {
    int n = 4000;
    int flips = 0;
    int grays = 0;
    int isos = 0;
    for (int i = 0; i < n; i++) {
      Degradation.Params p = REFERENCE.draw(7, 0, i);
      flips += p.flip() ? 1 : 0;
      grays += p.gray() ? 1 : 0;
      assertTrue(p.sigmaX() >= 0.1 && p.sigmaX() <= 10 && p.sigmaY() >= 0.1 && p.sigmaY() <= 10);
      if (p.sigmaX() == p.sigmaY() && p.theta() == 0) {
        isos++;
      } else {
        assertTrue(p.theta() >= -Math.PI && p.theta() < Math.PI);
      }
      assertTrue(p.scale() >= 0.8 && p.scale() <= 8);
      assertTrue(p.noiseSigma() >= 0 && p.noiseSigma() <= 20);
      assertTrue(p.jpegQuality() >= 60 && p.jpegQuality() <= 99, "int(U(60, 100))");
    }
    assertEquals(0.5, flips / (double) n, 0.03);
    assertEquals(0.2, grays / (double) n, 0.03);
    assertEquals(0.5, isos / (double) n, 0.03);

    DegradationConfig fixed =
        new DegradationConfig(
            0,
            0,
            41,
            1,
            new DegradationConfig.Range(2, 2),
            new DegradationConfig.Range(3, 3),
            new DegradationConfig.Range(0, 0),
            new DegradationConfig.Range(75, 75));
    for (int i = 0; i < 50; i++) {
      Degradation.Params p = new Degradation(fixed).draw(1, 2, i);
      assertFalse(p.flip() || p.gray());
      assertEquals(2, p.sigmaX());
      assertEquals(2, p.sigmaY());
      assertEquals(0, p.theta());
      assertEquals(3, p.scale());
      assertEquals(0, p.noiseSigma());
      assertEquals(75, p.jpegQuality());
    }
  }

  // ---- conversions and settings ----

  @Test
  void eightBitLevelsSurviveTheFloatRoundTrip() {
    try (Mat levels = new Mat(1, 256, CV_8UC3)) {
      BytePointer px = levels.data().capacity(768);
      for (int i = 0; i < 768; i++) {
        px.put(i, (byte) (i / 3));
      }
      try (Mat f = Degradation.toFloat(levels);
          Mat back = Degradation.toEightBit(f)) {
        float[] v = floats(f);
        for (int i = 0; i < 768; i++) {
          assertEquals((i / 3) / 255f, v[i]);
        }
        byte[] b = new byte[768];
        back.data().capacity(768).get(b);
        for (int i = 0; i < 768; i++) {
          assertEquals(i / 3, b[i] & 0xFF);
        }
      }
    }
  }

  @Test
  void badSettingsAreNamed() {
    GpenException e =
        assertThrows(GpenException.class, () -> DegradationConfig.REFERENCE.withFlipProb(1.5));
    assertTrue(e.getMessage().contains("flip_prob"), e.getMessage());
    e = assertThrows(GpenException.class, () -> DegradationConfig.REFERENCE.withGrayProb(-0.1));
    assertTrue(e.getMessage().contains("gray_prob"), e.getMessage());
    e =
        assertThrows(
            GpenException.class,
            () ->
                new DegradationConfig(
                    0,
                    0,
                    40,
                    0.5,
                    new DegradationConfig.Range(1, 2),
                    new DegradationConfig.Range(1, 2),
                    new DegradationConfig.Range(0, 1),
                    new DegradationConfig.Range(60, 100)));
    assertTrue(e.getMessage().contains("kernel_size"), e.getMessage());
    e =
        assertThrows(
            GpenException.class,
            () ->
                new DegradationConfig(
                    0,
                    0,
                    41,
                    0.5,
                    new DegradationConfig.Range(1, 2),
                    new DegradationConfig.Range(1, 2),
                    new DegradationConfig.Range(0, 1),
                    new DegradationConfig.Range(60, 101)));
    assertTrue(e.getMessage().contains("jpeg_quality"), e.getMessage());
    e =
        assertThrows(
            GpenException.class,
            () ->
                new DegradationConfig(
                    0,
                    0,
                    41,
                    0.5,
                    new DegradationConfig.Range(1, 2),
                    new DegradationConfig.Range(4, 2),
                    new DegradationConfig.Range(0, 1),
                    new DegradationConfig.Range(60, 100)));
    assertTrue(
        e.getMessage().contains("downsample must be two finite numbers, min <= max"),
        e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> REFERENCE.apply(face, REFERENCE.draw(1, 0, 0)),
        "8-bit input is refused: the pipeline works on [0, 1] floats");
  }

  static float[] floats(Mat m) {
    assertEquals(CV_32FC3, m.type());
    try (Mat dense = m.clone()) {
      float[] out = new float[m.rows() * m.cols() * 3];
      new FloatPointer(dense.data()).capacity(out.length).get(out);
      return out;
    }
  }
}
