package io.gpen.sr;

import io.gpen.nn.Conv2d;
import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * ESRGAN's residual dense block: five 3×3 convolutions ({@code conv1..conv5}), each seeing the
 * block input and every earlier output concatenated, leaky ReLU 0.2 after the first four, and the
 * result scaled by 0.2 and added to the input.
 */
final class ResidualDenseBlock extends Module implements Layer {
  static final double SLOPE = 0.2;
  static final double RESIDUAL_SCALE = 0.2;

  private final Conv2d[] convs = new Conv2d[5];

  ResidualDenseBlock(int numFeat, int numGrowCh) {
    for (int i = 0; i < 4; i++) {
      convs[i] =
          registerModule(
              "conv" + (i + 1), new Conv2d(numFeat + i * numGrowCh, numGrowCh, 3, 1, 1, 1, true));
    }
    convs[4] =
        registerModule("conv5", new Conv2d(numFeat + 4 * numGrowCh, numFeat, 3, 1, 1, 1, true));
  }

  @Override
  public Tensor forward(Tensor x) {
    TensorVector seen = new TensorVector(x);
    for (int i = 0; i < 4; i++) {
      Tensor in = i == 0 ? x : torch.cat(seen, 1);
      seen.push_back(torch.leaky_relu_(convs[i].forward(in), new Scalar(SLOPE)));
    }
    Tensor x5 = convs[4].forward(torch.cat(seen, 1));
    // x5 * 0.2 + x: two roundings, as the reference (no fused multiply-add)
    return x5.mul_(new Scalar(RESIDUAL_SCALE)).add_(x);
  }
}
