package io.gpen.bench;

import io.gpen.nn.Precision;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * The arithmetic rate this machine reaches now, measured by a matrix product, the denominator of a
 * benchmark's "share of peak": measured in the same run rather than taken from a data sheet, so
 * that it counts the cores, clocks and kernels the model gets (and whatever else is running).
 *
 * <p>The product runs both as libtorch's {@code mm} and as a 1×1 convolution on channels-last
 * tensors, and the faster counts: {@code mm} of float32 goes to OpenBLAS, which runs on the calling
 * thread here (see {@code CpuThreads}) and measures one core, while the convolution takes oneDNN's
 * kernels on libtorch's threads as the model's convolutions do; in bfloat16 {@code mm} is oneDNN's
 * faster matrix product.
 */
public final class MatmulPeak {
  /**
   * The side of the square matrices: large enough for every core, small enough to take a second.
   */
  static final int SIDE = 2048;

  private static final int REPS = 3;

  private MatmulPeak() {}

  /**
   * GFLOP/s of a product of two {@value #SIDE}² matrices in {@code precision} on the threads
   * configured now: the best of {@value #REPS} products after one untimed.
   */
  public static double gflops(Precision precision) {
    try (PointerScope scope = new PointerScope();
        InferenceMode mode = new InferenceMode()) {
      Tensor a = torch.randn(SIDE, SIDE).to(precision.scalarType());
      Tensor b = torch.randn(SIDE, SIDE).to(precision.scalarType());
      // the same product as an image of SIDE pixels (32 × SIDE/32) with SIDE channels
      Tensor image =
          a.t().reshape(1, SIDE, 32, SIDE / 32).contiguous(torch.MemoryFormat.ChannelsLast);
      Tensor kernel = b.t().reshape(SIDE, SIDE, 1, 1).contiguous(torch.MemoryFormat.ChannelsLast);
      long best =
          Math.min(fastest(() -> torch.mm(a, b)), fastest(() -> convolution(image, kernel)));
      return 2.0 * SIDE * SIDE * SIDE / best;
    }
  }

  /** The shortest of {@value #REPS} runs after one untimed, in nanoseconds. */
  private static long fastest(java.util.function.Supplier<Tensor> product) {
    product.get();
    long best = Long.MAX_VALUE;
    for (int i = 0; i < REPS; i++) {
      try (PointerScope scope = new PointerScope()) {
        long t0 = System.nanoTime();
        product.get();
        best = Math.min(best, System.nanoTime() - t0);
      }
    }
    return best;
  }

  private static Tensor convolution(Tensor a, Tensor b) {
    long[] one = {1, 1};
    return torch.conv2d(a, b, new TensorOptional(), one, new long[] {0, 0}, one, 1);
  }
}
