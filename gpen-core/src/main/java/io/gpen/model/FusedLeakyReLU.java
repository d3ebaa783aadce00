package io.gpen.model;

import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import io.gpen.ops.FusedLeakyRelu;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** √2 · leaky_relu(x + bias, 0.2) with a learnable per-channel {@code bias}. */
public final class FusedLeakyReLU extends Module implements Layer {
  private final Tensor bias;

  public FusedLeakyReLU(int channels) {
    bias = registerParameter("bias", torch.zeros(channels));
  }

  public Tensor bias() {
    return bias;
  }

  @Override
  public Tensor forward(Tensor x) {
    return FusedLeakyRelu.apply(x, bias);
  }
}
