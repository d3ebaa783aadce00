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
    assertFalse(Convolutions.mustSplitOutputChannels(1024, 2048, 3, 3, 1), "3x3 kernels are planned elsewhere");
    assertFalse(Convolutions.mustSplitOutputChannels(2048, 1024, 1, 1, 1));
    assertFalse(Convolutions.mustSplitOutputChannels(1024, Convolutions.SAFE_OUTPUT_CHANNELS, 1, 1, 1));
  }

  /**
   * The convolutions split by output channels give the convolution: compared with one in double
   * precision (libtorch's own kernels, not oneDNN), on channels-last and plain inputs, with and
   * without a stride and a bias.
   */
  @Test
  void splitConvolutionsEqualTheWholeOne() {
    int[][] shapes = {{1024, 2048, 2, 1}, {1024, 512, 1, 0}, {256, 1024, 1, 1}, {512, 2048, 1, 0}, {64, 256, 1, 1}};
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
            conv.namedParameters().get("bias").uniform_(-1, 1, new org.bytedeco.pytorch.GeneratorOptional());
          }
          for (boolean channelsLast : new boolean[] {true, false}) {
            Tensor x = torch.randn(1, in, 7, 13);
            if (channelsLast) {
              x = x.contiguous(MemoryFormat.ChannelsLast);
            }
            Tensor y = conv.forward(x);
            Tensor w = conv.weight().to(ScalarType.Double);
            TensorOptional b = bias
                ? new TensorOptional(conv.namedParameters().get("bias").to(ScalarType.Double))
                : new TensorOptional();
            Tensor expected = torch.conv2d(x.to(ScalarType.Double), w, b, new long[] {stride, stride},
                new long[] {0, 0}, new long[] {1, 1}, 1);
            assertArrayEquals(Tensors.shape(expected), Tensors.shape(y));
            double diff = Tensors.maxAbsDiff(y.to(ScalarType.Double), expected);
            // sums of 256 to 1024 products of unit-variance terms: float32 rounding stays near 1e-5
            assertTrue(diff < 1e-4, in + "->" + out + " stride " + stride + " differs by " + diff);
          }
        }
      }
    }
  }
}
