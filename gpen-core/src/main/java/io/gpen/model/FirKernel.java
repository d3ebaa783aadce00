package io.gpen.model;

import io.gpen.nn.Tensors;
import org.bytedeco.pytorch.Tensor;

/** The reference {@code make_kernel}: the outer product of 1-D taps, normalised to sum 1. */
public final class FirKernel {
  /** The taps every GPEN model uses. */
  public static final int[] BLUR = {1, 3, 3, 1};

  private FirKernel() {}

  public static Tensor make(int[] taps) {
    int n = taps.length;
    float[] k = new float[n * n];
    double sum = 0;
    for (int t : taps) {
      sum += t;
    }
    // float32 as in the reference: outer product of the float taps, then division by the float sum
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        k[i * n + j] = (float) taps[i] * (float) taps[j] / (float) (sum * sum);
      }
    }
    return Tensors.fromFloats(k, n, n);
  }
}
