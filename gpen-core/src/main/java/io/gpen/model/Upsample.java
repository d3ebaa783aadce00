package io.gpen.model;

import static io.gpen.model.Ops.scalar;

import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import io.gpen.ops.Upfirdn2d;
import org.bytedeco.pytorch.Tensor;

/** 2× FIR upsampling of the RGB skip path: upfirdn2d(up=2, pad=(2,1)) with kernel·4. */
public final class Upsample extends Module implements Layer {
  private static final int FACTOR = 2;
  private final Tensor kernel;
  private final int pad0;
  private final int pad1;

  public Upsample(int[] taps) {
    this.kernel = registerBuffer("kernel", FirKernel.make(taps).mul(scalar(FACTOR * FACTOR)));
    int p = taps.length - FACTOR;
    // Python's floor division, as the reference: p is negative for a one-tap kernel
    this.pad0 = Math.floorDiv(p + 1, 2) + FACTOR - 1;
    this.pad1 = Math.floorDiv(p, 2);
  }

  public Tensor kernel() {
    return kernel;
  }

  /** The upsampling factor (zeros inserted between samples, plus one). */
  public int factor() {
    return FACTOR;
  }

  public int pad0() {
    return pad0;
  }

  public int pad1() {
    return pad1;
  }

  @Override
  public Tensor forward(Tensor x) {
    return Upfirdn2d.apply(x, kernel, FACTOR, 1, pad0, pad1);
  }
}
