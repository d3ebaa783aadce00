package io.gpen.model;

import org.bytedeco.pytorch.Tensor;

/**
 * A FIR filter of a {@link GeneratorPlan}: the reference {@code upfirdn2d(x, kernel, up, 1, pad0,
 * pad1)} on every channel, as one depthwise operator. For {@code up} = 1 that is a convolution
 * padded by {@code pad0} before and {@code pad1} after (on both axes); for {@code up} > 1 a
 * transposed convolution of stride {@code up}, which inserts the zeros and filters at once, with
 * {@link #cropBegin()} and {@link #cropEnd()} cut from its output.
 *
 * @param weight [C,1,k,k], the depthwise weight of that operator, retained by the plan: for a
 *     convolution the kernel flipped (upfirdn2d is a true convolution, a convolution operator a
 *     correlation), for a transposed convolution the kernel as it is (that operator already flips)
 * @param up the upsampling factor
 * @param pad0 the reference's padding before the filter, on each axis
 * @param pad1 the reference's padding after the filter, on each axis
 */
public record FirFilter(Tensor weight, int up, int pad0, int pad1) {
  public FirFilter {
    if (up < 1) {
      throw new IllegalArgumentException("upsampling factor " + up);
    }
    // negative paddings are crops of the input, which no operator of the plan does
    int k = (int) weight.size(2);
    if (up == 1 ? pad0 < 0 || pad1 < 0 : k - 1 - pad0 < 0 || k - up - pad1 < 0) {
      throw new IllegalArgumentException(
          "a "
              + k
              + "-tap filter with up="
              + up
              + " and padding ("
              + pad0
              + ","
              + pad1
              + ") crops its input");
    }
  }

  public long channels() {
    return weight.size(0);
  }

  /**
   * Rows (and columns) to cut from the start of the transposed convolution's output: its output row
   * r is the reference's padded row r − (k − 1), and the reference pads by pad0.
   */
  public int cropBegin() {
    return (int) weight.size(2) - 1 - pad0;
  }

  /**
   * Rows (and columns) to cut from the end of the transposed convolution's output, which has (in −
   * 1)·up + k rows where the reference has in·up + pad0 + pad1 − k + 1.
   */
  public int cropEnd() {
    return (int) weight.size(2) - up - pad1;
  }
}
