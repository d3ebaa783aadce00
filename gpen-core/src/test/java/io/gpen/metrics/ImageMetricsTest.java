package io.gpen.metrics;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.image.Images;
import java.util.Random;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

/** PSNR and SSIM against values worked out by hand and against a literal per-pixel SSIM. */
class ImageMetricsTest {
  private static final double C1 = 6.5025; // (0.01 * 255)^2
  private static final double C2 = 58.5225; // (0.03 * 255)^2

  @Test
  void psnrOfAUniformErrorOfTenLevels() {
    Mat a = new Mat(8, 8, CV_8UC3, new Scalar(100, 100, 100, 0));
    Mat b = new Mat(8, 8, CV_8UC3, new Scalar(110, 110, 110, 0));
    // MSE = 10^2 = 100, PSNR = 10 log10(65025 / 100) = 10 log10(650.25)
    assertEquals(28.130803608679102, Psnr.of(a, b), 1e-12);
  }

  @Test
  void psnrCountsEveryChannelOverTheFullRange() {
    // 2x2 pixels x 3 channels = 12 values; one differs by 255: MSE = 65025 / 12, PSNR = 10
    // log10(12)
    Mat a = new Mat(2, 2, CV_8UC3, new Scalar(0, 0, 0, 0));
    Mat b = a.clone();
    b.ptr(1, 0).put(2, (byte) 255);
    assertEquals(10.791812460476248, Psnr.of(a, b), 1e-12);
    // values below the middle of the range count as much as those above (no half-range clipping)
    Mat dark = new Mat(4, 4, CV_8UC1, new Scalar(10));
    Mat darker = new Mat(4, 4, CV_8UC1, new Scalar(0));
    Mat bright = new Mat(4, 4, CV_8UC1, new Scalar(250));
    Mat brighter = new Mat(4, 4, CV_8UC1, new Scalar(240));
    assertEquals(Psnr.of(bright, brighter), Psnr.of(dark, darker), 0);
    assertEquals(28.130803608679102, Psnr.of(dark, darker), 1e-12);
  }

  @Test
  void psnrIsTheSameInRgbAndBgrAndInfiniteForIdenticalImages() {
    Mat a = random(new Random(1), 13, 17, 3);
    Mat b = random(new Random(2), 13, 17, 3);
    assertEquals(Psnr.of(a, b), Psnr.of(Images.swapRedBlue(a), Images.swapRedBlue(b)), 1e-12);
    assertEquals(Double.POSITIVE_INFINITY, Psnr.of(a, a.clone()));
  }

  @Test
  void mismatchedImagesAreRejected() {
    Mat a = new Mat(16, 16, CV_8UC3, new Scalar(0, 0, 0, 0));
    Mat b = new Mat(16, 17, CV_8UC3, new Scalar(0, 0, 0, 0));
    Mat gray = new Mat(16, 16, CV_8UC1, new Scalar(0));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> Psnr.of(a, b))
            .getMessage()
            .contains("17x16x3"));
    assertThrows(IllegalArgumentException.class, () -> Ssim.of(a, gray));
    Mat small = new Mat(10, 12, CV_8UC1, new Scalar(0));
    assertThrows(IllegalArgumentException.class, () -> Ssim.of(small, small));
  }

  @Test
  void ssimOfTwoFlatImages() {
    // no variance: SSIM = (2ab + C1) / (a^2 + b^2 + C1) · (0 + C2) / (0 + C2)
    Mat a = new Mat(12, 15, CV_8UC3, new Scalar(100, 100, 100, 0));
    Mat b = new Mat(12, 15, CV_8UC3, new Scalar(110, 110, 110, 0));
    assertEquals((2 * 100 * 110 + C1) / (100 * 100 + 110 * 110 + C1), Ssim.of(a, b), 1e-12);
    assertEquals(1.0, Ssim.of(a, a.clone()), 1e-12);
  }

  @Test
  void ssimOfIdenticalImagesIsOne() {
    Mat a = random(new Random(3), 20, 24, 3);
    assertEquals(1.0, Ssim.of(a, a.clone()), 1e-12);
  }

  @Test
  void ssimMatchesALiteralComputation() {
    Random r = new Random(4);
    Mat a = random(r, 14, 19, 3);
    Mat b = similar(r, a, 40);
    double expected = literalSsim(a, b);
    assertEquals(expected, Ssim.of(a, b), 1e-10);
    assertTrue(expected > 0.2 && expected < 0.99, "a partial similarity: " + expected);
    // a single channel image goes through the same formula
    Mat a1 = random(r, 23, 11, 1);
    Mat b1 = similar(r, a1, 80);
    assertEquals(literalSsim(a1, b1), Ssim.of(a1, b1), 1e-10);
  }

  /**
   * SSIM as the formula reads, pixel by pixel: Gaussian weights exp(-d²/(2·1.5²)) normalised over
   * the 11×11 window, moments under the window at each position where it fits, the SSIM of each
   * position, then the mean over positions and channels.
   */
  private static double literalSsim(Mat a, Mat b) {
    double[] g = new double[11];
    double total = 0;
    for (int i = 0; i < 11; i++) {
      g[i] = Math.exp(-(i - 5) * (i - 5) / (2 * 1.5 * 1.5));
      total += g[i];
    }
    UByteIndexer ia = a.createIndexer();
    UByteIndexer ib = b.createIndexer();
    int channels = a.channels();
    double sum = 0;
    int positions = 0;
    for (int c = 0; c < channels; c++) {
      for (int y = 5; y < a.rows() - 5; y++) {
        for (int x = 5; x < a.cols() - 5; x++) {
          double mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
          for (int dy = -5; dy <= 5; dy++) {
            for (int dx = -5; dx <= 5; dx++) {
              double w = g[dy + 5] * g[dx + 5] / (total * total);
              double p = ia.get(y + dy, x + dx, c);
              double q = ib.get(y + dy, x + dx, c);
              mx += w * p;
              my += w * q;
              xx += w * p * p;
              yy += w * q * q;
              xy += w * p * q;
            }
          }
          double vx = xx - mx * mx;
          double vy = yy - my * my;
          double cxy = xy - mx * my;
          sum += (2 * mx * my + C1) * (2 * cxy + C2) / ((mx * mx + my * my + C1) * (vx + vy + C2));
          positions++;
        }
      }
    }
    return sum / positions;
  }

  @Test
  void meanAccumulatorLeavesInfiniteValuesOutOfTheMean() {
    MeanAccumulator psnr = new MeanAccumulator("PSNR");
    psnr.add(20);
    psnr.add(Double.POSITIVE_INFINITY);
    psnr.add(30);
    MetricResult r = psnr.result();
    assertEquals(25, r.value().getAsDouble(), 0);
    assertEquals(java.util.List.of(20.0, Double.POSITIVE_INFINITY, 30.0), r.perImage());
    assertEquals("PSNR: 25.0000 (mean of 2 images; 1 infinite value left out)", r.summary());

    MeanAccumulator same = new MeanAccumulator("PSNR");
    same.add(Double.POSITIVE_INFINITY);
    assertEquals(Double.POSITIVE_INFINITY, same.result().value().getAsDouble());

    MeanAccumulator empty = new MeanAccumulator("SSIM");
    assertTrue(empty.result().isSkipped());
    assertThrows(IllegalArgumentException.class, () -> empty.add(Double.NaN));
  }

  @Test
  void skippedResultsSayWhy() {
    MetricResult r = MetricResult.skipped("LPIPS", "no LPIPS weights given");
    assertTrue(r.isSkipped());
    assertEquals("LPIPS: skipped (no LPIPS weights given)", r.summary());
    assertEquals("FID: 12.3457 (2 sets)", MetricResult.ofSet("FID", 12.345678, "2 sets").summary());
  }

  static Mat random(Random r, int rows, int cols, int channels) {
    Mat m = new Mat(rows, cols, channels == 3 ? CV_8UC3 : CV_8UC1);
    UByteIndexer ix = m.createIndexer();
    for (int y = 0; y < rows; y++) {
      for (int x = 0; x < cols; x++) {
        for (int c = 0; c < channels; c++) {
          ix.put(y, x, c, r.nextInt(256));
        }
      }
    }
    return m;
  }

  /** {@code m} with uniform noise of ±{@code amount} levels, clipped to 0..255. */
  static Mat similar(Random r, Mat m, int amount) {
    Mat out = m.clone();
    UByteIndexer ix = out.createIndexer();
    for (int y = 0; y < m.rows(); y++) {
      for (int x = 0; x < m.cols(); x++) {
        for (int c = 0; c < m.channels(); c++) {
          int v = ix.get(y, x, c) + r.nextInt(2 * amount + 1) - amount;
          ix.put(y, x, c, Math.max(0, Math.min(255, v)));
        }
      }
    }
    return out;
  }
}
