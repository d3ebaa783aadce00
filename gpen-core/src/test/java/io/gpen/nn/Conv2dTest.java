package io.gpen.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

class Conv2dTest {
  @Test
  void onlyResNetBottleneckShapesAreSplit() {
    assertTrue(Convolutions.mustSplitOutputChannels(1024, 2048, 1, 1, 1));
    assertTrue(Convolutions.mustSplitOutputChannels(512, 1024, 1, 1, 1));
    assertFalse(
        Convolutions.mustSplitOutputChannels(1024, 2048, 3, 3, 1),
        "3x3 kernels are planned elsewhere");
    assertFalse(Convolutions.mustSplitOutputChannels(2048, 1024, 1, 1, 1));
    assertFalse(
        Convolutions.mustSplitOutputChannels(1024, Convolutions.SAFE_OUTPUT_CHANNELS, 1, 1, 1));
  }

  /**
   * The convolutions split by output channels give the convolution: compared with one in double
   * precision (libtorch's own kernels, not oneDNN), on channels-last and plain inputs, with and
   * without a stride and a bias.
   */
  @Test
  void splitConvolutionsEqualTheWholeOne() {
    int[][] shapes = {
      {1024, 2048, 2, 1}, {1024, 512, 1, 0}, {256, 1024, 1, 1}, {512, 2048, 1, 0}, {64, 256, 1, 1}
    };
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      torch.manual_seed(5);
      for (int[] s : shapes) {
        int in = s[0];
        int out = s[1];
        int stride = s[2];
        boolean bias = s[3] == 1;
        try (Conv2d conv = Conv2d.heNormal(in, out, 1, stride, 0, 1, bias)) {
          if (bias) {
            conv.namedParameters()
                .get("bias")
                .uniform_(-1, 1, new org.bytedeco.pytorch.GeneratorOptional());
          }
          for (boolean channelsLast : new boolean[] {true, false}) {
            Tensor x = torch.randn(1, in, 7, 13);
            if (channelsLast) {
              x = x.contiguous(MemoryFormat.ChannelsLast);
            }
            Tensor y = conv.forward(x);
            Tensor w = conv.weight().to(ScalarType.Double);
            TensorOptional b =
                bias
                    ? new TensorOptional(conv.namedParameters().get("bias").to(ScalarType.Double))
                    : new TensorOptional();
            Tensor expected =
                torch.conv2d(
                    x.to(ScalarType.Double),
                    w,
                    b,
                    new long[] {stride, stride},
                    new long[] {0, 0},
                    new long[] {1, 1},
                    1);
            assertArrayEquals(Tensors.shape(expected), Tensors.shape(y));
            double diff = Tensors.maxAbsDiff(y.to(ScalarType.Double), expected);
            // sums of 256 to 1024 products of unit-variance terms: float32 rounding stays near 1e-5
            assertTrue(diff < 1e-4, in + "->" + out + " stride " + stride + " differs by " + diff);
          }
        }
      }
    }
  }

  @Test
  void onlyChannelTailsAboveOneBlockRunChannelsLast() {
    assertTrue(Convolutions.mustRunChannelsLast(129, 1));
    assertTrue(Convolutions.mustRunChannelsLast(17, 1));
    assertFalse(
        Convolutions.mustRunChannelsLast(3, 1), "the first layer's kernels handle few channels");
    assertFalse(Convolutions.mustRunChannelsLast(16, 1));
    assertFalse(Convolutions.mustRunChannelsLast(48, 1));
    assertFalse(Convolutions.mustRunChannelsLast(34, 2), "grouped convolutions run other kernels");
  }

  /**
   * Batches of two with channel counts that are no multiple of 16, forward and backward, against
   * double precision: on the Zen 5 machine the plain-layout kernels are 5–30% off here.
   */
  @Test
  void channelTailsInBatchesAreExactForwardAndBackward() {
    try (PointerScope scope = new PointerScope()) {
      torch.manual_seed(7);
      for (int in : new int[] {17, 24, 40, 129}) {
        for (int kernel : new int[] {1, 3}) {
          Tensor x = torch.randn(2, in, 8, 8).requires_grad_(true);
          Tensor w =
              torch
                  .randn(32, in, kernel, kernel)
                  .div(new org.bytedeco.pytorch.Scalar(Math.sqrt(in * kernel * kernel)))
                  .requires_grad_(true);
          Tensor xd = x.detach().to(ScalarType.Double).requires_grad_(true);
          Tensor wd = w.detach().to(ScalarType.Double).requires_grad_(true);
          long[] one = {1, 1};
          long[] pad = {kernel / 2, kernel / 2};
          Tensor y = Convolutions.conv2d(x, w, null, one, pad, 1);
          Tensor yd = torch.conv2d(xd, wd, new TensorOptional(), one, pad, one, 1);
          assertTrue(y.is_contiguous(), "the output keeps the input's layout");
          y.square().sum().backward();
          yd.square().sum().backward();
          String what = in + " channels, " + kernel + "x" + kernel;
          assertTrue(relative(y, yd) < 1e-5, what + ": output off by " + relative(y, yd));
          assertTrue(
              relative(x.grad(), xd.grad()) < 1e-5,
              what + ": input gradient off by " + relative(x.grad(), xd.grad()));
          assertTrue(
              relative(w.grad(), wd.grad()) < 1e-5,
              what + ": weight gradient off by " + relative(w.grad(), wd.grad()));
        }
      }
    }
  }

  private static double relative(Tensor actual, Tensor expected) {
    return Tensors.maxAbsDiff(actual.to(ScalarType.Double), expected)
        / expected.abs().max().item_double();
  }
}
