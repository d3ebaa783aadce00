package io.gpen.parse;

import io.gpen.nn.BatchNorm;
import io.gpen.nn.Conv2d;
import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import io.gpen.nn.Stateless;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The {@code ConvLayer} of ParseNet's building blocks: an optional nearest ×2 upsampling, a
 * reflection pad of one pixel, a 3×3 convolution (stride 2 to go down), then optionally batch norm
 * and leaky ReLU (slope 0.2).
 *
 * <p>Names as in the reference: {@code conv2d.weight}, {@code conv2d.bias} (only without batch
 * norm: the reference drops the bias when a norm follows) and {@code norm.norm.*} (its {@code
 * NormLayer} wraps the {@code BatchNorm2d} as {@code norm}).
 */
final class ParseConvLayer extends Module implements Layer {
  /** Leaky ReLU slope of the reference's {@code ReluLayer('LeakyReLU')}. */
  static final double SLOPE = 0.2;

  /** How the layer changes the resolution. */
  enum Scale {
    NONE,
    DOWN,
    UP
  }

  private final Scale scale;
  private final Conv2d conv2d;
  private final NormLayer norm;
  private final Stateless relu;

  /**
   * @param normAndRelu batch norm after the convolution (and no bias in it)
   * @param relu leaky ReLU last (the reference uses it only together with batch norm)
   */
  ParseConvLayer(int in, int out, Scale scale, boolean normAndRelu, boolean relu) {
    this.scale = scale;
    // the padding is explicit (reflection), so the convolution itself pads nothing
    this.conv2d =
        registerModule(
            "conv2d", new Conv2d(in, out, 3, scale == Scale.DOWN ? 2 : 1, 0, 1, !normAndRelu));
    this.norm = normAndRelu ? registerModule("norm", new NormLayer(out)) : null;
    this.relu = relu ? Stateless.leakyReluInPlace(SLOPE) : null;
  }

  /** A plain convolution with bias: the stem, the shortcuts and both heads. */
  static ParseConvLayer plain(int in, int out, Scale scale) {
    return new ParseConvLayer(in, out, scale, false, false);
  }

  int inChannels() {
    return (int) conv2d.weight().size(1);
  }

  int outChannels() {
    return (int) conv2d.weight().size(0);
  }

  @Override
  public Tensor forward(Tensor x) {
    Tensor y = x;
    if (scale == Scale.UP) {
      // F.interpolate(scale_factor=2, mode='nearest'): source index floor(i / 2)
      y = torch.upsample_nearest2d(y, 2 * y.size(2), 2 * y.size(3));
    }
    y = conv2d.forward(torch.reflection_pad2d(y, 1, 1, 1, 1));
    if (norm != null) {
      y = norm.forward(y);
    }
    // the leaky ReLU works in place on a tensor this layer made, never on its input
    return relu != null ? relu.forward(y) : y;
  }

  /**
   * The reference's {@code NormLayer}: only a container, which puts the {@code .norm} in the names.
   */
  private static final class NormLayer extends Module implements Layer {
    private final BatchNorm norm;

    NormLayer(int channels) {
      norm = registerModule("norm", new BatchNorm(channels));
    }

    @Override
    public Tensor forward(Tensor x) {
      return norm.forward(x);
    }
  }
}
