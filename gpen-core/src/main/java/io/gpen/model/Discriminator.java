package io.gpen.model;

import static io.gpen.model.Ops.dims;
import static io.gpen.model.Ops.scalar;

import io.gpen.GpenException;
import io.gpen.nn.Module;
import io.gpen.nn.Sequential;
import io.gpen.nn.Tensors;
import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The StyleGAN2 discriminator as GPEN uses it: a 1×1 input layer, residual downsampling blocks to
 * 4×4, a minibatch standard-deviation channel (over the whole batch, as the official code does
 * since 2022), a final convolution and two linear layers to one score per image.
 */
public final class Discriminator extends Module {
  private final int size;
  private final int channelMultiplier;
  private final double narrow;
  private final Sequential convs;
  private final ConvLayer finalConv;
  private final Sequential finalLinear;

  public Discriminator(int size, int channelMultiplier, double narrow) {
    if (size < GpenConfig.MIN_SIZE || size > GpenConfig.MAX_SIZE || Integer.bitCount(size) != 1) {
      throw new GpenException(
          "discriminator size must be a power of two from 64 to 2048, got " + size);
    }
    this.size = size;
    this.channelMultiplier = channelMultiplier;
    this.narrow = narrow;
    int[] blur = FirKernel.BLUR;
    convs = registerModule("convs", new Sequential());
    convs.add(new ConvLayer(3, ch(size), 1, false));
    int in = ch(size);
    for (int i = Channels.log2(size); i > 2; i--) {
      int out = ch(1 << (i - 1));
      convs.add(new ResBlock(in, out, blur));
      in = out;
    }
    finalConv = registerModule("final_conv", new ConvLayer(in + 1, ch(4), 3, false));
    finalLinear = registerModule("final_linear", new Sequential());
    finalLinear.add(new EqualLinear(ch(4) * 16, ch(4), 0, 1, true));
    finalLinear.add(new EqualLinear(ch(4), 1));
  }

  private int ch(int res) {
    return Channels.at(res, channelMultiplier, narrow);
  }

  public int size() {
    return size;
  }

  public int channelMultiplier() {
    return channelMultiplier;
  }

  public double narrow() {
    return narrow;
  }

  /** Text as the command line spells it. */
  public String describe() {
    return "size=" + size + " mul=" + channelMultiplier + " narrow=" + narrow;
  }

  /**
   * The batch the minibatch standard deviation is taken over, when it is larger than the images of
   * one call: in data-parallel training, the global batch spread over the ranks.
   */
  public interface WholeBatch {
    /** The features [B, C, H, W] of the whole batch, given those of this call's images. */
    Tensor features(Tensor local);

    /** Receives the standard-deviation feature computed from them, [1, 1, 1]. */
    void deviation(Tensor std);
  }

  /** Scores a batch of images [B,3,S,S] in [-1,1]: one logit per image, [B,1]. */
  public Tensor forward(Tensor x) {
    return forward(x, null);
  }

  /**
   * Scores as {@link #forward(Tensor)}, the minibatch standard deviation taken over {@code whole}'s
   * batch (null: over {@code x}).
   */
  public Tensor forward(Tensor x, WholeBatch whole) {
    long[] shape = Tensors.shape(x);
    if (shape.length != 4 || shape[1] != 3 || shape[2] != size || shape[3] != size) {
      throw new GpenException(
          "discriminator "
              + describe()
              + " expects input of shape [N, 3, "
              + size
              + ", "
              + size
              + "], got "
              + Arrays.toString(shape));
    }
    Tensor out = convs.forward(x);
    long batch = out.size(0);
    long c = out.size(1);
    long h = out.size(2);
    long w = out.size(3);
    // group = batch: the standard deviation over the whole batch, one feature
    Tensor all = whole == null ? out : whole.features(out);
    Tensor grouped = all.view(all.size(0), -1, 1, c, h, w);
    Tensor std = grouped.var(dims(0), false, false).add(scalar(1e-8)).sqrt();
    std = std.mean(dims(2, 3, 4), true, new org.bytedeco.pytorch.ScalarTypeOptional()).squeeze(2);
    if (whole != null) {
      whole.deviation(std);
    }
    std = std.repeat(batch, 1, h, w);
    out = torch.cat(new TensorVector(out, std), 1);
    out = finalConv.forward(out);
    return finalLinear.forward(out.view(batch, -1));
  }
}
