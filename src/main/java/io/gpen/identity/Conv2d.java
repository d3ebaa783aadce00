package io.gpen.identity;

import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * PyTorch's {@code nn.Conv2d} with square kernels: {@code weight} [out, in/groups, k, k] and an
 * optional {@code bias} [out]. The random initialisation (He normal) only matters before weights
 * are loaded.
 */
final class Conv2d extends Module implements Layer {
  private final Tensor weight;
  private final Tensor bias;
  private final long[] stride;
  private final long[] padding;
  private final int groups;

  Conv2d(int in, int out, int kernel, int stride, int padding, int groups, boolean bias) {
    int fanIn = in / groups * kernel * kernel;
    this.weight = registerParameter(
        "weight", torch.randn(out, in / groups, kernel, kernel).mul_(new Scalar(Math.sqrt(2.0 / fanIn))));
    this.bias = bias ? registerParameter("bias", torch.zeros(out)) : null;
    this.stride = new long[] {stride, stride};
    this.padding = new long[] {padding, padding};
    this.groups = groups;
  }

  /** A convolution without bias and without groups. */
  static Conv2d plain(int in, int out, int kernel, int stride, int padding) {
    return new Conv2d(in, out, kernel, stride, padding, 1, false);
  }

  @Override
  public Tensor forward(Tensor x) {
    return torch.conv2d(
        x, weight, bias == null ? new TensorOptional() : new TensorOptional(bias),
        stride, padding, new long[] {1, 1}, groups);
  }
}
