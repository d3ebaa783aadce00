package io.gpen.ops;

import io.gpen.nn.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Upsample, FIR-filter, downsample: the reference {@code upfirdn2d} on [N,C,H,W] tensors, with the
 * same output size {@code (in*up + pad0 + pad1 - k)/down + 1} and the same padding on both axes.
 *
 * <p>Expressed with stock libtorch operators so that autograd (double backward included) works
 * through it: zero insertion plus filtering is a grouped transposed convolution, filtering alone a
 * grouped convolution on the padded input.
 */
public final class Upfirdn2d {
  private Upfirdn2d() {}

  /**
   * @param kernel a 2-D [kh,kw] FIR kernel (applied as a true convolution, i.e. flipped)
   */
  public static Tensor apply(Tensor x, Tensor kernel, int up, int down, int pad0, int pad1) {
    long channels = x.size(1);
    long kh = kernel.size(0);
    long kw = kernel.size(1);
    Tensor out;
    if (up == 1) {
      Tensor w = kernel.flip(0, 1).view(1, 1, kh, kw).expand(channels, 1, kh, kw);
      // symmetric non-negative padding goes to the convolution itself: the same arithmetic, and
      // several times faster than a separate pad (oneDNN's depthwise kernel handles the border)
      boolean symmetric = pad0 == pad1 && pad0 >= 0;
      Tensor in = symmetric ? x : pad(x, pad0, pad1);
      long p = symmetric ? pad0 : 0;
      out =
          torch.conv2d(
              in,
              w.contiguous(x.suggest_memory_format()),
              new TensorOptional(),
              dims(1, 1),
              dims(p, p),
              dims(1, 1),
              channels);
    } else {
      // conv_transpose2d(x, K, stride=up) equals zero insertion followed by a true convolution with
      // K and padding k-1 on both sides; the reference pads by pad0/pad1 instead, so the transposed
      // output is cropped (or padded) by the difference.
      Tensor w = kernel.view(1, 1, kh, kw).expand(channels, 1, kh, kw);
      Tensor t =
          torch.conv_transpose2d(
              x, w, new TensorOptional(), dims(up, up), dims(0, 0), dims(0, 0), channels, 1, 1);
      long full = (x.size(2) - 1) * up + kh; // rows of the transposed output
      // Reference output row r reads padded rows r..r+kh-1 of the zero-inserted input, which are
      // transposed-output row r + (kh - 1 - pad0).
      long start = kh - 1 - pad0;
      long rows = x.size(2) * up + pad0 + pad1 - kh + 1;
      out =
          crop(
              t,
              start,
              rows,
              full,
              kw - 1 - pad0,
              x.size(3) * up + pad0 + pad1 - kw + 1,
              (x.size(3) - 1) * up + kw);
    }
    if (down > 1) {
      out =
          out.slice(
                  2,
                  new org.bytedeco.pytorch.LongOptional(0),
                  new org.bytedeco.pytorch.LongOptional(),
                  down)
              .slice(
                  3,
                  new org.bytedeco.pytorch.LongOptional(0),
                  new org.bytedeco.pytorch.LongOptional(),
                  down);
    }
    return out;
  }

  /** Zero-pads (or crops, for negative pads) by pad0 before and pad1 after, on H and W. */
  static Tensor pad(Tensor x, int pad0, int pad1) {
    if (pad0 == 0 && pad1 == 0) {
      return x;
    }
    return torch.constant_pad_nd(x, dims(pad0, pad1, pad0, pad1), Tensors.scalar(0));
  }

  private static Tensor crop(
      Tensor t, long startH, long rowsH, long fullH, long startW, long rowsW, long fullW) {
    long padTop = Math.max(0, -startH);
    long padLeft = Math.max(0, -startW);
    long padBottom = Math.max(0, startH + rowsH - fullH);
    long padRight = Math.max(0, startW + rowsW - fullW);
    if (padTop + padLeft + padBottom + padRight > 0) {
      t = torch.constant_pad_nd(t, dims(padLeft, padRight, padTop, padBottom), Tensors.scalar(0));
      startH += padTop;
      startW += padLeft;
    }
    return t.narrow(2, startH, rowsH).narrow(3, startW, rowsW);
  }

  static long[] dims(long... v) {
    return v;
  }
}
