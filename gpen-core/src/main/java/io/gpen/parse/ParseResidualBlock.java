package io.gpen.parse;

import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import io.gpen.parse.ParseConvLayer.Scale;
import org.bytedeco.pytorch.Tensor;

/**
 * ParseNet's {@code ResidualBlock}: {@code shortcut(x) + conv2(conv1(x))}, where {@code conv1} has
 * batch norm and leaky ReLU and {@code conv2} batch norm only. Going down, {@code conv2} has the
 * stride; going up, {@code conv1} upsamples. The shortcut is a plain convolution with the same
 * change of resolution, or the identity where neither the resolution nor the channels change (then
 * the block has no {@code shortcut_func} tensors).
 */
final class ParseResidualBlock extends Module implements Layer {
  private final ParseConvLayer shortcut;
  private final ParseConvLayer conv1;
  private final ParseConvLayer conv2;

  ParseResidualBlock(int in, int out, Scale scale) {
    boolean identity = scale == Scale.NONE && in == out;
    shortcut =
        identity ? null : registerModule("shortcut_func", ParseConvLayer.plain(in, out, scale));
    conv1 =
        registerModule(
            "conv1",
            new ParseConvLayer(in, out, scale == Scale.UP ? Scale.UP : Scale.NONE, true, true));
    conv2 =
        registerModule(
            "conv2",
            new ParseConvLayer(
                out, out, scale == Scale.DOWN ? Scale.DOWN : Scale.NONE, true, false));
  }

  int outChannels() {
    return conv2.outChannels();
  }

  @Override
  public Tensor forward(Tensor x) {
    Tensor res = conv2.forward(conv1.forward(x));
    // identity + res, summed into the block's own fresh tensor (never into x)
    return res.add_(shortcut == null ? x : shortcut.forward(x));
  }
}
