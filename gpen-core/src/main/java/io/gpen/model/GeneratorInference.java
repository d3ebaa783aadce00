package io.gpen.model;

import static io.gpen.model.Ops.L;
import static io.gpen.model.Ops.none;
import static io.gpen.model.Ops.s;
import static io.gpen.model.Ops.some;

import io.gpen.nn.Convolutions;
import io.gpen.nn.Layer;
import io.gpen.nn.Sequential;
import io.gpen.ops.FusedLeakyRelu;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;

/**
 * The inference fast path of a {@link FullGenerator}: the same function as
 * {@link FullGenerator#forward}, computed with fewer passes over memory. Tested against the
 * reference forward pass.
 *
 * <p>What it changes, each an exact rewrite of the reference arithmetic:
 *
 * <ul>
 *   <li>Activations are kept channels-last, where oneDNN's convolutions, transposed convolutions
 *       and depthwise blurs run several times faster on CPU.
 *   <li>Every layer's style vector comes from one matrix product (all layers share the latent).
 *   <li>Modulation is applied where it is cheaper: on the weights (per sample, where the
 *       activations are large) or on the activations (input scaled by the style, output by the
 *       demodulation factor, where the weights are large). Demodulation factors come from
 *       precomputed squared weight norms.
 *   <li>√2 of the fused leaky ReLU and the equalised-learning-rate scales are folded into weights
 *       and biases (leaky ReLU is positively homogeneous); biases ride in the convolution or in the
 *       single pass that writes each half of the concatenated feature buffer.
 *   <li>Each layer's temporaries are freed as soon as the layer returns, and the decoder's feature
 *       buffers are reused from pass to pass instead of being allocated (and page-faulted) anew.
 * </ul>
 *
 * <p>It snapshots the weights when built: rebuild it after the model's weights change. It is safe
 * to share between threads: passes are serialised (they reuse the decoder buffers, and each pass
 * already uses every core), and {@link #close()} waits for the pass in progress.
 */
public final class GeneratorInference implements AutoCloseable {
  // In-place operations (add_, leaky_relu_, ...) return a non-owning view of their receiver: a
  // layer returns the receiver itself, never that view, so that the result outlives the layer's scope.
  private static final double SQRT2 = FusedLeakyRelu.SCALE;
  private static final double SLOPE = FusedLeakyRelu.NEGATIVE_SLOPE;

  private final GpenConfig config;
  private final List<Tensor> owned = new ArrayList<>();
  private final List<EncoderStage> encoder = new ArrayList<>();
  private final LinearLayer finalLinear;
  private final List<LinearLayer> mapping = new ArrayList<>();
  private final Tensor styleWeight;
  private final Tensor styleBias;
  private final Tensor constant;
  private final List<StyledLayer> convs = new ArrayList<>();
  private final List<RgbLayer> rgbs = new ArrayList<>();
  private final BufferPair buffers = new BufferPair();
  private boolean closed;

  /** Precomputes the folded weights of {@code model} (its current values). */
  public GeneratorInference(FullGenerator model) {
    this.config = model.config();
    try (PointerScope scope = new PointerScope();
        InferenceMode mode = new InferenceMode()) {
      for (Sequential stage : model.encoder()) {
        encoder.add(new EncoderStage((ConvLayer) stage.layers().get(0)));
      }
      finalLinear = new LinearLayer((EqualLinear) model.finalLinear().layers().get(0));
      Generator g = model.generator();
      List<Layer> style = g.style().layers();
      for (int i = 1; i < style.size(); i++) {
        mapping.add(new LinearLayer((EqualLinear) style.get(i)));
      }
      List<EqualLinear> modulations = new ArrayList<>();
      int offset = 0;
      int res = 4;
      convs.add(new StyledLayer(g.conv1(), res, offset));
      modulations.add(g.conv1().conv().modulation());
      offset += g.conv1().conv().inChannels();
      rgbs.add(new RgbLayer(g.toRgb1(), offset));
      modulations.add(g.toRgb1().conv().modulation());
      offset += g.toRgb1().conv().inChannels();
      for (int j = 0; j < g.toRgbs().size(); j++) {
        for (int t = 0; t < 2; t++) {
          StyledConv c = g.convs().get(2 * j + t);
          convs.add(new StyledLayer(c, res, offset));
          modulations.add(c.conv().modulation());
          offset += c.conv().inChannels();
          if (t == 0) {
            res *= 2;
          }
        }
        ToRGB r = g.toRgbs().get(j);
        rgbs.add(new RgbLayer(r, offset));
        modulations.add(r.conv().modulation());
        offset += r.conv().inChannels();
      }
      TensorVector ws = new TensorVector();
      TensorVector bs = new TensorVector();
      for (EqualLinear m : modulations) {
        ws.push_back(m.weight().mul(s(m.scale())));
        bs.push_back(m.bias().mul(s(m.lrMul())));
      }
      styleWeight = keep(torch.cat(ws, 0));
      styleBias = keep(torch.cat(bs, 0));
      constant = keep(g.input().input().contiguous(MemoryFormat.ChannelsLast));
    }
  }

  public GpenConfig config() {
    return config;
  }

  /**
   * Restores a batch [B,3,S,S], RGB in [-1,1]; returns a new [B,3,S,S] tensor owned by the
   * caller's {@link PointerScope} (or the garbage collector where there is none).
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
      List<Tensor> features = new ArrayList<>();
      Tensor skip = null;
      Tensor out = null;
      Tensor styles = null;
      try {
        Tensor h = input;
        for (EncoderStage stage : encoder) {
          Tensor x = h;
          h = step(() -> stage.forward(x));
          features.add(h);
        }
        styles = step(() -> styles(features.get(features.size() - 1), batch));
        List<Tensor> noise = FullGenerator.noiseList(features);
        Tensor st = styles;
        out = step(() -> convs.get(0).forward(constant.repeat(batch, 1, 1, 1), st, noise.get(0)));
        Tensor first = out;
        skip = step(() -> rgbs.get(0).forward(first, st, null));
        for (int j = 1; j < rgbs.size(); j++) {
          for (int c = 2 * j - 1; c <= 2 * j; c++) {
            StyledLayer layer = convs.get(c);
            Tensor x = out;
            Tensor n = noise.get(c);
            out = step(() -> layer.forward(x, st, n));
            buffers.give(x);
          }
          Tensor x = out;
          Tensor previous = skip;
          RgbLayer rgb = rgbs.get(j);
          skip = step(() -> rgb.forward(x, st, previous));
          previous.releaseReference();
          // the encoder feature at this resolution has had both of its uses
          features.get(features.size() - 1 - j).releaseReference();
          features.set(features.size() - 1 - j, null);
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

  /** Latent code from the 4×4 encoder feature, mapping network, then every layer's style at once. */
  private Tensor styles(Tensor coarsest, long batch) {
    Tensor z = finalLinear.forward(coarsest.contiguous().reshape(batch, -1));
    Tensor w = z.mul(z.pow(s(2)).mean(L(1), true, new ScalarTypeOptional()).add(s(1e-8)).rsqrt());
    for (LinearLayer l : mapping) {
      w = l.forward(w);
    }
    return affine(w, styleWeight, styleBias);
  }

  /**
   * Runs one layer in its own scope, freeing its temporaries on return; the result is retained
   * (release it with {@code releaseReference()}).
   */
  private static Tensor step(java.util.function.Supplier<Tensor> layer) {
    try (PointerScope scope = new PointerScope()) {
      Tensor t = layer.get();
      t.retainReference();
      return t;
    }
  }

  private Tensor keep(Tensor t) {
    t.retainReference();
    owned.add(t);
    return t;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    buffers.close();
    for (Tensor t : owned) {
      t.releaseReference();
    }
    owned.clear();
  }

  /** A fused-activation linear layer with scales and √2 folded in: lrelu(x·Wᵀ + b). */
  private final class LinearLayer {
    final Tensor weight;
    final Tensor bias;
    final boolean activate;

    LinearLayer(EqualLinear l) {
      double gain = l.activate() ? SQRT2 : 1;
      weight = keep(l.weight().mul(s(l.scale() * gain)).contiguous());
      bias = keep(l.bias().mul(s(l.lrMul() * gain)));
      activate = l.activate();
    }

    Tensor forward(Tensor x) {
      Tensor y = affine(x, weight, bias);
      if (activate) {
        torch.leaky_relu_(y, s(SLOPE));
      }
      return y;
    }
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

  /** An encoder ConvLayer: [blur] → conv (scale, √2 and bias folded) → in-place leaky ReLU. */
  private final class EncoderStage {
    final Tensor blurKernel;
    final int blurPad;
    final Tensor weight;
    final Tensor bias;
    final int stride;
    final int padding;

    EncoderStage(ConvLayer layer) {
      List<Layer> parts = layer.layers();
      int i = 0;
      if (parts.get(0) instanceof Blur b) {
        if (b.pad0() != b.pad1()) {
          throw new IllegalStateException("asymmetric encoder blur padding");
        }
        blurKernel = keep(depthwise(b.kernel(), -1));
        blurPad = b.pad0();
        i = 1;
      } else {
        blurKernel = null;
        blurPad = 0;
      }
      EqualConv2d conv = (EqualConv2d) parts.get(i);
      FusedLeakyReLU act = (FusedLeakyReLU) parts.get(i + 1);
      weight = keep(conv.weight().mul(s(conv.scale() * SQRT2)).contiguous(MemoryFormat.ChannelsLast));
      bias = keep(act.bias().mul(s(SQRT2)));
      stride = conv.stride();
      padding = conv.padding();
    }

    Tensor forward(Tensor x) {
      x = x.contiguous(MemoryFormat.ChannelsLast);
      if (blurKernel != null) {
        x = torch.conv2d(x, expandTo(blurKernel, x.size(1)), none(), L(1, 1), L(blurPad, blurPad), L(1, 1), x.size(1));
      }
      Tensor y = Convolutions.conv2d(x, weight, bias, L(stride, stride), L(padding, padding), 1);
      torch.leaky_relu_(y, s(SLOPE));
      return y;
    }
  }

  /** A decoder StyledConv: modulated (transposed) conv, noise injection and activation. */
  private final class StyledLayer {
    final int styleOffset;
    final int in;
    final int out;
    final int k;
    final boolean upsample;
    final boolean isConcat;
    final boolean modulateActivations;
    final double scale;
    /** [out,in,k,k] (plain) or [in,out,k,k] (transposed), channels-last. */
    final Tensor weight;
    /** scale²·Σ_k W² per [out,in]: demodulation is rsqrt(s² · this + 1e-8). */
    final Tensor weightSqT;
    final Tensor blurKernel;
    final Tensor bias1;
    final Tensor bias2;
    final double noiseWeight;

    StyledLayer(StyledConv c, int inputRes, int styleOffset) {
      ModulatedConv2d m = c.conv();
      this.styleOffset = styleOffset;
      in = m.inChannels();
      out = m.outChannels();
      k = m.kernelSize();
      upsample = m.upsample();
      isConcat = c.noise().isConcat();
      scale = m.scale();
      // weights are large at coarse resolutions and activations at fine ones
      modulateActivations = (long) inputRes * inputRes < (long) out * k * k;
      Tensor w4 = m.weight().view(out, in, k, k);
      weight = keep(upsample ? w4.transpose(0, 1).contiguous(MemoryFormat.ChannelsLast) : w4.contiguous(MemoryFormat.ChannelsLast));
      weightSqT = keep(w4.pow(s(2)).sum(L(2, 3), false, new ScalarTypeOptional()).mul(s(scale * scale)).t().contiguous());
      blurKernel = upsample ? keep(depthwise(m.blur().kernel(), out)) : null;
      Tensor b = c.activate().bias().mul(s(SQRT2));
      bias1 = keep(b.narrow(0, 0, out).view(1, out, 1, 1).contiguous());
      bias2 = isConcat ? keep(b.narrow(0, out, out).view(1, out, 1, 1).contiguous()) : null;
      noiseWeight = c.noise().weight().item_double() * SQRT2;
    }

    Tensor forward(Tensor x, Tensor styles, Tensor noise) {
      long batch = x.size(0);
      Tensor st = styles.narrow(1, styleOffset, in);
      // demodulation factors [B,out], with √2 folded in
      Tensor demod = torch.mm(st.pow(s(2)), weightSqT).add_(s(1e-8)).rsqrt().mul_(s(SQRT2));
      Tensor y;
      if (modulateActivations) {
        Tensor xs = x.mul(st.mul(s(scale)).view(batch, in, 1, 1));
        y = upsample ? blur(transposed(xs, weight)) : conv(xs, weight);
      } else {
        // per-sample weights: W · scale · s[i] · d[o]
        List<Tensor> outs = new ArrayList<>();
        for (long b = 0; b < batch; b++) {
          Tensor f = torch.outer(demod.select(0, b), st.select(0, b).mul(s(scale)));
          Tensor xb = x.narrow(0, b, 1);
          if (upsample) {
            Tensor wb = weight.mul(f.t().reshape(in, out, 1, 1));
            outs.add(blur(transposed(xb, wb)));
          } else {
            Tensor wb = weight.mul(f.reshape(out, in, 1, 1));
            outs.add(conv(xb, wb));
          }
        }
        y = catBatch(outs);
      }
      long h = y.size(2);
      long w = y.size(3);
      Tensor buf = buffers.take(batch, isConcat ? 2L * out : out, h, w);
      Tensor first = isConcat ? buf.narrow(1, 0, out) : buf;
      if (modulateActivations) {
        torch.addcmul_out(first, bias1, y, demod.view(batch, out, 1, 1));
      } else {
        torch.add_out(first, bias1, y);
      }
      if (isConcat) {
        torch.add_out(buf.narrow(1, out, out), bias2, noise, s(noiseWeight));
      } else {
        buf.add_(noise, s(noiseWeight));
      }
      torch.leaky_relu_(buf, s(SLOPE));
      return buf;
    }

    private Tensor conv(Tensor x, Tensor w) {
      return torch.conv2d(x, w, none(), L(1, 1), L(k / 2, k / 2), L(1, 1), 1);
    }

    private Tensor transposed(Tensor x, Tensor w) {
      return torch.conv_transpose2d(x, w, none(), L(2, 2), L(0, 0), L(0, 0), 1, 1, 1);
    }

    private Tensor blur(Tensor t) {
      return torch.conv2d(t, blurKernel, none(), L(1, 1), L(1, 1), L(1, 1), out);
    }
  }

  /** A ToRGB layer: per-sample 1×1 weights (3 outputs, no demodulation) and the upsampled skip. */
  private final class RgbLayer {
    final int styleOffset;
    final int in;
    final Tensor weight;
    final Tensor bias;
    final Tensor upKernel;

    RgbLayer(ToRGB r, int styleOffset) {
      ModulatedConv2d m = r.conv();
      this.styleOffset = styleOffset;
      in = m.inChannels();
      weight = keep(m.weight().view(3, in).mul(s(m.scale())));
      bias = keep(r.bias().view(3).clone());
      upKernel = r.upsample() == null ? null : keep(r.upsample().kernel().view(1, 1, 4, 4).expand(3, 1, 4, 4).contiguous());
    }

    Tensor forward(Tensor x, Tensor styles, Tensor skip) {
      long batch = x.size(0);
      Tensor st = styles.narrow(1, styleOffset, in);
      List<Tensor> outs = new ArrayList<>();
      for (long b = 0; b < batch; b++) {
        Tensor wb = weight.mul(st.select(0, b).view(1, in)).view(3, in, 1, 1).contiguous(MemoryFormat.ChannelsLast);
        outs.add(torch.conv2d(x.narrow(0, b, 1), wb, some(bias), L(1, 1), L(0, 0), L(1, 1), 1));
      }
      Tensor y = catBatch(outs);
      if (skip != null) {
        // upfirdn2d(up=2, pad=(2,1)) of the skip is a stride-2 depthwise transposed conv cropped by 1
        Tensor up = torch.conv_transpose2d(skip, upKernel, none(), L(2, 2), L(1, 1), L(0, 0), 3, 1, 1);
        y.add_(up);
      }
      return y;
    }
  }

  /**
   * The two feature buffers the decoder alternates between: a styled convolution writes its
   * concatenated output into one while reading the other. They grow to the largest layer and are
   * then reused by every later pass: at 512 px a buffer is 134 MB, and a fresh one costs about
   * 33,000 page faults (measured with /proc/self/stat) on every pass.
   */
  private static final class BufferPair implements AutoCloseable {
    private final Tensor[] flat = new Tensor[2];
    private final boolean[] busy = new boolean[2];

    /** A free buffer viewed as a channels-last [n,c,h,w] tensor (retained; hand back with give). */
    Tensor take(long n, long c, long h, long w) {
      int i = !busy[0] ? 0 : !busy[1] ? 1 : -1;
      if (i < 0) {
        throw new IllegalStateException("both decoder buffers are in use");
      }
      long numel = n * c * h * w;
      if (flat[i] == null || flat[i].numel() < numel) {
        if (flat[i] != null) {
          flat[i].releaseReference();
        }
        flat[i] = torch.empty(numel);
        flat[i].retainReference();
      }
      busy[i] = true;
      return flat[i].narrow(0, 0, numel).view(n, h, w, c).permute(0, 3, 1, 2);
    }

    /** Takes back the buffer behind {@code view} and releases the view's handle. */
    void give(Tensor view) {
      long address = view.data_ptr().address();
      for (int i = 0; i < 2; i++) {
        if (flat[i] != null && flat[i].data_ptr().address() == address) {
          busy[i] = false;
        }
      }
      view.releaseReference();
    }

    /** A pass starts with both buffers free (an earlier pass may have ended in an exception). */
    void reset() {
      busy[0] = false;
      busy[1] = false;
    }

    @Override
    public void close() {
      for (int i = 0; i < 2; i++) {
        if (flat[i] != null) {
          flat[i].releaseReference();
          flat[i] = null;
        }
      }
    }
  }

  /** A [C,1,kh,kw] depthwise weight of the flipped FIR kernel (true convolution), channels-last. */
  private static Tensor depthwise(Tensor kernel, int channels) {
    Tensor k = kernel.flip(0, 1).view(1, 1, kernel.size(0), kernel.size(1));
    return channels < 0 ? k.contiguous() : k.expand(channels, 1, kernel.size(0), kernel.size(1)).contiguous(MemoryFormat.ChannelsLast);
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


  private static Tensor expandTo(Tensor k, long channels) {
    return k.expand(channels, 1, k.size(2), k.size(3)).contiguous(MemoryFormat.ChannelsLast);
  }
}
