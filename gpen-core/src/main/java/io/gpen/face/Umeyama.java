package io.gpen.face;

/**
 * Least-squares similarity transform between two point sets (Umeyama 1991, with scale), as {@code
 * _umeyama} of GPEN's {@code align_faces.py} and scikit-image compute it, for 2-D points.
 *
 * <p>In two dimensions the SVD of the 2×2 cross-covariance A has a closed form, used here: with p =
 * (a11 + a22)/2, q = (a21 − a12)/2, the rotation Umeyama's formula picks (U·diag(1, ±1)·Vᵀ, the
 * sign chosen so that it is a rotation, never a reflection) is the rotation by atan2(q, p), and
 * trace(S·d) in its scale is 2·√(p² + q²), whether det A is positive (σ1 + σ2) or negative (σ1 −
 * σ2). Mirrored point sets thus get the best proper similarity, as in the reference.
 */
public final class Umeyama {
  private Umeyama() {}

  /**
   * The similarity (rotation, uniform scale, translation) that maps {@code src} onto {@code dst}
   * with the least squared error, as a 2×3 matrix in row order {@code a, -b, tx, b, a, ty}.
   *
   * @param src points as {@code x0, y0, x1, y1, ...}
   * @param dst the same number of points
   * @throws IllegalArgumentException when fewer than two points are given, the counts differ, or
   *     the points do not determine a similarity (all source points equal, or no rotation fits at
   *     all)
   */
  public static double[] similarity(double[] src, double[] dst) {
    if (src.length != dst.length || src.length % 2 != 0 || src.length < 4) {
      throw new IllegalArgumentException(
          "need two equal sets of at least two 2-D points, got "
              + src.length
              + " and "
              + dst.length
              + " coordinates");
    }
    int n = src.length / 2;
    double sx = 0, sy = 0, dx = 0, dy = 0;
    for (int i = 0; i < n; i++) {
      sx += src[2 * i];
      sy += src[2 * i + 1];
      dx += dst[2 * i];
      dy += dst[2 * i + 1];
    }
    sx /= n;
    sy /= n;
    dx /= n;
    dy /= n;
    // A = dst_demeanᵀ · src_demean / n, and the variance of the source.
    double a11 = 0, a12 = 0, a21 = 0, a22 = 0, var = 0;
    for (int i = 0; i < n; i++) {
      double ux = src[2 * i] - sx;
      double uy = src[2 * i + 1] - sy;
      double vx = dst[2 * i] - dx;
      double vy = dst[2 * i + 1] - dy;
      a11 += vx * ux;
      a12 += vx * uy;
      a21 += vy * ux;
      a22 += vy * uy;
      var += ux * ux + uy * uy;
    }
    a11 /= n;
    a12 /= n;
    a21 /= n;
    a22 /= n;
    var /= n;
    double p = (a11 + a22) / 2;
    double q = (a21 - a12) / 2;
    double norm = Math.hypot(p, q);
    if (var == 0 || norm == 0) {
      throw new IllegalArgumentException("the points do not determine a similarity transform");
    }
    double scale = 2 * norm / var;
    double a = scale * p / norm;
    double b = scale * q / norm;
    return new double[] {a, -b, dx - (a * sx - b * sy), b, a, dy - (b * sx + a * sy)};
  }

  /** The inverse of a 2×3 affine matrix (row order), exactly as OpenCV's invertAffineTransform. */
  public static double[] invert(double[] m) {
    double det = m[0] * m[4] - m[1] * m[3];
    if (det == 0) {
      throw new IllegalArgumentException("the transform is not invertible");
    }
    double i00 = m[4] / det;
    double i01 = -m[1] / det;
    double i10 = -m[3] / det;
    double i11 = m[0] / det;
    return new double[] {i00, i01, -i00 * m[2] - i01 * m[5], i10, i11, -i10 * m[2] - i11 * m[5]};
  }

  /** Applies a 2×3 affine matrix to points {@code x0, y0, ...}; returns new points. */
  public static double[] apply(double[] m, double[] points) {
    double[] out = new double[points.length];
    for (int i = 0; i < points.length; i += 2) {
      out[i] = m[0] * points[i] + m[1] * points[i + 1] + m[2];
      out[i + 1] = m[3] * points[i] + m[4] * points[i + 1] + m[5];
    }
    return out;
  }
}
