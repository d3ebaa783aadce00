package io.gpen.ops;

import io.gpen.nn.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** The reference {@code fused_leaky_relu}: √2 · leaky_relu(x + bias[channel], 0.2). */
public final class FusedLeakyRelu {
  public static final double NEGATIVE_SLOPE = 0.2;
  public static final double SCALE = Math.sqrt(2.0);

  private FusedLeakyRelu() {}

  /**
   * @param bias one value per channel (dimension 1 of {@code x})
   */
  public static Tensor apply(Tensor x, Tensor bias) {
    long[] view = new long[(int) x.dim()];
    java.util.Arrays.fill(view, 1);
    view[1] = bias.size(0);
    Tensor biased = x.add(bias.view(view));
    return torch.leaky_relu(biased, Tensors.scalar(NEGATIVE_SLOPE)).mul(Tensors.scalar(SCALE));
  }
}
