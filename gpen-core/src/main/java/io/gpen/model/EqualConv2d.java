package io.gpen.model;

import static io.gpen.model.Ops.dims;
import static io.gpen.model.Ops.scalar;

import io.gpen.nn.Convolutions;
import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Convolution with the equalised learning rate: weight ~ N(0,1) scaled by 1/√(in·k²) at run time.
 */
public final class EqualConv2d extends Module implements Layer {
  private final Tensor weight;
  private final Tensor bias;
  private final double scale;
  private final int stride;
  private final int padding;

  public EqualConv2d(int in, int out, int kernel, int stride, int padding, boolean bias) {
    this.weight = registerParameter("weight", torch.randn(out, in, kernel, kernel));
    this.bias = bias ? registerParameter("bias", torch.zeros(out)) : null;
    this.scale = 1.0 / Math.sqrt((double) in * kernel * kernel);
    this.stride = stride;
    this.padding = padding;
  }

  public Tensor weight() {
    return weight;
  }

  /** The bias, or null when the layer has none. */
  public Tensor bias() {
    return bias;
  }

  public double scale() {
    return scale;
  }

  public int stride() {
    return stride;
  }

  public int padding() {
    return padding;
  }

  @Override
  public Tensor forward(Tensor x) {
    return Convolutions.conv2d(
        x, weight.mul(scalar(scale)), bias, dims(stride, stride), dims(padding, padding), 1);
  }
}
