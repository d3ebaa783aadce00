package io.gpen.model;

import static io.gpen.model.Ops.scalar;
import static io.gpen.model.Ops.some;

import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import io.gpen.ops.FusedLeakyRelu;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Linear layer with the equalised learning rate: weight ~ N(0,1)/lrMul stored, scaled by lrMul/√in
 * at run time; the bias is scaled by lrMul. With activation the bias goes into a fused leaky ReLU
 * instead of the matrix product.
 */
public final class EqualLinear extends Module implements Layer {
  private final Tensor weight;
  private final Tensor bias;
  private final double scale;
  private final double lrMul;
  private final boolean activate;

  EqualLinear(int in, int out, double biasInit, double lrMul, boolean activate) {
    this.weight = registerParameter("weight", torch.randn(out, in).div_(scalar(lrMul)));
    this.bias = registerParameter("bias", torch.zeros(out).fill_(scalar(biasInit)));
    this.scale = 1.0 / Math.sqrt(in) * lrMul;
    this.lrMul = lrMul;
    this.activate = activate;
  }

  EqualLinear(int in, int out) {
    this(in, out, 0, 1, false);
  }

  public Tensor weight() {
    return weight;
  }

  public Tensor bias() {
    return bias;
  }

  /** The factor applied to the stored weight at run time. */
  public double scale() {
    return scale;
  }

  public double lrMul() {
    return lrMul;
  }

  public boolean activate() {
    return activate;
  }

  @Override
  public Tensor forward(Tensor x) {
    Tensor w = weight.mul(scalar(scale));
    Tensor b = bias.mul(scalar(lrMul));
    if (activate) {
      return FusedLeakyRelu.apply(torch.linear(x, w), b);
    }
    return torch.linear(x, w, some(b));
  }
}
