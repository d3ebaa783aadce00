package io.gpen.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import io.gpen.SharedData;
import io.gpen.checkpoint.Safetensors;
import io.gpen.nn.Tensors;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feature statistics and the Fréchet distance against closed forms and independent computations.
 */
class FrechetDistanceTest {
  private static final String LABEL = "test features";

  @TempDir Path dir;

  // Fixed feature matrices, also written in Python for the reference values below.
  static double[][] setA() {
    return matrix(12, 5, (i, j) -> Math.sin(0.37 * (i + 1) * (j + 2)) + 0.05 * j * Math.cos(i));
  }

  static double[][] setB() {
    return matrix(9, 5, (i, j) -> Math.cos(0.23 * (i + 2) * (j + 1)) * (1 + 0.1 * j) + 0.3);
  }

  /** 4 vectors in 6 dimensions: a covariance of rank 3. */
  static double[][] setC() {
    return matrix(4, 6, (i, j) -> Math.sin(0.5 * (i + 1) + 0.9 * j * j));
  }

  /** 5 vectors in 6 dimensions: a covariance of rank 4. */
  static double[][] setD() {
    return matrix(5, 6, (i, j) -> Math.cos(0.31 * (i + 1) * (j + 1)) + 0.2 * i);
  }

  /**
   * Reference values of the exact formula, computed with mpmath at 50 digits (means, np.cov-style
   * covariances, the eigenvalues of Σ₁Σ₂ by mp.eig, negative ones clamped). For comparison,
   * pytorch-fid's SciPy sqrtm route gives 1.374057754007386 for A–B and 4.400582869960536 for C–D,
   * where the product is singular (off by 1.7e-8).
   */
  private static final double FID_AB = 1.3740577540073830277;

  private static final double FID_CD = 4.4005828866703276572;

  @Test
  void matchesTheReferenceValues() {
    assertEquals(FID_AB, fid(setA(), setB()), 1e-12);
    assertEquals(FID_CD, fid(setC(), setD()), 1e-12);
  }

  @Test
  void matchesAnIndependentComputation() {
    assertEquals(independentFid(setA(), setB()), fid(setA(), setB()), 1e-12);
    assertEquals(independentFid(setC(), setD()), fid(setC(), setD()), 1e-12);
    assertEquals(independentFid(setD(), setA6()), fid(setD(), setA6()), 1e-12);
  }

  /** setA widened to 6 dimensions, to pair with setD. */
  private static double[][] setA6() {
    return matrix(12, 6, (i, j) -> Math.sin(0.37 * (i + 1) * (j + 2)) + 0.05 * j * Math.cos(i));
  }

  @Test
  void isSymmetric() {
    assertEquals(fid(setB(), setA()), fid(setA(), setB()), 1e-12);
    assertEquals(fid(setD(), setC()), fid(setC(), setD()), 1e-12);
  }

  @Test
  void commutingDiagonalCovariancesGiveTheClosedForm() {
    double[] mu1 = {1, 2, 3, 4};
    double[] mu2 = {0.5, 2, 5, 4};
    double[] var1 = {4, 1, 0.25, 9};
    double[] var2 = {1, 1, 1, 0};
    double expected = 0.25 + 4; // ‖μ1 − μ2‖²
    for (int i = 0; i < 4; i++) {
      expected += Math.pow(Math.sqrt(var1[i]) - Math.sqrt(var2[i]), 2);
    }
    double got =
        FrechetDistance.between(
            new FeatureStatistics(mu1, diagonal(var1), 10, LABEL),
            new FeatureStatistics(mu2, diagonal(var2), 10, LABEL));
    assertEquals(expected, got, 1e-12);
  }

  @Test
  void aSetAgainstItselfIsZero() {
    assertEquals(0, fid(setA(), setA()), 1e-12);
    assertEquals(0, fid(setC(), setC()), 1e-12);
    // Inception-like: non-negative features, fewer vectors than dimensions and more
    Random r = new Random(5);
    for (int n : new int[] {50, 300}) {
      double[][] x = matrix(n, 128, (i, j) -> Math.max(0, r.nextGaussian() * 0.5 + 0.2));
      double self = fid(x, x);
      assertEquals(0, self, 1e-9, n + " vectors: " + self);
    }
  }

  @Test
  void streamedStatisticsEqualTheTwoPassOnes() {
    // a large common offset defeats the sum-of-squares formula in double precision
    double[][] x = matrix(23, 7, (i, j) -> 1e6 + Math.sin(1.7 * i + 0.3 * j * j) * (1 + j));
    FeatureAccumulator acc = new FeatureAccumulator(7, LABEL);
    int[] batches = {1, 3, 7, 12};
    int row = 0;
    for (int b : batches) {
      add(acc, java.util.Arrays.copyOfRange(x, row, row + b));
      row += b;
    }
    FeatureStatistics s = acc.statistics();
    assertEquals(23, s.count());
    double[] mean = new double[7];
    for (double[] v : x) {
      for (int j = 0; j < 7; j++) {
        mean[j] += v[j] / 23;
      }
    }
    double[] cov = new double[49];
    for (double[] v : x) {
      for (int a = 0; a < 7; a++) {
        for (int b = 0; b < 7; b++) {
          cov[a * 7 + b] += (v[a] - mean[a]) * (v[b] - mean[b]) / 22;
        }
      }
    }
    assertArrayEquals(mean, s.mean(), 1e-9);
    assertArrayEquals(cov, s.covariance(), 1e-8);
  }

  @Test
  void statisticsNeedTwoVectors() {
    FeatureAccumulator acc = new FeatureAccumulator(5, LABEL);
    add(acc, new double[][] {{1, 2, 3, 4, 5}});
    assertTrue(
        assertThrows(GpenException.class, acc::statistics).getMessage().contains("at least 2"));
    assertThrows(IllegalArgumentException.class, () -> add(acc, new double[][] {{1, 2, 3}}));
  }

  @Test
  void statisticsOfDifferentFeaturesAreNotCompared() {
    FeatureStatistics a = stats(setA());
    FeatureStatistics b =
        new FeatureStatistics(a.mean(), a.covariance(), a.count(), "other features");
    assertThrows(GpenException.class, () -> FrechetDistance.between(a, b));
    assertThrows(GpenException.class, () -> FrechetDistance.between(stats(setA()), stats(setC())));
  }

  @Test
  void statisticsSurviveSavingAndLoading() {
    FeatureStatistics s = stats(setC());
    Path file = dir.resolve("ref.safetensors");
    s.save(file);
    FeatureStatistics back = FeatureStatistics.load(file);
    assertArrayEquals(s.mean(), back.mean(), 0);
    assertArrayEquals(s.covariance(), back.covariance(), 0);
    assertEquals(4, back.count());
    assertEquals(LABEL, back.features());
    assertEquals(0, FrechetDistance.between(s, back), 1e-12);
  }

  @Test
  void otherFilesAreNotStatistics() {
    Path weights = dir.resolve("weights.safetensors");
    Safetensors.write(
        weights, Map.of("mu", FeatureStatistics.float64(new double[] {1, 2}, 2)), Map.of());
    assertFailsNaming(
        weights, "not a feature statistics file", () -> FeatureStatistics.load(weights));
    Path floats = dir.resolve("floats.safetensors");
    Safetensors.write(
        floats,
        Map.of(
            "mu",
            io.gpen.checkpoint.TensorData.ofFloats(new long[] {1}, 1f),
            "sigma",
            io.gpen.checkpoint.TensorData.ofFloats(new long[] {1, 1}, 1f)),
        Map.of(Safetensors.FORMAT_KEY, FeatureStatistics.FORMAT, "count", "3"));
    assertFailsNaming(floats, "float64", () -> FeatureStatistics.load(floats));
    Path gpen = SharedData.require("golden/gpen64.pth");
    assertFailsNaming(gpen, "", () -> FeatureStatistics.load(gpen));
  }

  static void assertFailsNaming(Path file, String fragment, Executable action) {
    GpenException e = assertThrows(GpenException.class, action);
    String m = e.getMessage();
    assertTrue(m.startsWith(file + ": "), "names the file: " + m);
    assertTrue(m.contains(fragment), "mentions '" + fragment + "': " + m);
    assertFalse(m.contains("\n"), "one line: " + m);
  }

  // ---- helpers
  // -----------------------------------------------------------------------------------

  private static double fid(double[][] x, double[][] y) {
    return FrechetDistance.between(stats(x), stats(y));
  }

  private static FeatureStatistics stats(double[][] x) {
    FeatureAccumulator acc = new FeatureAccumulator(x[0].length, LABEL);
    add(acc, x);
    return acc.statistics();
  }

  private static void add(FeatureAccumulator acc, double[][] rows) {
    int d = rows[0].length;
    double[] flat = new double[rows.length * d];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, flat, i * d, d);
    }
    try (PointerScope scope = new PointerScope()) {
      Tensor t = Tensors.fromData(FeatureStatistics.float64(flat, rows.length, d));
      acc.add(t);
    }
  }

  static double[][] matrix(int rows, int cols, IntBinaryOperatorD f) {
    double[][] m = new double[rows][cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        m[i][j] = f.apply(i, j);
      }
    }
    return m;
  }

  @FunctionalInterface
  interface IntBinaryOperatorD {
    double apply(int i, int j);
  }

  private static double[] diagonal(double[] v) {
    double[] m = new double[v.length * v.length];
    for (int i = 0; i < v.length; i++) {
      m[i * v.length + i] = v[i];
    }
    return m;
  }

  /**
   * The FID by another route, in plain Java from the feature matrices: with the centred X₁ and X₂
   * scaled as B = X₁/√(n₁−1) and C = X₂/√(n₂−1), Σ₁ = BᵀB and Σ₂ = CᵀC, so the eigenvalues of Σ₁Σ₂
   * are the squared singular values of the small n₁×n₂ matrix BCᵀ and Tr((Σ₁Σ₂)^½) is the sum of
   * its singular values, found here by one-sided (Hestenes) Jacobi rotations.
   */
  private static double independentFid(double[][] x, double[][] y) {
    int d = x[0].length;
    double[][] b = centredScaled(x);
    double[][] c = centredScaled(y);
    double[][] m = new double[b.length][c.length];
    for (int i = 0; i < b.length; i++) {
      for (int j = 0; j < c.length; j++) {
        for (int p = 0; p < d; p++) {
          m[i][j] += b[i][p] * c[j][p];
        }
      }
    }
    double traceSqrt = 0;
    for (double sv : singularValues(m)) {
      traceSqrt += sv;
    }
    double[] m1 = colMeans(x);
    double[] m2 = colMeans(y);
    double meanTerm = 0;
    for (int p = 0; p < d; p++) {
      meanTerm += (m1[p] - m2[p]) * (m1[p] - m2[p]);
    }
    return meanTerm + squaredNorm(b) + squaredNorm(c) - 2 * traceSqrt;
  }

  private static double[][] centredScaled(double[][] x) {
    double[] mean = colMeans(x);
    double[][] out = new double[x.length][mean.length];
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < mean.length; j++) {
        out[i][j] = (x[i][j] - mean[j]) / Math.sqrt(x.length - 1);
      }
    }
    return out;
  }

  private static double squaredNorm(double[][] m) {
    double s = 0;
    for (double[] row : m) {
      for (double v : row) {
        s += v * v;
      }
    }
    return s;
  }

  private static double[] colMeans(double[][] x) {
    double[] m = new double[x[0].length];
    for (double[] v : x) {
      for (int j = 0; j < m.length; j++) {
        m[j] += v[j] / x.length;
      }
    }
    return m;
  }

  /**
   * Singular values of {@code m} (rows × cols) by one-sided Jacobi: rotate pairs of columns until
   * every pair is orthogonal; the column norms are then the singular values.
   */
  private static double[] singularValues(double[][] m) {
    int rows = m.length;
    int cols = m[0].length;
    double[][] a = new double[rows][];
    for (int i = 0; i < rows; i++) {
      a[i] = m[i].clone();
    }
    for (int sweep = 0; sweep < 60; sweep++) {
      boolean rotated = false;
      for (int p = 0; p < cols; p++) {
        for (int q = p + 1; q < cols; q++) {
          double alpha = 0, beta = 0, gamma = 0;
          for (int i = 0; i < rows; i++) {
            alpha += a[i][p] * a[i][p];
            beta += a[i][q] * a[i][q];
            gamma += a[i][p] * a[i][q];
          }
          if (Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta) || gamma == 0) {
            continue;
          }
          rotated = true;
          double zeta = (beta - alpha) / (2 * gamma);
          double t = Math.signum(zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
          if (zeta == 0) {
            t = 1;
          }
          double cos = 1 / Math.sqrt(1 + t * t);
          double sin = cos * t;
          for (int i = 0; i < rows; i++) {
            double ap = a[i][p];
            double aq = a[i][q];
            a[i][p] = cos * ap - sin * aq;
            a[i][q] = sin * ap + cos * aq;
          }
        }
      }
      if (!rotated) {
        break;
      }
    }
    double[] sv = new double[cols];
    for (int j = 0; j < cols; j++) {
      double s = 0;
      for (int i = 0; i < rows; i++) {
        s += a[i][j] * a[i][j];
      }
      sv[j] = Math.sqrt(s);
    }
    return sv;
  }
}
