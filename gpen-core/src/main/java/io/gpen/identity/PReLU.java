package io.gpen.identity;

import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * PyTorch's {@code nn.PReLU(channels)}: one learnt negative slope per channel, {@code weight} [C].
 */
final class PReLU extends Module implements Layer {
  private final Tensor weight;

  PReLU(int channels) {
    this.weight = registerParameter("weight", torch.zeros(channels).fill_(new Scalar(0.25)));
  }

  @Override
  public Tensor forward(Tensor x) {
    return torch.prelu(x, weight);
  }
}
