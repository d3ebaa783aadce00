package io.gpen.onnx;

import io.gpen.model.FirFilter;
import io.gpen.model.FoldedEncoderStage;
import io.gpen.model.FoldedLinear;
import io.gpen.model.FoldedStyledConv;
import io.gpen.model.FoldedToRgb;
import io.gpen.model.FullGenerator;
import io.gpen.model.GeneratorPlan;
import io.gpen.model.PixelNorm;
import io.gpen.nn.Tensors;
import io.gpen.ops.FusedLeakyRelu;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;

/**
 * The ONNX graph of a {@link FullGenerator}: the function of {@code FullGenerator.forward} (the
 * image; the latents are not an output), written from the model's {@link GeneratorPlan}, the one
 * the inference fast path executes. Its folded weights become the initializers.
 *
 * <p>Every weight is static, so nothing fixes the batch size. The per-sample modulated convolution
 * {@code conv(x, W·s[b]·d[b])} is computed as {@code conv(x·s[b], W)·d[b]}: the style scales the
 * input channels, the convolution uses the plan's weight, and the demodulation factor (from the
 * plan's squared weight norms, √2 included) scales the output channels. All style projections are
 * one Gemm. The learned constant is not repeated over the batch: multiplying it ([1,C,4,4]) by the
 * styles ([N,C,1,1]) broadcasts.
 *
 * <p>The input is [N,3,S,S] and the output [N,3,O,O] (larger for a {@code FullGenerator_SR}). The
 * decoder layers finer than the input draw N(0,1) noise on every run, as the reference's do, with
 * RandomNormalLike of the convolution's output (ONNX Runtime's generator: other numbers than
 * libtorch's); or, built with {@code noiseInputs}, take it from graph inputs named {@code
 * <layer>.noise} ([N,C,H,W], e.g. {@code generator.convs.6.noise}), to feed chosen noise.
 *
 * <p>Operators (opset 17): Conv (grouped for the FIR blurs), ConvTranspose (the stride-2 upsampling
 * convolutions, grouped for the RGB skip), Gemm, MatMul, LeakyRelu, Mul, Add, Div, Sqrt,
 * Reciprocal, ReduceMean, Slice, Unsqueeze, Concat, Flatten, and RandomNormalLike for drawn noise.
 */
final class GeneratorGraph {
  /** The graph's output value. */
  static final String OUTPUT = "output";

  private static final float SLOPE = (float) FusedLeakyRelu.NEGATIVE_SLOPE;
  private static final long[] AXES_HW = {2, 3};

  /** Suffix of the name of a noise input: the layer's name, then this. */
  static final String NOISE_INPUT_SUFFIX = ".noise";

  private final OnnxGraph graph = new OnnxGraph();
  private final boolean noiseInputs;
  private String styles;
  private long batch;

  private GeneratorGraph(boolean noiseInputs) {
    this.noiseInputs = noiseInputs;
  }

  /**
   * The graph of {@code model}'s current weights; layers without an encoder feature draw their
   * noise in the graph.
   *
   * @param inputName name of the image input
   * @param batch the batch dimension, or -1 for a symbolic (any) batch size
   */
  static OnnxGraph build(FullGenerator model, String inputName, long batch) {
    return build(model, inputName, batch, false);
  }

  /**
   * As {@link #build(FullGenerator, String, long)}; with {@code noiseInputs}, the noise of layers
   * without an encoder feature is a graph input named {@code <layer>.noise} instead.
   */
  static OnnxGraph build(FullGenerator model, String inputName, long batch, boolean noiseInputs) {
    GeneratorGraph b = new GeneratorGraph(noiseInputs);
    try (PointerScope scope = new PointerScope();
        InferenceMode mode = new InferenceMode();
        GeneratorPlan plan = new GeneratorPlan(model)) {
      b.translate(plan, inputName, batch);
    }
    return b.graph;
  }

  private void translate(GeneratorPlan plan, String inputName, long batch) {
    this.batch = batch;
    int size = plan.config().size();
    String x = graph.input(inputName, batch, 3, size, size);
    List<String> features = new ArrayList<>();
    List<FoldedEncoderStage> stages = plan.encoder();
    for (int i = 0; i < stages.size(); i++) {
      x = encoderStage("ecd" + i, x, stages.get(i));
      features.add(x);
    }
    x = graph.op("Flatten", "flatten", new String[] {x}, Onnx.intAttribute("axis", 1));
    x = linear("final_linear", x, plan.finalLinear());
    x = pixelNorm(x);
    List<FoldedLinear> mapping = plan.mapping();
    for (int i = 0; i < mapping.size(); i++) {
      // the pixel norm is generator.style.0
      x = linear("generator.style." + (i + 1), x, mapping.get(i));
    }
    styles = styleProjection(x, plan);

    String out = graph.weight("generator.input", floats(plan.constant()), shape(plan.constant()));
    String skip = null;
    List<FoldedStyledConv> convs = plan.convs();
    List<FoldedToRgb> rgbs = plan.rgbs();
    for (int c = 0, j = 0; c < convs.size(); c++) {
      FoldedStyledConv conv = convs.get(c);
      String convName = c == 0 ? "generator.conv1" : "generator.convs." + (c - 1);
      out =
          styledConv(
              convName, out, conv, conv.drawsNoise() ? null : features.get(conv.noiseStage()));
      // a ToRGB follows conv1 and the second convolution of every higher resolution
      if (c % 2 == 0) {
        String rgbName = j == 0 ? "generator.to_rgb1" : "generator.to_rgbs." + (j - 1);
        String outputName = j == rgbs.size() - 1 ? OUTPUT : rgbName;
        skip = toRgb(rgbName, out, rgbs.get(j++), skip, outputName);
      }
    }
    int outSize = plan.config().outSize();
    graph.output(skip, batch, 3, outSize, outSize);
  }

  /** [blur →] conv with scale, √2 and bias folded → leaky ReLU. */
  private String encoderStage(String name, String x, FoldedEncoderStage stage) {
    if (stage.blur() != null) {
      x = filter(name + ".blur", x, stage.blur());
    }
    Tensor w = stage.weight();
    String weight = graph.weight(name + ".weight", floats(w), shape(w));
    String bias = graph.weight(name + ".bias", floats(stage.bias()), shape(stage.bias()));
    long k = w.size(2);
    long p = stage.padding();
    long s = stage.stride();
    x =
        graph.op(
            "Conv",
            name + ".conv",
            new String[] {x, weight, bias},
            Onnx.intsAttribute("kernel_shape", k, k),
            Onnx.intsAttribute("pads", p, p, p, p),
            Onnx.intsAttribute("strides", s, s));
    return leakyRelu(name, x);
  }

  /**
   * The reference upfirdn2d as the plan's depthwise operator: a Conv padded by (pad0, pad1), or a
   * strided ConvTranspose cropped by (cropBegin, cropEnd); ONNX takes pads as [begin…, end…].
   */
  private String filter(String name, String x, FirFilter f) {
    long c = f.channels();
    long k = f.weight().size(2);
    String weight = graph.weight(name + ".kernel", floats(f.weight()), c, 1, k, k);
    if (f.up() == 1) {
      return graph.op(
          "Conv",
          name,
          new String[] {x, weight},
          Onnx.intAttribute("group", c),
          Onnx.intsAttribute("kernel_shape", k, k),
          Onnx.intsAttribute("pads", f.pad0(), f.pad0(), f.pad1(), f.pad1()));
    }
    return graph.op(
        "ConvTranspose",
        name,
        new String[] {x, weight},
        Onnx.intAttribute("group", c),
        Onnx.intsAttribute("kernel_shape", k, k),
        Onnx.intsAttribute("strides", f.up(), f.up()),
        Onnx.intsAttribute("pads", f.cropBegin(), f.cropBegin(), f.cropEnd(), f.cropEnd()));
  }

  /** A folded EqualLinear as one Gemm (weight kept [out,in], transposed by the operator). */
  private String linear(String name, String x, FoldedLinear l) {
    String weight = graph.weight(name + ".weight", floats(l.weight()), shape(l.weight()));
    String bias = graph.weight(name + ".bias", floats(l.bias()), shape(l.bias()));
    String y =
        graph.op("Gemm", name, new String[] {x, weight, bias}, Onnx.intAttribute("transB", 1));
    return l.activate() ? leakyRelu(name, y) : y;
  }

  /** z / √(mean(z²) + ε) over the latent dimension. */
  private String pixelNorm(String z) {
    String sq = graph.op("Mul", "pixel_norm.square", new String[] {z, z});
    String mean =
        graph.op(
            "ReduceMean",
            "pixel_norm.mean",
            new String[] {sq},
            Onnx.intsAttribute("axes", 1),
            Onnx.intAttribute("keepdims", 1));
    String eps =
        graph.op("Add", "pixel_norm.eps", new String[] {mean, graph.scalar((float) PixelNorm.EPS)});
    String norm = graph.op("Sqrt", "pixel_norm.norm", new String[] {eps});
    return graph.op("Div", "pixel_norm", new String[] {z, norm});
  }

  /** Every layer's style vector from one Gemm; a layer's styles start at its offset. */
  private String styleProjection(String w, GeneratorPlan plan) {
    Tensor weight = plan.styleWeight();
    Tensor bias = plan.styleBias();
    String wName = graph.weight("generator.modulations.weight", floats(weight), shape(weight));
    String bName = graph.weight("generator.modulations.bias", floats(bias), shape(bias));
    return graph.op(
        "Gemm", "styles", new String[] {w, wName, bName}, Onnx.intAttribute("transB", 1));
  }

  /** The {@code channels} styles [N,channels] from {@code offset}. */
  private String style(String name, int offset, int channels) {
    return graph.op(
        "Slice",
        name + ".style",
        new String[] {styles, graph.ints(offset), graph.ints(offset + channels), graph.ints(1)});
  }

  private String unsqueezeHw(String name, String x) {
    return graph.op("Unsqueeze", name, new String[] {x, graph.ints(AXES_HW)});
  }

  /**
   * A StyledConv: modulated (transposed) conv with demodulation, noise injection, activation.
   *
   * @param noise the encoder feature, or null for a layer whose noise is drawn (or a graph input)
   */
  private String styledConv(String name, String x, FoldedStyledConv c, String noise) {
    int in = c.in();
    int out = c.out();
    int k = c.kernel();
    long p = c.padding();
    String style = style(name, c.styleOffset(), in);
    String xs =
        graph.op("Mul", name + ".modulate", new String[] {x, unsqueezeHw(name + ".style4", style)});

    String y;
    if (c.up() > 1) {
      String weight = graph.weight(name + ".weight", floats(c.weight()), in, out, k, k);
      y =
          graph.op(
              "ConvTranspose",
              name + ".conv",
              new String[] {xs, weight},
              Onnx.intsAttribute("kernel_shape", k, k),
              Onnx.intsAttribute("strides", c.up(), c.up()),
              Onnx.intsAttribute("pads", p, p, p, p));
      y = filter(name + ".blur", y, c.blur());
    } else {
      String weight = graph.weight(name + ".weight", floats(c.weight()), out, in, k, k);
      y =
          graph.op(
              "Conv",
              name + ".conv",
              new String[] {xs, weight},
              Onnx.intsAttribute("kernel_shape", k, k),
              Onnx.intsAttribute("pads", p, p, p, p));
    }

    String norms = graph.weight(name + ".weight_norms", floats(c.norms()), in, out);
    String s2 = graph.op("Mul", name + ".style_sq", new String[] {style, style});
    String sum = graph.op("MatMul", name + ".demod_sum", new String[] {s2, norms});
    String eps =
        graph.op(
            "Add",
            name + ".demod_eps",
            new String[] {sum, graph.scalar((float) GeneratorPlan.DEMODULATION_EPS)});
    String root = graph.op("Sqrt", name + ".demod_sqrt", new String[] {eps});
    String demod = graph.op("Reciprocal", name + ".demod", new String[] {root});
    y =
        graph.op(
            "Mul", name + ".demodulate", new String[] {y, unsqueezeHw(name + ".demod4", demod)});

    if (noise == null) {
      if (noiseInputs) {
        long res = (long) c.inputSize() * c.up();
        noise = graph.input(name + NOISE_INPUT_SUFFIX, batch, out, res, res);
      } else {
        // N(0,1) of the convolution output's shape [N,out,H,W], as the reference's NoiseInjection
        noise = graph.op("RandomNormalLike", name + ".draw_noise", new String[] {y});
      }
    }
    String scaledNoise =
        graph.op(
            "Mul", name + ".noise", new String[] {noise, graph.scalar((float) c.noiseWeight())});
    String b = graph.weight(name + ".bias", floats(c.bias()), out, 1, 1);
    String h;
    if (c.concatenatesNoise()) {
      String b2 = graph.weight(name + ".noise_bias", floats(c.noiseBias()), out, 1, 1);
      String first = graph.op("Add", name + ".biased", new String[] {y, b});
      String second = graph.op("Add", name + ".noise_biased", new String[] {scaledNoise, b2});
      h =
          graph.op(
              "Concat",
              name + ".concat",
              new String[] {first, second},
              Onnx.intAttribute("axis", 1));
    } else {
      String biased = graph.op("Add", name + ".biased", new String[] {y, b});
      h = graph.op("Add", name + ".noised", new String[] {biased, scaledNoise});
    }
    return leakyRelu(name, h);
  }

  /** A ToRGB: 1×1 modulated conv (no demodulation) plus bias, plus the FIR-upsampled skip. */
  private String toRgb(String name, String x, FoldedToRgb r, String skip, String outputName) {
    int in = r.in();
    String style = style(name, r.styleOffset(), in);
    String xs =
        graph.op("Mul", name + ".modulate", new String[] {x, unsqueezeHw(name + ".style4", style)});
    String weight = graph.weight(name + ".weight", floats(r.weight()), 3, in, 1, 1);
    String bias = graph.weight(name + ".bias", floats(r.bias()), 3);
    String y =
        graph.op(
            "Conv",
            skip == null ? outputName : name + ".conv",
            new String[] {xs, weight, bias},
            Onnx.intsAttribute("kernel_shape", 1, 1));
    if (skip == null) {
      return y;
    }
    String up = filter(name + ".upsample", skip, r.upsample());
    return graph.op("Add", outputName, new String[] {y, up});
  }

  private String leakyRelu(String name, String x) {
    return graph.op(
        "LeakyRelu", name + ".act", new String[] {x}, Onnx.floatAttribute("alpha", SLOPE));
  }

  private static float[] floats(Tensor t) {
    return Tensors.toFloats(t);
  }

  private static long[] shape(Tensor t) {
    return Tensors.shape(t);
  }
}
