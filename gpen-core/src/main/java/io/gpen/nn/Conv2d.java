package io.gpen.nn;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * PyTorch's {@code nn.Conv2d}: {@code weight} [out, in/groups, kh, kw] and an optional {@code bias}
 * [out], with dilation 1. Weights start at zero (they come from a checkpoint); see {@link
 * #heNormal} for networks that are also used with random weights.
 */
public final class Conv2d extends Module implements Layer {
  private final Tensor weight;
  private final Tensor bias;
  private final long[] stride;
  private final long[] padding;
  private final int groups;

  /** A rectangular kernel, one stride, padding per axis, no groups. */
  public Conv2d(int in, int out, int kh, int kw, int stride, int padH, int padW, boolean bias) {
    this(in, out, kh, kw, stride, padH, padW, 1, bias);
  }

  /** A square kernel with the same padding on both axes. */
  public Conv2d(int in, int out, int kernel, int stride, int padding, int groups, boolean bias) {
    this(in, out, kernel, kernel, stride, padding, padding, groups, bias);
  }

  private Conv2d(
      int in, int out, int kh, int kw, int stride, int padH, int padW, int groups, boolean bias) {
    this.weight = registerParameter("weight", torch.zeros(out, in / groups, kh, kw));
    this.bias = bias ? registerParameter("bias", torch.zeros(out)) : null;
    this.stride = new long[] {stride, stride};
    this.padding = new long[] {padH, padW};
    this.groups = groups;
  }

  /** As the square-kernel constructor, with He-normal random weights (std √(2 / fan-in)). */
  public static Conv2d heNormal(
      int in, int out, int kernel, int stride, int padding, int groups, boolean bias) {
    Conv2d c = new Conv2d(in, out, kernel, stride, padding, groups, bias);
    fillHeNormal(c.weight, 1);
    return c;
  }

  /**
   * Fills a convolution weight [out, in/groups, kh, kw] in place with normal values of He
   * initialisation's deviation √(2 / fan-in), times {@code gain}, from libtorch's default
   * generator.
   */
  public static void fillHeNormal(Tensor weight, double gain) {
    double fanIn = (double) weight.size(1) * weight.size(2) * weight.size(3);
    // in place: the calls return the tensor itself, which its owner keeps
    try (NoGradGuard noGrad = new NoGradGuard();
        Scalar deviation = new Scalar(gain * Math.sqrt(2 / fanIn))) {
      weight.normal_().mul_(deviation);
    }
  }

  public Tensor weight() {
    return weight;
  }

  @Override
  public Tensor forward(Tensor x) {
    return Convolutions.conv2d(x, weight, bias, stride, padding, groups);
  }
}
