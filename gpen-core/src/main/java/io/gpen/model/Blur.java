package io.gpen.model;

import static io.gpen.model.Ops.scalar;

import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import io.gpen.ops.Upfirdn2d;
import org.bytedeco.pytorch.Tensor;

/** FIR low-pass filter with explicit padding: the reference {@code Blur}. */
public final class Blur extends Module implements Layer {
  private final Tensor kernel;
  private final int pad0;
  private final int pad1;

  /**
   * @param upsampleFactor the kernel is multiplied by its square, as after a strided transposed
   *     conv
   */
  public Blur(int[] taps, int pad0, int pad1, int upsampleFactor) {
    Tensor k = FirKernel.make(taps);
    if (upsampleFactor > 1) {
      k = k.mul(scalar((double) upsampleFactor * upsampleFactor));
    }
    this.kernel = registerBuffer("kernel", k);
    this.pad0 = pad0;
    this.pad1 = pad1;
  }

  public Tensor kernel() {
    return kernel;
  }

  public int pad0() {
    return pad0;
  }

  public int pad1() {
    return pad1;
  }

  @Override
  public Tensor forward(Tensor x) {
    return Upfirdn2d.apply(x, kernel, 1, 1, pad0, pad1);
  }
}
