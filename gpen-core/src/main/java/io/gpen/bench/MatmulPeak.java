package io.gpen.bench;

import io.gpen.nn.Precision;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The arithmetic rate this machine reaches now, measured by a matrix product, the denominator of
 * a benchmark's "share of peak": measured in the same run rather than taken from a data sheet, so
 * that it counts the cores, clocks and kernels the model gets (and whatever else is running).
 */
public final class MatmulPeak {
  /** The side of the square matrices: large enough for every core, small enough to take a second. */
  static final int SIDE = 2048;

  private static final int REPS = 3;

  private MatmulPeak() {}

  /**
   * GFLOP/s of libtorch's {@code mm} of two {@value #SIDE}² matrices in {@code precision} on the
   * threads configured now: the best of {@value #REPS} products after one untimed.
   */
  public static double gflops(Precision precision) {
    try (PointerScope scope = new PointerScope();
        InferenceMode mode = new InferenceMode()) {
      Tensor a = torch.randn(SIDE, SIDE).to(precision.scalarType());
      Tensor b = torch.randn(SIDE, SIDE).to(precision.scalarType());
      torch.mm(a, b);
      long best = Long.MAX_VALUE;
      for (int i = 0; i < REPS; i++) {
        try (PointerScope product = new PointerScope()) {
          long t0 = System.nanoTime();
          torch.mm(a, b);
          best = Math.min(best, System.nanoTime() - t0);
        }
      }
      return 2.0 * SIDE * SIDE * SIDE / best;
    }
  }
}
