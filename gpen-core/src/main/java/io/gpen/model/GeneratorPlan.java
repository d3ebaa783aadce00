package io.gpen.model;

import static io.gpen.model.Ops.dims;
import static io.gpen.model.Ops.scalar;

import io.gpen.nn.Layer;
import io.gpen.nn.Sequential;
import io.gpen.ops.FusedLeakyRelu;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;

/**
 * A {@link FullGenerator} compiled for inference: its layers in execution order with the weights
 * folded, plus the plain facts needed to run them (strides, paddings, FIR filters and their
 * padding, channel counts, which encoder feature each decoder layer takes as noise or that it draws
 * its noise, as a {@code FullGenerator_SR}'s layers finer than its input do). The fast path ({@link
 * GeneratorInference}) executes it and the ONNX writer emits it, so both compute the same function,
 * {@link FullGenerator#forward}'s image, from the same numbers.
 *
 * <p>Folded, each an exact rewrite of the reference arithmetic: the equalised-learning-rate scales
 * into weights and biases; the √2 of every fused leaky ReLU into the weights and biases before it
 * (leaky ReLU is positively homogeneous), for a demodulated layer into its weight norms and {@link
 * #DEMODULATION_EPS}; and the modulation layers of the whole decoder into one matrix ({@link
 * #styleWeight()}): every layer's styles come from the same latent, so one product gives them all,
 * a layer's found at its offset.
 *
 * <p>The layers run as: encoder stages (finest first; each output feature is kept), flatten of the
 * last, {@link #finalLinear()}, pixel norm ({@link PixelNorm#EPS}), {@link #mapping()}, styles;
 * then from {@link #constant()}: {@code convs[0]}, {@code rgbs[0]}, and for each higher resolution
 * j two styled convolutions {@code convs[2j−1]}, {@code convs[2j]} and {@code rgbs[j]}, which adds
 * the upsampled previous image. The output of the last ToRGB is the restored image.
 *
 * <p>Its tensors are snapshots of the model's weights when built, retained until {@link #close()};
 * several are channels-last, where oneDNN's convolutions run fastest (logical shapes are as
 * documented). It is immutable, so it can be read from several threads; the owner closes it.
 */
public final class GeneratorPlan implements AutoCloseable {
  /**
   * The reference's 1e-8 under the demodulation's square root, with the √2 of the activation folded
   * in: √2/√(x + 1e-8) = 1/√(x/2 + 1e-8/2).
   */
  public static final double DEMODULATION_EPS = 0.5e-8;

  private static final double SQRT2 = FusedLeakyRelu.SCALE;

  private final GpenConfig config;
  private final List<Tensor> owned = new ArrayList<>();
  private final List<FoldedEncoderStage> encoder = new ArrayList<>();
  private final FoldedLinear finalLinear;
  private final List<FoldedLinear> mapping = new ArrayList<>();
  private final Tensor styleWeight;
  private final Tensor styleBias;
  private final Tensor constant;
  private final List<FoldedStyledConv> convs = new ArrayList<>();
  private final List<FoldedToRgb> rgbs = new ArrayList<>();

  /** Compiles {@code model} with its current weights. */
  public GeneratorPlan(FullGenerator model) {
    this.config = model.config();
    try (PointerScope scope = new PointerScope();
        InferenceMode mode = new InferenceMode()) {
      for (Sequential stage : model.encoder()) {
        encoder.add(encoderStage((ConvLayer) stage.layers().get(0)));
      }
      finalLinear = linear((EqualLinear) model.finalLinear().layers().get(0));
      Generator g = model.generator();
      List<Layer> style = g.style().layers();
      // style.get(0) is the pixel norm
      for (int i = 1; i < style.size(); i++) {
        mapping.add(linear((EqualLinear) style.get(i)));
      }
      constant = keep(g.input().input().contiguous(MemoryFormat.ChannelsLast));

      StyleRows rows = new StyleRows();
      int res = 4;
      convs.add(styledConv(g.conv1(), rows, res, model.noiseStage(0)));
      rgbs.add(toRgb(g.toRgb1(), rows));
      for (int j = 0; j < g.toRgbs().size(); j++) {
        for (int t = 0; t < 2; t++) {
          int c = 2 * j + t;
          convs.add(styledConv(g.convs().get(c), rows, res, model.noiseStage(c + 1)));
          if (g.convs().get(c).conv().upsample()) {
            res *= ModulatedConv2d.UPSAMPLE_FACTOR;
          }
        }
        rgbs.add(toRgb(g.toRgbs().get(j), rows));
      }
      TensorVector ws = new TensorVector();
      TensorVector bs = new TensorVector();
      for (EqualLinear m : rows.layers) {
        ws.push_back(m.weight().mul(scalar(m.scale())));
        bs.push_back(m.bias().mul(scalar(m.lrMul())));
      }
      styleWeight = keep(torch.cat(ws, 0));
      styleBias = keep(torch.cat(bs, 0));
    }
  }

  public GpenConfig config() {
    return config;
  }

  /** The encoder stages ecd0 … ecdN, finest first. */
  public List<FoldedEncoderStage> encoder() {
    return Collections.unmodifiableList(encoder);
  }

  /** The latent code from the flattened last encoder feature. */
  public FoldedLinear finalLinear() {
    return finalLinear;
  }

  /** The mapping network's layers after the pixel norm. */
  public List<FoldedLinear> mapping() {
    return Collections.unmodifiableList(mapping);
  }

  /** [Σ in, style_dim]: every decoder layer's modulation, in execution order, scale folded in. */
  public Tensor styleWeight() {
    return styleWeight;
  }

  /** [Σ in]: the modulation biases, scaled as the reference scales them. */
  public Tensor styleBias() {
    return styleBias;
  }

  /** [1,C,4,4], channels-last: the learned input of the decoder. */
  public Tensor constant() {
    return constant;
  }

  /** The decoder's styled convolutions: conv1, then convs.0, convs.1, …. */
  public List<FoldedStyledConv> convs() {
    return Collections.unmodifiableList(convs);
  }

  /** The decoder's ToRGB layers: to_rgb1, then to_rgbs.0, to_rgbs.1, …. */
  public List<FoldedToRgb> rgbs() {
    return Collections.unmodifiableList(rgbs);
  }

  /** Releases the folded tensors; the plan's layers must not be used afterwards. */
  @Override
  public void close() {
    for (Tensor t : owned) {
      t.releaseReference();
    }
    owned.clear();
  }

  private FoldedLinear linear(EqualLinear l) {
    double gain = l.activate() ? SQRT2 : 1;
    Tensor weight = keep(l.weight().mul(scalar(l.scale() * gain)).contiguous());
    Tensor bias = keep(l.bias().mul(scalar(l.lrMul() * gain)));
    return new FoldedLinear(weight, bias, l.activate());
  }

  private FoldedEncoderStage encoderStage(ConvLayer layer) {
    List<Layer> parts = layer.layers();
    Blur b = parts.get(0) instanceof Blur blur ? blur : null;
    int i = b == null ? 0 : 1;
    EqualConv2d conv = (EqualConv2d) parts.get(i);
    FusedLeakyReLU act = (FusedLeakyReLU) parts.get(i + 1);
    FirFilter blur =
        b == null ? null : fir(b.kernel(), conv.weight().size(1), 1, b.pad0(), b.pad1());
    Tensor weight =
        keep(conv.weight().mul(scalar(conv.scale() * SQRT2)).contiguous(MemoryFormat.ChannelsLast));
    Tensor bias = keep(act.bias().mul(scalar(SQRT2)));
    return new FoldedEncoderStage(blur, weight, bias, conv.stride(), conv.padding());
  }

  private FoldedStyledConv styledConv(StyledConv c, StyleRows rows, int inputSize, int noiseStage) {
    ModulatedConv2d m = c.conv();
    int in = m.inChannels();
    int out = m.outChannels();
    int k = m.kernelSize();
    Tensor w4 = m.weight().view(out, in, k, k);
    Tensor w = w4.mul(scalar(m.scale()));
    Tensor norms =
        keep(
            w.pow(scalar(2))
                .sum(dims(2, 3), false, new ScalarTypeOptional())
                .mul(scalar(0.5))
                .t()
                .contiguous());
    boolean up = m.upsample();
    Tensor weight = keep((up ? w.transpose(0, 1) : w).contiguous(MemoryFormat.ChannelsLast));
    FirFilter blur = up ? fir(m.blur().kernel(), out, 1, m.blur().pad0(), m.blur().pad1()) : null;
    Tensor b = c.activate().bias().mul(scalar(SQRT2));
    Tensor bias = keep(b.narrow(0, 0, out).view(1, out, 1, 1).contiguous());
    Tensor noiseBias =
        c.noise().isConcat() ? keep(b.narrow(0, out, out).view(1, out, 1, 1).contiguous()) : null;
    return new FoldedStyledConv(
        rows.add(m),
        in,
        out,
        k,
        inputSize,
        up ? ModulatedConv2d.UPSAMPLE_FACTOR : 1,
        up ? 0 : k / 2,
        weight,
        norms,
        blur,
        bias,
        noiseBias,
        c.noise().weight().item_double() * SQRT2,
        noiseStage);
  }

  private FoldedToRgb toRgb(ToRGB r, StyleRows rows) {
    ModulatedConv2d m = r.conv();
    int in = m.inChannels();
    Tensor weight = keep(m.weight().view(3, in).mul(scalar(m.scale())));
    Tensor bias = keep(r.bias().view(3).clone());
    Upsample u = r.upsample();
    FirFilter upsample = u == null ? null : fir(u.kernel(), 3, u.factor(), u.pad0(), u.pad1());
    return new FoldedToRgb(rows.add(m), in, weight, bias, upsample);
  }

  /** The plan's form of the FIR {@code kernel} [k,k] applied to {@code channels} channels. */
  private FirFilter fir(Tensor kernel, long channels, int up, int pad0, int pad1) {
    long kh = kernel.size(0);
    long kw = kernel.size(1);
    Tensor k =
        (up == 1 ? kernel.flip(0, 1) : kernel).reshape(1, 1, kh, kw).expand(channels, 1, kh, kw);
    // the memory formats the fast path's operators were measured with
    Tensor weight = keep(up == 1 ? k.contiguous(MemoryFormat.ChannelsLast) : k.contiguous());
    return new FirFilter(weight, up, pad0, pad1);
  }

  private Tensor keep(Tensor t) {
    t.retainReference();
    owned.add(t);
    return t;
  }

  /** The decoder's modulation layers in execution order, each layer's styles at its offset. */
  private static final class StyleRows {
    final List<EqualLinear> layers = new ArrayList<>();
    int width;

    /** Appends {@code m}'s modulation; returns the offset of its styles. */
    int add(ModulatedConv2d m) {
      layers.add(m.modulation());
      int offset = width;
      width += m.inChannels();
      return offset;
    }
  }
}
