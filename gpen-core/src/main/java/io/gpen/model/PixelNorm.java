package io.gpen.model;

import static io.gpen.model.Ops.scalar;

import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;

/** x · rsqrt(mean(x², dim 1) + 1e-8): normalises each latent vector. */
public final class PixelNorm extends Module implements Layer {
  /** Added to the mean square before the square root. */
  public static final double EPS = 1e-8;

  @Override
  public Tensor forward(Tensor x) {
    Tensor meanSq = x.pow(scalar(2)).mean(new long[] {1}, true, new ScalarTypeOptional());
    return x.mul(meanSq.add(scalar(EPS)).rsqrt());
  }
}
