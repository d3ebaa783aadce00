package io.gpen.model;

import static io.gpen.model.Ops.dims;
import static io.gpen.model.Ops.none;
import static io.gpen.model.Ops.scalar;

import io.gpen.nn.Module;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * StyleGAN2's style-modulated convolution: each sample's style scales the input channels of the
 * weight, which is then (optionally) demodulated to unit norm per output channel. Upsampling uses a
 * stride-2 transposed convolution followed by a blur.
 *
 * <p>{@link #forward} is the reference formulation (per-sample weights, grouped convolution), used
 * for training and as the exact reference for the inference fast path.
 */
public final class ModulatedConv2d extends Module {
  /** Stride of the upsampling transposed convolution. */
  public static final int UPSAMPLE_FACTOR = 2;

  private final Tensor weight;
  private final EqualLinear modulation;
  private final Blur blur;
  private final int inChannels;
  private final int outChannels;
  private final int kernelSize;
  private final double scale;
  private final boolean demodulate;
  private final boolean upsample;

  ModulatedConv2d(
      int in,
      int out,
      int kernel,
      int styleDim,
      boolean demodulate,
      boolean upsample,
      int[] blurTaps) {
    this.inChannels = in;
    this.outChannels = out;
    this.kernelSize = kernel;
    this.demodulate = demodulate;
    this.upsample = upsample;
    if (upsample) {
      int factor = UPSAMPLE_FACTOR;
      int p = (blurTaps.length - factor) - (kernel - 1);
      // Python's floor division: p is negative for kernels of fewer than four taps
      int pad0 = Math.floorDiv(p + 1, 2) + factor - 1;
      int pad1 = Math.floorDiv(p, 2) + 1;
      this.blur = registerModule("blur", new Blur(blurTaps, pad0, pad1, factor));
    } else {
      this.blur = null;
    }
    this.scale = 1.0 / Math.sqrt((double) in * kernel * kernel);
    this.weight = registerParameter("weight", torch.randn(1, out, in, kernel, kernel));
    this.modulation = registerModule("modulation", new EqualLinear(styleDim, in, 1, 1, false));
  }

  public Tensor weight() {
    return weight;
  }

  public EqualLinear modulation() {
    return modulation;
  }

  /** The blur after the upsampling convolution, or null without upsampling. */
  public Blur blur() {
    return blur;
  }

  public int inChannels() {
    return inChannels;
  }

  public int outChannels() {
    return outChannels;
  }

  public int kernelSize() {
    return kernelSize;
  }

  public double scale() {
    return scale;
  }

  public boolean demodulate() {
    return demodulate;
  }

  public boolean upsample() {
    return upsample;
  }

  public Tensor forward(Tensor x, Tensor style) {
    long batch = x.size(0);
    long h = x.size(2);
    long w = x.size(3);
    int k = kernelSize;
    Tensor st = modulation.forward(style).view(batch, 1, inChannels, 1, 1);
    Tensor wt = weight.mul(scalar(scale)).mul(st);
    if (demodulate) {
      Tensor demod =
          wt.pow(scalar(2))
              .sum(dims(2, 3, 4), false, new ScalarTypeOptional())
              .add(scalar(1e-8))
              .rsqrt();
      wt = wt.mul(demod.view(batch, outChannels, 1, 1, 1));
    }
    Tensor input = x.reshape(1, batch * inChannels, h, w);
    if (upsample) {
      Tensor wT = wt.transpose(1, 2).reshape(batch * inChannels, outChannels, k, k);
      Tensor out =
          torch.conv_transpose2d(
              input,
              wT,
              none(),
              dims(UPSAMPLE_FACTOR, UPSAMPLE_FACTOR),
              dims(0, 0),
              dims(0, 0),
              batch,
              1,
              1);
      out = out.view(batch, outChannels, out.size(2), out.size(3));
      return blur.forward(out);
    }
    Tensor out =
        torch.conv2d(
            input,
            wt.view(batch * outChannels, inChannels, k, k),
            none(),
            dims(1, 1),
            dims(k / 2, k / 2),
            dims(1, 1),
            batch);
    return out.view(batch, outChannels, h, w);
  }
}
