package io.gpen.sr;

import io.gpen.GpenException;
import io.gpen.checkpoint.Checkpoints;
import io.gpen.checkpoint.StateDict;
import io.gpen.checkpoint.TensorData;
import io.gpen.nn.Conv2d;
import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import io.gpen.nn.Sequential;
import java.nio.file.Path;
import java.util.Set;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * ESRGAN's {@code RRDBNet} as GPEN's {@code sr_model/rrdbnet_arch.py} (Real-ESRGAN's version, with
 * ×2 and ×1 by pixel-unshuffle): {@code conv_first}, a trunk of {@link Rrdb} blocks ({@code body})
 * closed by {@code conv_body} and added to its input, two nearest ×2 upsamplings each followed by a
 * convolution and leaky ReLU ({@code conv_up1}, {@code conv_up2}), then {@code conv_hr}, leaky ReLU
 * and {@code conv_last}. The trunk always upsamples ×4: for ×2 the input is first pixel-unshuffled
 * by 2 (12 channels), for ×1 by 4 (48 channels), so those inputs' sides must divide by 2 or 4.
 *
 * <p>Input and output are RGB in [0, 1] (the output is not clamped here).
 */
public final class RrdbNet extends Module implements Layer {
  static final double SLOPE = 0.2;

  /** Image channels in and out. */
  static final int CHANNELS = 3;

  private static final String DATA_PARALLEL_PREFIX = "module.";

  private final Layout layout;
  private final Conv2d convFirst;
  private final Sequential body;
  private final Conv2d convBody;
  private final Conv2d convUp1;
  private final Conv2d convUp2;
  private final Conv2d convHr;
  private final Conv2d convLast;

  /**
   * The constructor arguments of {@code RRDBNet(3, 3, scale, num_feat, num_block, num_grow_ch)}.
   * The official {@code realesrnet_x{1,2,4}.pth} use 32, 23, 32.
   */
  public record Layout(int scale, int numFeat, int numBlock, int numGrowCh) {
    public Layout {
      if (!isScale(scale)) {
        throw new IllegalArgumentException("RRDBNet scale must be 1, 2 or 4, got " + scale);
      }
      if (numFeat < 1 || numGrowCh < 1 || numBlock < 0) {
        throw new IllegalArgumentException("feature and growth channels must be positive: " + this);
      }
    }

    /** Whether an RRDBNet can enlarge by {@code scale}: 1, 2 or 4. */
    public static boolean isScale(int scale) {
      return scale == 1 || scale == 2 || scale == 4;
    }

    /** The layout of the official {@code realesrnet_x<scale>.pth}. */
    public static Layout realEsrNet(int scale) {
      return new Layout(scale, 32, 23, 32);
    }

    /** The side of the pixel-unshuffle before the trunk: 4 for ×1, 2 for ×2, 1 (none) for ×4. */
    public int unshuffle() {
      return 4 / scale;
    }

    /**
     * The layout of the RRDBNet whose tensors {@code sd} holds: the scale from {@code conv_first}'s
     * input channels (3 for ×4, 12 for ×2, 48 for ×1), the features from its output channels, the
     * blocks by counting {@code body.<i>}, the growth channels from {@code body.0.rdb1.conv1}. The
     * other shapes are checked when the tensors are loaded.
     *
     * @throws GpenException naming the file where {@code sd} is not an RRDBNet state dict
     */
    public static Layout of(StateDict sd) {
      TensorData first = sd.get("conv_first.weight");
      if (first == null || !sd.contains("conv_last.weight")) {
        throw new GpenException(
            sd.source()
                + ": "
                + sd.description()
                + " is not an RRDBNet (Real-ESRNet)"
                + " super-resolution network (no conv_first.weight or conv_last.weight; expected the tensors of"
                + " realesrnet_x1/x2/x4.pth, under params_ema)");
      }
      long[] s = shape4(sd, "conv_first.weight");
      int scale =
          switch ((int) s[1]) {
            case CHANNELS -> 4;
            case CHANNELS * 4 -> 2;
            case CHANNELS * 16 -> 1;
            default ->
                throw new GpenException(
                    sd.source()
                        + ": conv_first.weight has "
                        + s[1]
                        + " input channels; an RRDBNet of 3-channel images has 3 (x4), 12 (x2) or 48 (x1)");
          };
      int blocks = 0;
      while (sd.contains("body." + blocks + ".rdb1.conv1.weight")) {
        blocks++;
      }
      int grow = blocks == 0 ? 32 : (int) shape4(sd, "body.0.rdb1.conv1.weight")[0];
      return new Layout(scale, (int) s[0], blocks, grow);
    }

    private static long[] shape4(StateDict sd, String name) {
      TensorData t = sd.get(name);
      if (t.dim() != 4) {
        throw new GpenException(
            sd.source()
                + ": "
                + name
                + " has shape "
                + t.shapeString()
                + ", not that of a convolution weight [out, in, 3, 3]");
      }
      return t.shape();
    }
  }

  /** A network of the given layout with zero weights (they come from a checkpoint). */
  public RrdbNet(Layout layout) {
    this.layout = layout;
    int f = layout.numFeat();
    int u = layout.unshuffle();
    convFirst = registerModule("conv_first", conv(CHANNELS * u * u, f));
    body = registerModule("body", new Sequential());
    for (int i = 0; i < layout.numBlock(); i++) {
      body.add(new Rrdb(f, layout.numGrowCh()));
    }
    convBody = registerModule("conv_body", conv(f, f));
    convUp1 = registerModule("conv_up1", conv(f, f));
    convUp2 = registerModule("conv_up2", conv(f, f));
    convHr = registerModule("conv_hr", conv(f, f));
    convLast = registerModule("conv_last", conv(f, CHANNELS));
    requiresGrad(false);
  }

  /**
   * Loads an RRDBNet state dict, such as GPEN's {@code realesrnet_x1/x2/x4.pth} (saved as {@code
   * {'params_ema': state_dict}}): any format {@link Checkpoints} reads, a training checkpoint
   * giving its {@code params_ema} (else its only state dict), a {@code module.} prefix on every
   * name dropped. Scale, features, blocks and growth channels are read from the tensors ({@link
   * Layout#of}); loading is strict. The network is on the CPU, frozen.
   *
   * @throws GpenException naming the file when it cannot be read, holds no RRDBNet, or its tensors
   *     do not fit the network they describe (one line listing what is missing, unexpected or
   *     mis-shaped)
   */
  public static RrdbNet load(Path weights) {
    StateDict sd = Checkpoints.read(weights).withoutCommonPrefix(DATA_PARALLEL_PREFIX);
    RrdbNet net = new RrdbNet(Layout.of(sd));
    try {
      net.loadStateDict(sd, net.describe(), Set.of());
    } catch (RuntimeException e) {
      net.close();
      throw e;
    }
    return net;
  }

  /** E.g. "RRDBNet x2 (32 features, 23 blocks, growth 32)". */
  public String describe() {
    return "RRDBNet x"
        + layout.scale()
        + " ("
        + layout.numFeat()
        + " features, "
        + layout.numBlock()
        + " blocks, growth "
        + layout.numGrowCh()
        + ")";
  }

  private static Conv2d conv(int in, int out) {
    return new Conv2d(in, out, 3, 1, 1, 1, true);
  }

  public Layout layout() {
    return layout;
  }

  public int scale() {
    return layout.scale();
  }

  /**
   * Super-resolves {@code x} [N, 3, H, W] (RGB in [0, 1]; H and W divisible by {@link
   * Layout#unshuffle()}) to [N, 3, H·scale, W·scale], unclamped.
   */
  @Override
  public Tensor forward(Tensor x) {
    int u = layout.unshuffle();
    if (x.size(2) % u != 0 || x.size(3) % u != 0) {
      throw new IllegalArgumentException(
          "RRDBNet x"
              + layout.scale()
              + " needs sides divisible by "
              + u
              + ", got "
              + x.size(2)
              + "x"
              + x.size(3));
    }
    Tensor feat = convFirst.forward(u == 1 ? x : torch.pixel_unshuffle(x, u));
    // the trunk block by block, each one's activations freed once the next has consumed them
    Tensor trunk = feat;
    for (Layer block : body.layers()) {
      Tensor next = Scopes.forwardFreeing(block, trunk);
      if (trunk != feat) {
        Scopes.drop(trunk);
      }
      trunk = next;
    }
    feat = convBody.forward(trunk).add_(feat);
    feat = lrelu(convUp1.forward(up2(feat)));
    feat = lrelu(convUp2.forward(up2(feat)));
    return convLast.forward(lrelu(convHr.forward(feat)));
  }

  /** F.interpolate(scale_factor=2, mode='nearest'). */
  private static Tensor up2(Tensor x) {
    return torch.upsample_nearest2d(x, 2 * x.size(2), 2 * x.size(3));
  }

  private static Tensor lrelu(Tensor x) {
    return torch.leaky_relu_(x, new Scalar(SLOPE));
  }
}
