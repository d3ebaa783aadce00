package io.gpen.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;

/**
 * The 2-D convolution every network of the project runs ({@link Conv2d}, GPEN's equalised-lr
 * convolutions and its fast path), avoiding shapes that the oneDNN bundled with libtorch 2.10
 * (v3.7.1) cannot plan.
 *
 * <p>When oneDNN picks a blocking for a 1×1 convolution on an AVX2 or AVX-512 CPU ({@code
 * brg_blocking_t::est_eff_1x1} in {@code jit_brgemm_conv_utils.cpp}), it special-cases five channel
 * pairs, those of ResNet-50's bottlenecks ("maskrcnn workaround" in its source): for them it
 * computes {@code div_up(M + M_tail, 16) / (M_n_sp_blks + M_tail_n_sp_blks)} in integers, where the
 * divisor counts how many of the micro-kernel's row blocks fit in the spatial block. Whenever the
 * micro-kernel's row block is larger than every spatial block it tries, the divisor is zero and the
 * process dies with SIGFPE while the convolution is being planned. Which row block the micro-kernel
 * gets depends on the CPU, so the same shapes run on one machine and kill the JVM on another (seen
 * on an AMD Zen 5 machine, in RetinaFace-R50's {@code layer3}).
 *
 * <p>These convolutions are computed as several convolutions over slices of the output channels,
 * {@link #SAFE_OUTPUT_CHANNELS} at a time, which no special case matches: each output channel is
 * the same sum as before, and the slices run on the same multi-threaded kernels.
 *
 * <p>Second, on the same Zen 5 machine, the blocked-layout ({@code nChw16c}) direct kernels ({@code
 * jit:avx512_core}, and {@code jit:avx2} under {@code ONEDNN_MAX_CPU_ISA=AVX2}) return wrong sums,
 * forward and backward, for batches of two or more when the input channels are more than 16 and not
 * a multiple of 16 (17, 24, 40, 129, 136...): 5–30% relative error, where float32 rounding gives
 * 1e-7 (measured against double precision). Batches of one, the SSE4.1 kernels and the
 * channels-last ({@code nhwc}) kernels are exact on the same shapes. Such convolutions (the
 * discriminator's last one, on 128 channels plus the standard-deviation channel; small RRDB dense
 * blocks) take a channels-last input, and the output is returned in the input's layout.
 */
public final class Convolutions {
  /** Output channels per slice: (in, 256) is none of the special-cased pairs for any input. */
  public static final int SAFE_OUTPUT_CHANNELS = 256;

  /** The (input, output) channel pairs oneDNN 3.7.1 special-cases for 1×1 kernels. */
  private static final long[][] SPECIAL_CASED_1X1 = {
    {1024, 2048}, {1024, 512}, {256, 1024}, {512, 1024}, {512, 2048}
  };

  /** Channels per block of oneDNN's AVX-512 blocked layout. */
  private static final int BLOCK = 16;

  private Convolutions() {}

  /**
   * {@code torch.conv2d} with dilation 1: {@code x} [N,C,H,W], {@code weight} [O,C/groups,kh,kw],
   * {@code bias} [O] or null.
   */
  public static Tensor conv2d(
      Tensor x, Tensor weight, Tensor bias, long[] stride, long[] padding, long groups) {
    if (mustRunChannelsLast(weight.size(1) * groups, groups)
        && !x.is_contiguous(MemoryFormat.ChannelsLast)) {
      return conv2d(x.contiguous(MemoryFormat.ChannelsLast), weight, bias, stride, padding, groups)
          .contiguous();
    }
    long out = weight.size(0);
    if (!mustSplitOutputChannels(
        weight.size(1) * groups, out, weight.size(2), weight.size(3), groups)) {
      return call(x, weight, bias, stride, padding, groups);
    }
    TensorVector slices = new TensorVector();
    for (long start = 0; start < out; start += SAFE_OUTPUT_CHANNELS) {
      long n = Math.min(SAFE_OUTPUT_CHANNELS, out - start);
      slices.push_back(
          call(
              x,
              weight.narrow(0, start, n),
              bias == null ? null : bias.narrow(0, start, n),
              stride,
              padding,
              groups));
    }
    return torch.cat(slices, 1);
  }

  /** Whether a convolution of this shape is split by output channels (see the class comment). */
  static boolean mustSplitOutputChannels(long in, long out, long kh, long kw, long groups) {
    if (kh != 1 || kw != 1 || groups != 1) {
      return false;
    }
    for (long[] pair : SPECIAL_CASED_1X1) {
      if (pair[0] == in && pair[1] == out) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a convolution with {@code in} input channels must not run on the blocked-layout kernels
   * (see the class comment).
   */
  static boolean mustRunChannelsLast(long in, long groups) {
    return groups == 1 && in > BLOCK && in % BLOCK != 0;
  }

  private static Tensor call(
      Tensor x, Tensor w, Tensor b, long[] stride, long[] padding, long groups) {
    return torch.conv2d(
        x,
        w,
        b == null ? new TensorOptional() : new TensorOptional(b),
        stride,
        padding,
        new long[] {1, 1},
        groups);
  }
}
