package io.gpen.onnx;

import io.gpen.model.Blur;
import io.gpen.model.ConvLayer;
import io.gpen.model.EqualConv2d;
import io.gpen.model.EqualLinear;
import io.gpen.model.FullGenerator;
import io.gpen.model.FusedLeakyReLU;
import io.gpen.model.Generator;
import io.gpen.model.ModulatedConv2d;
import io.gpen.model.StyledConv;
import io.gpen.model.ToRGB;
import io.gpen.nn.Layer;
import io.gpen.nn.Sequential;
import io.gpen.nn.Tensors;
import io.gpen.ops.FusedLeakyRelu;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The ONNX graph of a {@link FullGenerator}: the function of {@code FullGenerator.forward} (the
 * image; the latents are not an output), written from the project's own module tree.
 *
 * <p>Every weight is static, so nothing fixes the batch size. The per-sample modulated convolution
 * {@code conv(x, W·s[b]·d[b])} is computed as {@code conv(x·s[b], W)·d[b]}: the style scales the
 * input channels, the convolution uses the stored weight, and the demodulation factor
 * {@code d = 1/√(s²·ΣW² + 1e-8)} (from precomputed squared weight norms) scales the output channels;
 * this is the same arithmetic regrouped, as in {@code GeneratorInference}. Folded into the
 * initializers, also as there: the equalised-learning-rate scales, the √2 of the fused leaky ReLU
 * (leaky ReLU is positively homogeneous; for the demodulated layers √2 goes into the norms as ½ and
 * into ε as 5e-9) and all style projections, computed by one Gemm. The learned constant is not
 * repeated over the batch: multiplying it ([1,C,4,4]) by the styles ([N,C,1,1]) broadcasts.
 *
 * <p>Operators (opset 17): Conv (grouped for the FIR blurs), ConvTranspose (the stride-2 upsampling
 * convolutions, grouped for the RGB skip), Gemm, MatMul, LeakyRelu, Mul, Add, Div, Sqrt, Reciprocal,
 * ReduceMean, Slice, Unsqueeze, Concat, Flatten.
 */
final class GeneratorGraph {
  /** The graph's output value. */
  static final String OUTPUT = "output";

  private static final double SQRT2 = FusedLeakyRelu.SCALE;
  private static final float SLOPE = (float) FusedLeakyRelu.NEGATIVE_SLOPE;
  private static final long[] AXES_HW = {2, 3};

  private final OnnxGraph graph = new OnnxGraph();
  private String styles;
  private int styleOffset;

  private GeneratorGraph() {}

  /**
   * The graph of {@code model}'s current weights.
   *
   * @param inputName name of the image input
   * @param batch the batch dimension, or -1 for a symbolic (any) batch size
   */
  static OnnxGraph build(FullGenerator model, String inputName, long batch) {
    GeneratorGraph b = new GeneratorGraph();
    try (PointerScope scope = new PointerScope();
        InferenceMode mode = new InferenceMode()) {
      b.translate(model, inputName, batch);
    }
    return b.graph;
  }

  private void translate(FullGenerator model, String inputName, long batch) {
    int size = model.config().size();
    String x = graph.input(inputName, batch, 3, size, size);
    List<String> features = new ArrayList<>();
    List<Sequential> stages = model.encoder();
    for (int i = 0; i < stages.size(); i++) {
      x = encoderStage("ecd" + i, x, (ConvLayer) stages.get(i).layers().get(0));
      features.add(x);
    }
    x = graph.op("Flatten", "flatten", new String[] {x}, Onnx.intAttribute("axis", 1));
    x = linear("final_linear", x, (EqualLinear) model.finalLinear().layers().get(0));
    Generator g = model.generator();
    List<Layer> mapping = g.style().layers();
    x = pixelNorm(x);
    for (int i = 1; i < mapping.size(); i++) {
      x = linear("generator.style." + i, x, (EqualLinear) mapping.get(i));
    }
    styles = styleProjection(x, g);

    List<String> noise = noiseList(features);
    String constant = graph.weight("generator.input", floats(g.input().input()), shape(g.input().input()));
    String out = styledConv("generator.conv1", constant, g.conv1(), noise.get(0));
    String skip = toRgb("generator.to_rgb1", out, g.toRgb1(), null, "generator.to_rgb1");
    for (int j = 0; j < g.toRgbs().size(); j++) {
      out = styledConv("generator.convs." + (2 * j), out, g.convs().get(2 * j), noise.get(2 * j + 1));
      out = styledConv("generator.convs." + (2 * j + 1), out, g.convs().get(2 * j + 1), noise.get(2 * j + 2));
      boolean last = j == g.toRgbs().size() - 1;
      skip = toRgb("generator.to_rgbs." + j, out, g.toRgbs().get(j), skip, last ? OUTPUT : "generator.to_rgbs." + j);
    }
    graph.output(skip, batch, 3, size, size);
  }

  /** The decoder's noise inputs: each encoder feature twice, coarsest first, without the first. */
  private static List<String> noiseList(List<String> features) {
    List<String> noise = new ArrayList<>();
    for (int i = features.size() - 1; i >= 0; i--) {
      noise.add(features.get(i));
      noise.add(features.get(i));
    }
    return noise.subList(1, noise.size());
  }

  /** [blur →] conv with scale, √2 and bias folded → leaky ReLU. */
  private String encoderStage(String name, String x, ConvLayer layer) {
    List<Layer> parts = layer.layers();
    int i = 0;
    EqualConv2d conv;
    if (parts.get(0) instanceof Blur blur) {
      if (blur.pad0() != blur.pad1()) {
        throw new IllegalStateException(name + ": asymmetric blur padding " + blur.pad0() + "," + blur.pad1());
      }
      conv = (EqualConv2d) parts.get(1);
      x = blur(name + ".blur", x, blur.kernel(), conv.weight().size(1), blur.pad0());
      i = 1;
    } else {
      conv = (EqualConv2d) parts.get(0);
    }
    FusedLeakyReLU act = (FusedLeakyReLU) parts.get(i + 1);
    Tensor w = conv.weight().mul(Tensors.scalar(conv.scale() * SQRT2));
    String weight = graph.weight(name + ".weight", floats(w), shape(w));
    String bias = graph.weight(name + ".bias", floats(act.bias().mul(Tensors.scalar(SQRT2))), act.bias().size(0));
    long k = conv.weight().size(2);
    long p = conv.padding();
    long s = conv.stride();
    x = graph.op("Conv", name + ".conv", new String[] {x, weight, bias},
        Onnx.intsAttribute("kernel_shape", k, k),
        Onnx.intsAttribute("pads", p, p, p, p),
        Onnx.intsAttribute("strides", s, s));
    return leakyRelu(name, x);
  }

  /** The FIR filter as a true convolution: a depthwise Conv with the flipped kernel. */
  private String blur(String name, String x, Tensor kernel, long channels, long pad) {
    long kh = kernel.size(0);
    long kw = kernel.size(1);
    Tensor w = kernel.flip(0, 1).reshape(1, 1, kh, kw).expand(channels, 1, kh, kw);
    String weight = graph.weight(name + ".kernel", floats(w), channels, 1, kh, kw);
    return graph.op("Conv", name, new String[] {x, weight},
        Onnx.intAttribute("group", channels),
        Onnx.intsAttribute("kernel_shape", kh, kw),
        Onnx.intsAttribute("pads", pad, pad, pad, pad));
  }

  /** An EqualLinear as one Gemm (weight kept [out,in], transposed by the operator). */
  private String linear(String name, String x, EqualLinear l) {
    double gain = l.activate() ? SQRT2 : 1;
    Tensor w = l.weight().mul(Tensors.scalar(l.scale() * gain));
    Tensor b = l.bias().mul(Tensors.scalar(l.lrMul() * gain));
    String weight = graph.weight(name + ".weight", floats(w), shape(w));
    String bias = graph.weight(name + ".bias", floats(b), shape(b));
    String y = graph.op("Gemm", name, new String[] {x, weight, bias}, Onnx.intAttribute("transB", 1));
    return l.activate() ? leakyRelu(name, y) : y;
  }

  /** z / √(mean(z²) + 1e-8) over the latent dimension. */
  private String pixelNorm(String z) {
    String sq = graph.op("Mul", "pixel_norm.square", new String[] {z, z});
    String mean = graph.op("ReduceMean", "pixel_norm.mean", new String[] {sq},
        Onnx.intsAttribute("axes", 1), Onnx.intAttribute("keepdims", 1));
    String eps = graph.op("Add", "pixel_norm.eps", new String[] {mean, graph.scalar(1e-8f)});
    String norm = graph.op("Sqrt", "pixel_norm.norm", new String[] {eps});
    return graph.op("Div", "pixel_norm", new String[] {z, norm});
  }

  /**
   * Every layer's style vector from one Gemm: the modulation layers of all styled convolutions and
   * ToRGBs, concatenated in the order the decoder consumes them (the styles of a layer are found
   * by offset).
   */
  private String styleProjection(String w, Generator g) {
    List<EqualLinear> mods = new ArrayList<>();
    mods.add(g.conv1().conv().modulation());
    mods.add(g.toRgb1().conv().modulation());
    for (int j = 0; j < g.toRgbs().size(); j++) {
      mods.add(g.convs().get(2 * j).conv().modulation());
      mods.add(g.convs().get(2 * j + 1).conv().modulation());
      mods.add(g.toRgbs().get(j).conv().modulation());
    }
    TensorVector ws = new TensorVector();
    TensorVector bs = new TensorVector();
    for (EqualLinear m : mods) {
      ws.push_back(m.weight().mul(Tensors.scalar(m.scale())));
      bs.push_back(m.bias().mul(Tensors.scalar(m.lrMul())));
    }
    Tensor weight = torch.cat(ws, 0);
    Tensor bias = torch.cat(bs, 0);
    String wName = graph.weight("generator.modulations.weight", floats(weight), shape(weight));
    String bName = graph.weight("generator.modulations.bias", floats(bias), shape(bias));
    return graph.op("Gemm", "styles", new String[] {w, wName, bName}, Onnx.intAttribute("transB", 1));
  }

  /** The next {@code channels} styles [N,channels] in decoder order. */
  private String nextStyle(String name, int channels) {
    String s = graph.op("Slice", name + ".style", new String[] {
        styles, graph.ints(styleOffset), graph.ints(styleOffset + channels), graph.ints(1)});
    styleOffset += channels;
    return s;
  }

  private String unsqueezeHw(String name, String x) {
    return graph.op("Unsqueeze", name, new String[] {x, graph.ints(AXES_HW)});
  }

  /** A StyledConv: modulated (transposed) conv with demodulation, noise injection, activation. */
  private String styledConv(String name, String x, StyledConv c, String noise) {
    ModulatedConv2d m = c.conv();
    int in = m.inChannels();
    int out = m.outChannels();
    int k = m.kernelSize();
    String style = nextStyle(name, in);
    String xs = graph.op("Mul", name + ".modulate", new String[] {x, unsqueezeHw(name + ".style4", style)});

    Tensor w4 = m.weight().reshape(out, in, k, k);
    Tensor w = w4.mul(Tensors.scalar(m.scale()));
    String y;
    if (m.upsample()) {
      Tensor wt = w.transpose(0, 1);
      String weight = graph.weight(name + ".weight", floats(wt), in, out, k, k);
      y = graph.op("ConvTranspose", name + ".conv", new String[] {xs, weight},
          Onnx.intsAttribute("kernel_shape", k, k),
          Onnx.intsAttribute("strides", 2, 2),
          Onnx.intsAttribute("pads", 0, 0, 0, 0));
      Blur b = m.blur();
      y = blur(name + ".blur", y, b.kernel(), out, b.pad0());
    } else {
      String weight = graph.weight(name + ".weight", floats(w), out, in, k, k);
      long p = k / 2;
      y = graph.op("Conv", name + ".conv", new String[] {xs, weight},
          Onnx.intsAttribute("kernel_shape", k, k),
          Onnx.intsAttribute("pads", p, p, p, p));
    }

    // d·√2 = 1/√(s²·(scale²·ΣW²)/2 + 1e-8/2)
    Tensor halfNormsT = w4.pow(Tensors.scalar(2)).sum(new long[] {2, 3}, false, new ScalarTypeOptional())
        .mul(Tensors.scalar(m.scale() * m.scale() / 2)).t();
    String norms = graph.weight(name + ".weight_norms", floats(halfNormsT), in, out);
    String s2 = graph.op("Mul", name + ".style_sq", new String[] {style, style});
    String sum = graph.op("MatMul", name + ".demod_sum", new String[] {s2, norms});
    String eps = graph.op("Add", name + ".demod_eps", new String[] {sum, graph.scalar(0.5e-8f)});
    String root = graph.op("Sqrt", name + ".demod_sqrt", new String[] {eps});
    String demod = graph.op("Reciprocal", name + ".demod", new String[] {root});
    y = graph.op("Mul", name + ".demodulate", new String[] {y, unsqueezeHw(name + ".demod4", demod)});

    Tensor bias = c.activate().bias().mul(Tensors.scalar(SQRT2));
    float noiseWeight = (float) (c.noise().weight().item_double() * SQRT2);
    String scaledNoise = graph.op("Mul", name + ".noise", new String[] {noise, graph.scalar(noiseWeight)});
    String h;
    if (c.noise().isConcat()) {
      String b1 = graph.weight(name + ".bias", floats(bias.narrow(0, 0, out)), out, 1, 1);
      String b2 = graph.weight(name + ".noise_bias", floats(bias.narrow(0, out, out)), out, 1, 1);
      String first = graph.op("Add", name + ".biased", new String[] {y, b1});
      String second = graph.op("Add", name + ".noise_biased", new String[] {scaledNoise, b2});
      h = graph.op("Concat", name + ".concat", new String[] {first, second}, Onnx.intAttribute("axis", 1));
    } else {
      String b = graph.weight(name + ".bias", floats(bias), out, 1, 1);
      String biased = graph.op("Add", name + ".biased", new String[] {y, b});
      h = graph.op("Add", name + ".noised", new String[] {biased, scaledNoise});
    }
    return leakyRelu(name, h);
  }

  /** A ToRGB: 1×1 modulated conv (no demodulation) plus bias, plus the 2× FIR-upsampled skip. */
  private String toRgb(String name, String x, ToRGB r, String skip, String outputName) {
    ModulatedConv2d m = r.conv();
    int in = m.inChannels();
    String style = nextStyle(name, in);
    String xs = graph.op("Mul", name + ".modulate", new String[] {x, unsqueezeHw(name + ".style4", style)});
    Tensor w = m.weight().reshape(3, in, 1, 1).mul(Tensors.scalar(m.scale()));
    String weight = graph.weight(name + ".weight", floats(w), 3, in, 1, 1);
    String bias = graph.weight(name + ".bias", floats(r.bias()), 3);
    String y = graph.op("Conv", skip == null ? outputName : name + ".conv", new String[] {xs, weight, bias},
        Onnx.intsAttribute("kernel_shape", 1, 1));
    if (skip == null) {
      return y;
    }
    // upfirdn2d(up=2, pad=(2,1)) is a stride-2 transposed conv (unflipped kernel) cropped by 1
    Tensor kernel = r.upsample().kernel();
    long kh = kernel.size(0);
    long kw = kernel.size(1);
    String upKernel = graph.weight(name + ".upsample.kernel", floats(kernel.reshape(1, 1, kh, kw).expand(3, 1, kh, kw)), 3, 1, kh, kw);
    String up = graph.op("ConvTranspose", name + ".upsample", new String[] {skip, upKernel},
        Onnx.intAttribute("group", 3),
        Onnx.intsAttribute("kernel_shape", kh, kw),
        Onnx.intsAttribute("strides", 2, 2),
        Onnx.intsAttribute("pads", 1, 1, 1, 1));
    return graph.op("Add", outputName, new String[] {y, up});
  }

  private String leakyRelu(String name, String x) {
    return graph.op("LeakyRelu", name + ".act", new String[] {x}, Onnx.floatAttribute("alpha", SLOPE));
  }

  private static float[] floats(Tensor t) {
    return Tensors.toFloats(t);
  }

  private static long[] shape(Tensor t) {
    return Tensors.shape(t);
  }
}
