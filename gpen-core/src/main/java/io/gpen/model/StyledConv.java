package io.gpen.model;

import io.gpen.nn.Module;
import org.bytedeco.pytorch.Tensor;

/** Modulated convolution, then the encoder feature injected as noise, then a fused leaky ReLU. */
public final class StyledConv extends Module {
  private final ModulatedConv2d conv;
  private final NoiseInjection noise;
  private final FusedLeakyReLU activate;

  StyledConv(
      int in,
      int out,
      int kernel,
      int styleDim,
      boolean upsample,
      int[] blurTaps,
      boolean isConcat) {
    this.conv =
        registerModule(
            "conv", new ModulatedConv2d(in, out, kernel, styleDim, true, upsample, blurTaps));
    this.noise = registerModule("noise", new NoiseInjection(isConcat));
    this.activate = registerModule("activate", new FusedLeakyReLU(isConcat ? 2 * out : out));
  }

  public ModulatedConv2d conv() {
    return conv;
  }

  public NoiseInjection noise() {
    return noise;
  }

  public FusedLeakyReLU activate() {
    return activate;
  }

  public Tensor forward(Tensor x, Tensor style, Tensor noiseInput) {
    return activate.forward(noise.forward(conv.forward(x, style), noiseInput));
  }
}
