package io.gpen.model;

import io.gpen.nn.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * 1×1 modulated convolution to RGB (no demodulation) plus bias, added to the upsampled skip image.
 */
public final class ToRGB extends Module {
  private final Upsample upsample;
  private final ModulatedConv2d conv;
  private final Tensor bias;

  ToRGB(int in, int styleDim, boolean upsample, int[] blurTaps) {
    this.upsample = upsample ? registerModule("upsample", new Upsample(blurTaps)) : null;
    this.conv =
        registerModule("conv", new ModulatedConv2d(in, 3, 1, styleDim, false, false, blurTaps));
    this.bias = registerParameter("bias", torch.zeros(1, 3, 1, 1));
  }

  /** The skip upsampler, or null for the first ToRGB. */
  public Upsample upsample() {
    return upsample;
  }

  public ModulatedConv2d conv() {
    return conv;
  }

  public Tensor bias() {
    return bias;
  }

  /**
   * @param skip the previous resolution's image, or null
   */
  public Tensor forward(Tensor x, Tensor style, Tensor skip) {
    Tensor out = conv.forward(x, style).add(bias);
    if (skip != null) {
      out = out.add(upsample.forward(skip));
    }
    return out;
  }
}
