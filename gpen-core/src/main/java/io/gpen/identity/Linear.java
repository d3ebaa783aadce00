package io.gpen.identity;

import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** PyTorch's {@code nn.Linear(in, out)}: {@code weight} [out, in], {@code bias} [out]. */
final class Linear extends Module implements Layer {
  private final Tensor weight;
  private final Tensor bias;

  Linear(int in, int out) {
    this.weight =
        registerParameter("weight", torch.randn(out, in).mul_(new Scalar(1.0 / Math.sqrt(in))));
    this.bias = registerParameter("bias", torch.zeros(out));
  }

  @Override
  public Tensor forward(Tensor x) {
    return torch.linear(x, weight, new TensorOptional(bias));
  }
}
