package io.gpen.parse;

import io.gpen.GpenException;
import io.gpen.checkpoint.Checkpoints;
import io.gpen.checkpoint.StateDict;
import io.gpen.checkpoint.TensorData;
import io.gpen.nn.Module;
import io.gpen.nn.Sequential;
import io.gpen.parse.ParseConvLayer.Scale;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;

/**
 * GPEN's face parser, {@code ParseNet} of {@code face_parse/parse_model.py} (from PSFRGAN;
 * facexlib's {@code parsing/parsenet.py} is the same network): a plain 3×3 stem, residual blocks
 * that halve the resolution ({@code encoder.1..}), residual blocks at the lowest resolution ({@code
 * body}, added to their input), residual blocks that double it ({@code decoder}), and two plain 3×3
 * heads: {@code out_mask_conv} (19 parsing classes) and {@code out_img_conv} (an RGB image). Every
 * convolution pads by reflection; the blocks use batch norm and leaky ReLU 0.2.
 *
 * <p>The network is fully convolutional: the constructor's sizes only fix how many blocks go down
 * and up, and any input whose sides divide by 2<sup>down steps</sup> runs. Its shape is a {@link
 * Layout}, built from the reference's constructor arguments ({@link Layout#official}) or read from
 * a state dict's tensors ({@link Layout#of(StateDict)}).
 *
 * <p>Evaluation mode only: batch norm uses the running statistics.
 */
public final class ParseNet extends Module {
  /** The output channels of the image head (RGB). */
  static final int IMAGE_CHANNELS = 3;

  private static final String DATA_PARALLEL_PREFIX = "module.";

  private final Layout layout;
  private final Sequential encoder;
  private final Sequential body;
  private final Sequential decoder;
  private final ParseConvLayer outImgConv;
  private final ParseConvLayer outMaskConv;

  /** What {@link #forward} gives: the two heads, in the reference's order. */
  public record Output(Tensor mask, Tensor image) {}

  /**
   * The channels of each part of a ParseNet.
   *
   * @param baseChannels output channels of the stem {@code encoder.0}
   * @param encoderChannels output channels of each down block {@code encoder.1, encoder.2, ...}
   * @param bodyDepth how many blocks {@code body} has (the reference's {@code res_depth})
   * @param decoderChannels output channels of each up block {@code decoder.0, decoder.1, ...}
   * @param parsingChannels parsing classes, the channels of {@code out_mask_conv}
   */
  public record Layout(
      int baseChannels,
      List<Integer> encoderChannels,
      int bodyDepth,
      List<Integer> decoderChannels,
      int parsingChannels) {

    public Layout {
      encoderChannels = List.copyOf(encoderChannels);
      decoderChannels = List.copyOf(decoderChannels);
      if (baseChannels < 1
          || parsingChannels < 1
          || bodyDepth < 0
          || encoderChannels.stream().anyMatch(c -> c < 1)
          || decoderChannels.stream().anyMatch(c -> c < 1)) {
        throw new IllegalArgumentException(
            "channels must be positive and the depth not negative: " + this);
      }
    }

    /**
     * The layout of the official {@code ParseNet-latest.pth}: {@code ParseNet(512, 512, 32, 64, 19,
     * ..., ch_range=[32, 256])}, res_depth 10.
     */
    public static Layout parseNetLatest() {
      return official(512, 512, 32, 64, 19, 10, 32, 256);
    }

    /**
     * The layout the reference constructor {@code ParseNet(in_size, out_size, min_feat_size,
     * base_ch, parsing_ch, res_depth, ch_range=[minCh, maxCh])} builds: {@code log2(in_size //
     * min(min_feat_size, in_size))} down blocks doubling the channels and {@code log2(out_size //
     * ...)} up blocks halving them, every block's channels clipped to [minCh, maxCh].
     *
     * @throws IllegalArgumentException where the reference network could not run: the stem's {@code
     *     base_ch} outside [minCh, maxCh] gives the first block other input channels than the stem
     *     produces
     */
    public static Layout official(
        int inSize,
        int outSize,
        int minFeatSize,
        int baseCh,
        int parsingCh,
        int resDepth,
        int minCh,
        int maxCh) {
      if (inSize < 1 || outSize < 1 || minFeatSize < 1 || minCh > maxCh) {
        throw new IllegalArgumentException("sizes must be positive and min_ch <= max_ch");
      }
      int minFeat = Math.min(inSize, minFeatSize);
      int down = log2Floor(inSize / minFeat);
      int up = outSize / minFeat < 1 ? 0 : log2Floor(outSize / minFeat);
      if (down > 0 && clip(baseCh, minCh, maxCh) != baseCh) {
        throw new IllegalArgumentException(
            "base_ch "
                + baseCh
                + " outside ch_range ["
                + minCh
                + ", "
                + maxCh
                + "]: the reference network cannot run");
      }
      List<Integer> enc = new ArrayList<>();
      long head = baseCh;
      for (int i = 0; i < down; i++) {
        enc.add(clip(head * 2, minCh, maxCh));
        head *= 2;
      }
      List<Integer> dec = new ArrayList<>();
      for (int i = 0; i < up; i++) {
        dec.add(clip(head / 2, minCh, maxCh));
        head /= 2;
      }
      return new Layout(baseCh, enc, resDepth, dec, parsingCh);
    }

    /**
     * The layout of the ParseNet whose tensors {@code sd} holds: the stem's output channels, as
     * many down, body and up blocks as it has {@code conv1} weights, each block's output channels,
     * and the classes of the mask head. The other shapes are checked when the tensors are loaded.
     *
     * @throws GpenException naming the file where {@code sd} is not a ParseNet state dict
     */
    public static Layout of(StateDict sd) {
      if (!sd.contains("encoder.0.conv2d.weight") || !sd.contains("out_mask_conv.conv2d.weight")) {
        throw new GpenException(
            sd.source()
                + ": "
                + sd.description()
                + " is not a ParseNet face parser"
                + " (no encoder.0.conv2d.weight or out_mask_conv.conv2d.weight; expected the tensors of"
                + " ParseNet-latest.pth or facexlib's parsing_parsenet.pth)");
      }
      int base = outChannels(sd, "encoder.0.conv2d.weight");
      List<Integer> enc = blockChannels(sd, "encoder.", 1);
      int depth = blockChannels(sd, "body.", 0).size();
      List<Integer> dec = blockChannels(sd, "decoder.", 0);
      return new Layout(base, enc, depth, dec, outChannels(sd, "out_mask_conv.conv2d.weight"));
    }

    /** The channels at the lowest resolution: those of the body. */
    public int bodyChannels() {
      return encoderChannels.isEmpty()
          ? baseChannels
          : encoderChannels.get(encoderChannels.size() - 1);
    }

    /** The channels the heads see. */
    public int headChannels() {
      return decoderChannels.isEmpty()
          ? bodyChannels()
          : decoderChannels.get(decoderChannels.size() - 1);
    }

    /** The side of the output for an input of side {@code inputSide}. */
    public int outputSide(int inputSide) {
      int side = inputSide;
      for (int i = 0; i < encoderChannels.size(); i++) {
        side = (side - 1) / 2 + 1; // a 3×3 stride-2 convolution after a 1-pixel pad
      }
      return side << decoderChannels.size();
    }

    private static List<Integer> blockChannels(StateDict sd, String prefix, int first) {
      List<Integer> out = new ArrayList<>();
      for (int i = first; sd.contains(prefix + i + ".conv1.conv2d.weight"); i++) {
        out.add(outChannels(sd, prefix + i + ".conv1.conv2d.weight"));
      }
      return out;
    }

    private static int outChannels(StateDict sd, String name) {
      TensorData t = sd.get(name);
      if (t.dim() != 4) {
        throw new GpenException(
            sd.source()
                + ": "
                + name
                + " has shape "
                + t.shapeString()
                + ", not that of a 3×3 convolution weight [out, in, 3, 3]");
      }
      return Math.toIntExact(t.shape()[0]);
    }

    private static int clip(long x, int min, int max) {
      return (int) Math.max(min, Math.min(x, max));
    }

    private static int log2Floor(int n) {
      return 31 - Integer.numberOfLeadingZeros(n);
    }
  }

  /** A network of the given layout with zero weights (they come from a checkpoint). */
  public ParseNet(Layout layout) {
    this.layout = layout;
    encoder = registerModule("encoder", new Sequential());
    encoder.add(ParseConvLayer.plain(3, layout.baseChannels(), Scale.NONE));
    int ch = layout.baseChannels();
    for (int out : layout.encoderChannels()) {
      encoder.add(new ParseResidualBlock(ch, out, Scale.DOWN));
      ch = out;
    }
    body = registerModule("body", new Sequential());
    for (int i = 0; i < layout.bodyDepth(); i++) {
      body.add(new ParseResidualBlock(ch, ch, Scale.NONE));
    }
    decoder = registerModule("decoder", new Sequential());
    for (int out : layout.decoderChannels()) {
      decoder.add(new ParseResidualBlock(ch, out, Scale.UP));
      ch = out;
    }
    outImgConv =
        registerModule("out_img_conv", ParseConvLayer.plain(ch, IMAGE_CHANNELS, Scale.NONE));
    outMaskConv =
        registerModule(
            "out_mask_conv", ParseConvLayer.plain(ch, layout.parsingChannels(), Scale.NONE));
    requiresGrad(false);
  }

  /**
   * Loads a ParseNet state dict: GPEN's {@code ParseNet-latest.pth} or facexlib's {@code
   * parsing_parsenet.pth} (both plain state dicts with the same names), or any ParseNet, its depth
   * and channels read from its tensors ({@link Layout#of}). Any format {@link Checkpoints} reads; a
   * training checkpoint gives its {@code params_ema} (or its only state dict); a {@code module.}
   * prefix on every name is dropped. Loading is strict: only {@code num_batches_tracked} counters
   * may be absent. The network is on the CPU, frozen.
   *
   * @throws GpenException naming the file when it cannot be read, holds no ParseNet, or its tensors
   *     do not fit the network they describe (one line listing what is missing, unexpected or
   *     mis-shaped)
   */
  public static ParseNet load(Path weights) {
    StateDict sd = Checkpoints.read(weights).withoutCommonPrefix(DATA_PARALLEL_PREFIX);
    ParseNet net = new ParseNet(Layout.of(sd));
    try {
      net.loadStateDict(sd, net.describe(), Set.of());
    } catch (RuntimeException e) {
      net.close();
      throw e;
    }
    return net;
  }

  /**
   * E.g. "ParseNet (stem 64, down [128, 256, 256, 256], 10 body blocks, up [256, 256, 128, 64], 19
   * classes)".
   */
  public String describe() {
    return "ParseNet (stem "
        + layout.baseChannels()
        + ", down "
        + layout.encoderChannels()
        + ", "
        + layout.bodyDepth()
        + " body blocks, up "
        + layout.decoderChannels()
        + ", "
        + layout.parsingChannels()
        + " classes)";
  }

  public Layout layout() {
    return layout;
  }

  /**
   * Both heads for a batch {@code x} [N, 3, H, W] of RGB faces in [-1, 1]: the parsing logits [N,
   * classes, H', W'] and the image [N, 3, H', W'], where H' = {@link Layout#outputSide}(H).
   */
  public Output forward(Tensor x) {
    Tensor y = features(x);
    return new Output(outMaskConv.forward(y), outImgConv.forward(y));
  }

  /**
   * The parsing logits of {@link #forward} alone, without the image head: what a paste mask needs.
   */
  public Tensor mask(Tensor x) {
    return outMaskConv.forward(features(x));
  }

  /**
   * The decoder's output, which both heads read. Each block runs in its own scope ({@link
   * Sequential#forwardFreeing}): at 512×512 a block's temporaries are hundreds of megabytes.
   */
  private Tensor features(Tensor x) {
    Tensor feat = encoder.forwardFreeing(x);
    return decoder.forwardFreeing(body.forwardFreeing(feat).add(feat));
  }
}
