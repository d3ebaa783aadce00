package io.gpen.model;

import static io.gpen.model.Ops.dims;
import static io.gpen.model.Ops.none;
import static io.gpen.model.Ops.scalar;
import static io.gpen.model.Ops.some;

import io.gpen.nn.Convolutions;
import io.gpen.nn.Precision;
import io.gpen.ops.FusedLeakyRelu;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The inference fast path of a {@link FullGenerator}: the same function as {@link
 * FullGenerator#forward}, computed with fewer passes over memory by executing the model's {@link
 * GeneratorPlan} (weights folded there). Tested against the reference forward pass.
 *
 * <p>What it changes, each an exact rewrite of the reference arithmetic:
 *
 * <ul>
 *   <li>Activations are kept channels-last, where oneDNN's convolutions, transposed convolutions
 *       and depthwise blurs run several times faster on CPU.
 *   <li>Every layer's style vector comes from one matrix product (all layers share the latent).
 *   <li>Modulation is applied where it is cheaper: on the weights (per sample, where the
 *       activations are large) or on the activations (input scaled by the style, output by the
 *       demodulation factor, where the weights are large). Demodulation factors come from the
 *       plan's squared weight norms.
 *   <li>Biases ride in the convolution or in the single pass that writes each half of the
 *       concatenated feature buffer.
 *   <li>Each layer's temporaries are freed as soon as the layer returns, each encoder feature as
 *       soon as its last decoder layer has read it, and the decoder's feature buffers are reused
 *       from pass to pass instead of being allocated (and page-faulted) anew.
 * </ul>
 *
 * <p>At {@link Precision#BF16} the convolutions (encoder, styled convolutions, their blurs) run in
 * bfloat16: their weights are converted once, when the path is built, and the activations between
 * them are bfloat16. What StyleGAN2-type networks are sensitive to stays float32: the latent (final
 * linear layer, pixel norm, mapping network), the styles, the demodulation factors (computed in
 * float32, rounded once where they scale a bfloat16 output) and the ToRGB layers with the image
 * they accumulate. Per-sample modulated weights are computed from the float32 weights and rounded
 * once. Noise drawn by the decoder ({@code FullGenerator_SR}) is drawn in bfloat16. At {@link
 * Precision#FP32} every operation is the float32 one described above.
 *
 * <p>It snapshots the weights when built: rebuild it after the model's weights change. It is safe
 * to share between threads: passes are serialised (they reuse the decoder buffers, and each pass
 * already uses every core), and {@link #close()} waits for the pass in progress.
 */
public final class GeneratorInference implements AutoCloseable {
  // In-place operations (add_, leaky_relu_, ...) return a non-owning view of their receiver: a
  // layer returns the receiver itself, never that view, so that the result outlives the layer's
  // scope.
  private static final double SLOPE = FusedLeakyRelu.NEGATIVE_SLOPE;

  /** Convolutions with outputs this side or smaller run sample by sample (see {@link #forward}). */
  static final int PER_SAMPLE_SIDE = 8;

  private final GeneratorPlan plan;
  private final Precision precision;
  private final BufferPair buffers;

  /** The plan's convolution tensors converted to {@link #precision}: empty at float32. */
  private final Map<Tensor, Tensor> converted = new IdentityHashMap<>();

  private boolean closed;

  /** Compiles the plan of {@code model} (its current weights), in float32. */
  public GeneratorInference(FullGenerator model) {
    this(model, Precision.FP32);
  }

  /**
   * Compiles the plan of {@code model} (its current weights) for convolutions in {@code precision}.
   */
  public GeneratorInference(FullGenerator model, Precision precision) {
    this.plan = new GeneratorPlan(model);
    this.precision = precision;
    this.buffers = new BufferPair(precision.scalarType());
    if (precision != Precision.FP32) {
      convertConvolutions();
    }
  }

  public GpenConfig config() {
    return plan.config();
  }

  /** The precision of the convolutions. */
  public Precision precision() {
    return precision;
  }

  /**
   * Restores a batch [B,3,S,S], RGB in [-1,1]; returns a new [B,3,O,O] tensor (O the output size)
   * owned by the caller's {@link PointerScope} (or the garbage collector where there is none).
   * Decoder layers finer than the input draw their noise from libtorch's default generator, in the
   * reference's order and shapes, so a seed gives the reference forward pass's result.
   *
   * <p>A face's image does not depend on the batch it comes in, so that restoring a photo's faces
   * in batches writes the files of restoring them one by one: what would sum in another order for
   * one sample than for several runs sample by sample (the latent and styles, the demodulation
   * factors, and the convolutions with outputs of at most {@value #PER_SAMPLE_SIDE}² pixels, where
   * oneDNN's float32 kernels do: measured 1e-4 apart); those are a small share of the arithmetic.
   * {@code BatchIndependenceTest} pins it on the golden model.
   *
   * <p>Each layer runs in its own scope and its output is released as soon as the next layer has
   * consumed it, so the memory held at any time is a few activations, not the whole pass.
   */
  public synchronized Tensor forward(Tensor input) {
    if (closed) {
      throw new IllegalStateException("the generator's inference path is closed");
    }
    try (InferenceMode mode = new InferenceMode()) {
      long batch = input.size(0);
      buffers.reset();
      List<FoldedStyledConv> convs = plan.convs();
      List<FoldedToRgb> rgbs = plan.rgbs();
      List<Tensor> features = new ArrayList<>();
      int[] readers = new int[plan.encoder().size()];
      for (FoldedStyledConv c : convs) {
        if (!c.drawsNoise()) {
          readers[c.noiseStage()]++;
        }
      }
      Tensor skip = null;
      Tensor out = null;
      Tensor styles = null;
      try {
        Tensor h = input;
        for (FoldedEncoderStage stage : plan.encoder()) {
          Tensor x = h;
          h = step(() -> encoderStage(stage, x));
          features.add(h);
        }
        styles = step(() -> styles(features.get(features.size() - 1), batch));
        Tensor st = styles;
        for (int c = 0, j = 0; c < convs.size(); c++) {
          FoldedStyledConv layer = convs.get(c);
          Tensor x = out;
          // null: drawn in the layer
          Tensor noise = layer.drawsNoise() ? null : features.get(layer.noiseStage());
          out =
              step(
                  () ->
                      styledConv(
                          layer,
                          x == null ? converted(plan.constant()).repeat(batch, 1, 1, 1) : x,
                          st,
                          noise));
          if (x != null) {
            buffers.give(x);
          }
          if (noise != null && --readers[layer.noiseStage()] == 0) {
            noise.releaseReference();
            features.set(layer.noiseStage(), null);
          }
          // a ToRGB follows conv1 and the second convolution of every higher resolution
          if (c % 2 == 0) {
            FoldedToRgb rgb = rgbs.get(j++);
            Tensor y = out;
            Tensor previous = skip;
            skip = step(() -> toRgb(rgb, y, st, previous));
            if (previous != null) {
              previous.releaseReference();
            }
          }
        }
        // a new handle in the caller's scope; ours is released below, the data lives on
        return skip.contiguous().alias();
      } finally {
        if (out != null) {
          buffers.give(out);
        }
        for (Tensor t : new Tensor[] {skip, styles}) {
          if (t != null) {
            t.releaseReference();
          }
        }
        for (Tensor f : features) {
          if (f != null) {
            f.releaseReference();
          }
        }
      }
    }
  }

  /**
   * The W+ latents [B, n_latent, style_dim] of a batch [B,3,S,S] as the plan computes them
   * (encoder, final linear layer, pixel norm, mapping network), without the decoder: what {@link
   * FullGenerator#forward} returns beside the image. Owned by the caller's scope.
   */
  public synchronized Tensor latents(Tensor input) {
    if (closed) {
      throw new IllegalStateException("the generator's inference path is closed");
    }
    try (InferenceMode mode = new InferenceMode()) {
      Tensor w =
          step(
              () -> {
                Tensor h = input;
                for (FoldedEncoderStage stage : plan.encoder()) {
                  h = encoderStage(stage, h);
                }
                return mapping(h, input.size(0)).unsqueeze(1).repeat(1, plan.config().nLatent(), 1);
              });
      try {
        // a new handle in the caller's scope, as forward's result
        return w.alias();
      } finally {
        w.releaseReference();
      }
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    buffers.close();
    for (Tensor t : converted.values()) {
      t.releaseReference();
    }
    converted.clear();
    plan.close();
  }

  /**
   * Converts the weights, biases and filters of every convolution that runs in {@link #precision}:
   * all but the ToRGB layers', and but the weights of styled convolutions that modulate their
   * weights per sample (those are modulated in float32, then converted).
   */
  private void convertConvolutions() {
    try (PointerScope scope = new PointerScope();
        InferenceMode mode = new InferenceMode()) {
      for (FoldedEncoderStage stage : plan.encoder()) {
        convert(stage.weight());
        convert(stage.bias());
        if (stage.blur() != null) {
          convert(stage.blur().weight());
        }
      }
      convert(plan.constant());
      for (FoldedStyledConv c : plan.convs()) {
        if (modulatesActivations(c)) {
          convert(c.weight());
        }
        convert(c.bias());
        if (c.noiseBias() != null) {
          convert(c.noiseBias());
        }
        if (c.blur() != null) {
          convert(c.blur().weight());
        }
      }
    }
  }

  private void convert(Tensor t) {
    Tensor c = t.to(precision.scalarType());
    c.retainReference();
    converted.put(t, c);
  }

  /**
   * The plan's tensor {@code t} as the convolutions take it: its converted copy, or itself at
   * float32.
   */
  private Tensor converted(Tensor t) {
    Tensor c = converted.get(t);
    return c != null ? c : t;
  }

  /**
   * An activation or factor computed here in the convolutions' precision ({@code x} itself at
   * float32).
   */
  private Tensor inPrecision(Tensor x) {
    return precision == Precision.FP32 ? x : x.to(precision.scalarType());
  }

  /** An activation in float32 for the layers that stay float32 ({@code x} itself at float32). */
  private Tensor inFloat(Tensor x) {
    return precision == Precision.FP32 ? x : x.to(ScalarType.Float);
  }

  /**
   * Runs one layer in its own scope, freeing its temporaries on return; the result is retained
   * (release it with {@code releaseReference()}).
   */
  private static Tensor step(Supplier<Tensor> layer) {
    try (PointerScope scope = new PointerScope()) {
      Tensor t = layer.get();
      t.retainReference();
      return t;
    }
  }

  /** [blur →] conv (scale, √2 and bias folded) → in-place leaky ReLU. */
  private Tensor encoderStage(FoldedEncoderStage stage, Tensor x) {
    x = inPrecision(x).contiguous(MemoryFormat.ChannelsLast);
    if (stage.blur() != null) {
      x = filter(stage.blur(), x);
    }
    long stride = stage.stride();
    long padding = stage.padding();
    Tensor weight = converted(stage.weight());
    Tensor bias = converted(stage.bias());
    long batch = x.size(0);
    long side = (x.size(3) + 2 * padding - weight.size(3)) / stride + 1;
    Tensor y;
    if (batch > 1 && side <= PER_SAMPLE_SIDE) {
      List<Tensor> outs = new ArrayList<>();
      for (long b = 0; b < batch; b++) {
        outs.add(
            Convolutions.conv2d(
                x.narrow(0, b, 1), weight, bias, dims(stride, stride), dims(padding, padding), 1));
      }
      y = catBatch(outs);
    } else {
      y = Convolutions.conv2d(x, weight, bias, dims(stride, stride), dims(padding, padding), 1);
    }
    torch.leaky_relu_(y, scalar(SLOPE));
    return y;
  }

  /**
   * Latent code from the coarsest encoder feature, mapping network, then every layer's style at
   * once; sample by sample (see {@link #forward}): products and reductions over one row take other
   * kernels than over several.
   */
  private Tensor styles(Tensor coarsest, long batch) {
    if (batch == 1) {
      return affine(mapping(coarsest, 1), plan.styleWeight(), plan.styleBias());
    }
    List<Tensor> rows = new ArrayList<>();
    for (long b = 0; b < batch; b++) {
      rows.add(styles(coarsest.narrow(0, b, 1), 1));
    }
    return catBatch(rows);
  }

  /**
   * The latent w [B, style_dim] of the coarsest encoder feature: final linear, pixel norm, mapping.
   */
  private Tensor mapping(Tensor coarsest, long batch) {
    Tensor z = linear(plan.finalLinear(), inFloat(coarsest).contiguous().reshape(batch, -1));
    Tensor w =
        z.mul(
            z.pow(scalar(2))
                .mean(dims(1), true, new ScalarTypeOptional())
                .add(scalar(PixelNorm.EPS))
                .rsqrt());
    for (FoldedLinear l : plan.mapping()) {
      w = linear(l, w);
    }
    return w;
  }

  private static Tensor linear(FoldedLinear l, Tensor x) {
    Tensor y = affine(x, l.weight(), l.bias());
    if (l.activate()) {
      torch.leaky_relu_(y, scalar(SLOPE));
    }
    return y;
  }

  /**
   * x·Wᵀ + b for W [out,in]. One sample goes through a matrix-vector product: BLAS's general
   * product with a single row is several times slower for these shapes (measured).
   */
  private static Tensor affine(Tensor x, Tensor weight, Tensor bias) {
    if (x.size(0) == 1) {
      return torch.mv(weight, x.view(-1)).add_(bias).view(1, -1);
    }
    return torch.linear(x, weight, some(bias));
  }

  /**
   * A styled convolution into a free decoder buffer: modulated conv, noise injection, activation.
   *
   * @param noise the layer's encoder feature, or null for a layer that draws its noise
   */
  private Tensor styledConv(FoldedStyledConv layer, Tensor x, Tensor styles, Tensor noise) {
    long batch = x.size(0);
    int in = layer.in();
    int out = layer.out();
    Tensor st = styles.narrow(1, layer.styleOffset(), in);
    Tensor demod = demodulation(st, layer.norms());
    boolean modulateActivations = modulatesActivations(layer);
    Tensor y;
    if (modulateActivations) {
      Tensor scaled = x.mul(inPrecision(st).view(batch, in, 1, 1));
      // sample by sample (see forward): these are the coarse layers, where the weights are large
      List<Tensor> outs = new ArrayList<>();
      for (long b = 0; b < batch; b++) {
        outs.add(modulatedConv(layer, scaled.narrow(0, b, 1), converted(layer.weight())));
      }
      y = catBatch(outs);
    } else {
      // per-sample weights: W · s[i] · d[o]
      List<Tensor> outs = new ArrayList<>();
      for (long b = 0; b < batch; b++) {
        Tensor f = torch.outer(demod.select(0, b), st.select(0, b));
        Tensor factors = layer.up() > 1 ? f.t().reshape(in, out, 1, 1) : f.reshape(out, in, 1, 1);
        outs.add(modulatedConv(layer, x.narrow(0, b, 1), inPrecision(layer.weight().mul(factors))));
      }
      y = catBatch(outs);
    }
    long h = y.size(2);
    long w = y.size(3);
    boolean concat = layer.concatenatesNoise();
    Tensor buf = buffers.take(batch, concat ? 2L * out : out, h, w);
    Tensor first = concat ? buf.narrow(1, 0, out) : buf;
    if (modulateActivations) {
      torch.addcmul_out(
          first, converted(layer.bias()), y, inPrecision(demod).view(batch, out, 1, 1));
    } else {
      torch.add_out(first, converted(layer.bias()), y);
    }
    // the reference's None: N(0,1) of the convolution's shape, drawn here as NoiseInjection draws
    // it
    Tensor n = noise != null ? noise : NoiseInjection.draw(y);
    if (concat) {
      torch.add_out(
          buf.narrow(1, out, out), converted(layer.noiseBias()), n, scalar(layer.noiseWeight()));
    } else {
      buf.add_(n, scalar(layer.noiseWeight()));
    }
    torch.leaky_relu_(buf, scalar(SLOPE));
    return buf;
  }

  /**
   * The demodulation factors [B,out] of styles {@code st} [B,in], √2 included; sample by sample
   * (see {@link #forward}).
   */
  private static Tensor demodulation(Tensor st, Tensor norms) {
    if (st.size(0) == 1) {
      // a matrix-vector product, as in affine: BLAS packs both operands of a one-row product
      return torch
          .mv(norms.t(), st.pow(scalar(2)).view(-1))
          .add_(scalar(GeneratorPlan.DEMODULATION_EPS))
          .rsqrt()
          .view(1, -1);
    }
    List<Tensor> rows = new ArrayList<>();
    for (long b = 0; b < st.size(0); b++) {
      rows.add(demodulation(st.narrow(0, b, 1), norms));
    }
    return catBatch(rows);
  }

  /**
   * Whether {@code layer} modulates its input activations rather than its weights: weights are
   * large at coarse resolutions and activations at fine ones.
   */
  private static boolean modulatesActivations(FoldedStyledConv layer) {
    int k = layer.kernel();
    return (long) layer.inputSize() * layer.inputSize() < (long) layer.out() * k * k;
  }

  /** The layer's convolution with weight {@code w}: plain, or transposed and blurred. */
  private Tensor modulatedConv(FoldedStyledConv layer, Tensor x, Tensor w) {
    long p = layer.padding();
    if (layer.up() > 1) {
      long up = layer.up();
      return filter(
          layer.blur(),
          torch.conv_transpose2d(x, w, none(), dims(up, up), dims(p, p), dims(0, 0), 1, 1, 1));
    }
    return torch.conv2d(x, w, none(), dims(1, 1), dims(p, p), dims(1, 1), 1);
  }

  /**
   * A ToRGB, in float32: per-sample 1×1 weights (3 outputs, no demodulation) and the upsampled
   * skip.
   */
  private Tensor toRgb(FoldedToRgb layer, Tensor features, Tensor styles, Tensor skip) {
    Tensor x = inFloat(features);
    long batch = x.size(0);
    int in = layer.in();
    Tensor st = styles.narrow(1, layer.styleOffset(), in);
    List<Tensor> outs = new ArrayList<>();
    for (long b = 0; b < batch; b++) {
      Tensor wb =
          layer
              .weight()
              .mul(st.select(0, b).view(1, in))
              .view(3, in, 1, 1)
              .contiguous(MemoryFormat.ChannelsLast);
      outs.add(
          torch.conv2d(
              x.narrow(0, b, 1), wb, some(layer.bias()), dims(1, 1), dims(0, 0), dims(1, 1), 1));
    }
    Tensor y = catBatch(outs);
    if (skip != null) {
      y.add_(filter(layer.upsample(), skip));
    }
    return y;
  }

  /**
   * The reference upfirdn2d of {@code x} by one depthwise operator (see {@link FirFilter}), in the
   * precision of {@code x}.
   */
  private Tensor filter(FirFilter f, Tensor x) {
    Tensor weight = converted(f.weight());
    long channels = f.channels();
    if (f.up() == 1) {
      // symmetric padding goes to the convolution itself: the same arithmetic, and several times
      // faster than a separate pad (oneDNN's depthwise kernel handles the border)
      boolean symmetric = f.pad0() == f.pad1();
      Tensor in =
          symmetric
              ? x
              : torch.constant_pad_nd(x, dims(f.pad0(), f.pad1(), f.pad0(), f.pad1()), scalar(0));
      long p = symmetric ? f.pad0() : 0;
      return torch.conv2d(in, weight, none(), dims(1, 1), dims(p, p), dims(1, 1), channels);
    }
    long up = f.up();
    long both = Math.min(f.cropBegin(), f.cropEnd());
    Tensor t =
        torch.conv_transpose2d(
            x, weight, none(), dims(up, up), dims(both, both), dims(0, 0), channels, 1, 1);
    if (f.cropBegin() == f.cropEnd()) {
      return t;
    }
    long begin = f.cropBegin() - both;
    long cut = begin + f.cropEnd() - both;
    return t.narrow(2, begin, t.size(2) - cut).narrow(3, begin, t.size(3) - cut);
  }

  /**
   * Per-sample results as one batch. A single result is returned as it is: a TensorVector's
   * elements are views into the vector, which would not outlive it.
   */
  private static Tensor catBatch(List<Tensor> samples) {
    if (samples.size() == 1) {
      return samples.get(0);
    }
    TensorVector v = new TensorVector();
    for (Tensor t : samples) {
      v.push_back(t);
    }
    return torch.cat(v, 0);
  }
}
