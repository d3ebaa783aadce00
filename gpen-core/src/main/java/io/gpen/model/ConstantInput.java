package io.gpen.model;

import io.gpen.nn.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** The learned 4×4 constant the decoder starts from, repeated over the batch. */
public final class ConstantInput extends Module {
  private final Tensor input;

  public ConstantInput(int channels) {
    this.input = registerParameter("input", torch.randn(1, channels, 4, 4));
  }

  public Tensor input() {
    return input;
  }

  public Tensor forward(long batch) {
    return input.repeat(batch, 1, 1, 1);
  }
}
