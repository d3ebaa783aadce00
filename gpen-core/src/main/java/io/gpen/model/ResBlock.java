package io.gpen.model;

import static io.gpen.model.Ops.scalar;

import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * Discriminator residual block: two convolutions (the second downsampling) plus a 1×1 skip, over
 * √2.
 */
public final class ResBlock extends Module implements Layer {
  private final ConvLayer conv1;
  private final ConvLayer conv2;
  private final ConvLayer skip;

  public ResBlock(int in, int out, int[] blurTaps) {
    this.conv1 = registerModule("conv1", new ConvLayer(in, in, 3, false, blurTaps, true, true));
    this.conv2 = registerModule("conv2", new ConvLayer(in, out, 3, true, blurTaps, true, true));
    this.skip = registerModule("skip", new ConvLayer(in, out, 1, true, blurTaps, false, false));
  }

  @Override
  public Tensor forward(Tensor x) {
    Tensor out = conv2.forward(conv1.forward(x));
    return out.add(skip.forward(x)).div(scalar(Math.sqrt(2)));
  }
}
