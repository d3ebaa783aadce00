package io.gpen.model;

import io.gpen.nn.Sequential;

/**
 * The reference {@code ConvLayer}: [Blur] → EqualConv2d → [FusedLeakyReLU], as a Sequential so that
 * the checkpoint names are {@code 0.kernel}, {@code 1.weight}, {@code 2.bias} (with downsampling)
 * or {@code 0.weight}, {@code 1.bias} (without).
 */
public final class ConvLayer extends Sequential {
  ConvLayer(
      int in,
      int out,
      int kernel,
      boolean downsample,
      int[] blurTaps,
      boolean bias,
      boolean activate) {
    int stride;
    int padding;
    if (downsample) {
      int factor = 2;
      int p = (blurTaps.length - factor) + (kernel - 1);
      add(new Blur(blurTaps, Math.floorDiv(p + 1, 2), Math.floorDiv(p, 2), 1));
      stride = 2;
      padding = 0;
    } else {
      stride = 1;
      padding = kernel / 2;
    }
    add(new EqualConv2d(in, out, kernel, stride, padding, bias && !activate));
    if (activate) {
      if (!bias) {
        throw new IllegalArgumentException(
            "an activation without bias (ScaledLeakyReLU) is not used by GPEN");
      }
      add(new FusedLeakyReLU(out));
    }
  }

  /** A 3×3 (or k×k) convolution with bias and activation, the common case. */
  ConvLayer(int in, int out, int kernel, boolean downsample) {
    this(in, out, kernel, downsample, FirKernel.BLUR, true, true);
  }
}
