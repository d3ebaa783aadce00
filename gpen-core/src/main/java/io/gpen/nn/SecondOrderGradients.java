package io.gpen.nn;

import java.util.function.Supplier;
import org.bytedeco.pytorch.global.torch;

/**
 * Runs the backward passes that differentiate a gradient (R1, path-length regularisation) with
 * libtorch's oneDNN backend switched off, so that their convolutions take libtorch's own kernels.
 *
 * <p>The double backward of a convolution computes the weight gradient as a convolution whose batch
 * is the input channels, whose channels are the batch (1 or 2 in training) and whose kernel is the
 * whole feature map; its input gradient runs transposed convolutions with the first-order gradients
 * as weights. On an AMD Zen 5 CPU, the AVX2 and AVX-512 kernels of the oneDNN bundled with libtorch
 * 2.10 (v3.7.1) return wrong values for such shapes: measured against float64 on 1,296 small
 * convolutions (1 to 64 channels, 1×1 and 3×3, batch 1 and 2, plain and channels-last), 371 of the
 * second-order gradients were off by 5% to 95% or NaN at AVX-512, 100 at AVX2 and none at SSE4.1.
 * In GPEN's training every R1 weight gradient of the discriminator's 1×1 convolution and every
 * path-length gradient through the ToRGB layers was 90–100% wrong, and the NaN cases made training
 * diverge depending on what memory earlier work left behind. libtorch's own kernels (the ones it
 * runs for float64 and without oneDNN) compute them to float32 rounding.
 *
 * <p>The switch is process-wide in libtorch: convolutions other threads run meanwhile take the same
 * kernels, which are correct but slower. Calls nest and may come from several threads; oneDNN is
 * switched back on when the last one ends.
 */
public final class SecondOrderGradients {
  private static int active;
  private static boolean wasEnabled;

  private SecondOrderGradients() {}

  /** Runs {@code backward} (a {@code torch.grad} through a graph made with create_graph). */
  public static <T> T compute(Supplier<T> backward) {
    enter();
    try {
      return backward.get();
    } finally {
      exit();
    }
  }

  private static synchronized void enter() {
    if (active++ == 0) {
      wasEnabled = torch.globalContext().userEnabledMkldnn();
      torch.globalContext().setUserEnabledMkldnn(false);
    }
  }

  private static synchronized void exit() {
    if (--active == 0) {
      torch.globalContext().setUserEnabledMkldnn(wasEnabled);
    }
  }
}
