package io.gpen.metrics;

import io.gpen.GpenException;
import io.gpen.nn.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The Fréchet distance between two Gaussians, the FID of two feature sets: ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂
 * − 2·(Σ₁Σ₂)^½).
 *
 * <p>Only the trace of (Σ₁Σ₂)^½ is needed, and no general matrix square root is formed. Each
 * covariance is factored by a symmetric eigendecomposition, Σ₁ = BBᵀ with B = V₁Λ₁^½ and Σ₂ = CCᵀ
 * likewise; the eigenvalues of Σ₁Σ₂ are then the squared singular values of BᵀC, so the trace is
 * the sum of those singular values. Eigenvalues at or below d·ε·λ_max (the rank cut-off of NumPy's
 * {@code matrix_rank}) count as zero. All in double precision through LAPACK.
 *
 * <p>Why: pytorch-fid takes SciPy's {@code sqrtm} of the non-symmetric product (adding 1e-6·I when
 * it fails), and any route through the eigenvalues of a product turns the rounding noise ε of its
 * zero eigenvalues into errors of √ε. Covariances of fewer images than feature dimensions are
 * singular, so this matters for FID: on a 6-d example of rank 3 the SciPy route is off by 2e-8,
 * this one by 1e-15.
 */
public final class FrechetDistance {
  /** The name results carry. */
  public static final String NAME = "FID";

  private FrechetDistance() {}

  /**
   * The Fréchet distance between the Gaussians of {@code a} and {@code b}.
   *
   * @throws GpenException where the statistics are of different features or sizes
   */
  public static double between(FeatureStatistics a, FeatureStatistics b) {
    if (a.dims() != b.dims() || !a.features().equals(b.features())) {
      throw new GpenException(
          "cannot compare feature statistics of different features: "
              + a.dims()
              + "-d '"
              + a.features()
              + "' and "
              + b.dims()
              + "-d '"
              + b.features()
              + "'");
    }
    double[] m1 = a.meanView();
    double[] m2 = b.meanView();
    double meanTerm = 0;
    for (int i = 0; i < m1.length; i++) {
      double d = m1[i] - m2[i];
      meanTerm += d * d;
    }
    return meanTerm + traceTerm(a.covarianceView(), b.covarianceView(), a.dims());
  }

  /** Tr(Σ₁ + Σ₂ − 2·(Σ₁Σ₂)^½). */
  private static double traceTerm(double[] cov1, double[] cov2, int d) {
    try (PointerScope scope = new PointerScope()) {
      Tensor s1 = Tensors.fromData(FeatureStatistics.float64(cov1, d, d));
      Tensor s2 = Tensors.fromData(FeatureStatistics.float64(cov2, d, d));
      Tensor b = factor(s1, d);
      Tensor c = factor(s2, d);
      double traceSqrt =
          b.size(1) == 0 || c.size(1) == 0
              ? 0
              : torch.linalg_svdvals(b.t().mm(c)).sum().item_double();
      return s1.trace().item_double() + s2.trace().item_double() - 2 * traceSqrt;
    }
  }

  /**
   * F with Σ = FFᵀ: the eigenvectors scaled by the roots of their eigenvalues, [d, r], only the r
   * eigenvalues above the cut-off kept. Dropping the others (zero columns) changes no singular
   * value of BᵀC but its size: for n &lt; d images it is at most (n−1)×(n−1), not d×d, and its SVD,
   * otherwise the slowest step, takes no time.
   */
  private static Tensor factor(Tensor sigma, int d) {
    T_TensorTensor_T eig = torch.linalg_eigh(sigma);
    Tensor values = eig.get0();
    double cutoff = d * Math.ulp(1.0) * Math.max(0, values.max().item_double());
    // eigh gives the eigenvalues in ascending order, so the kept ones are the last r
    long r = values.gt(new Scalar(cutoff)).sum().item_long();
    return eig.get1().narrow(1, d - r, r).mul(values.narrow(0, d - r, r).sqrt());
  }
}
