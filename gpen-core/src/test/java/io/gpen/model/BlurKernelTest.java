package io.gpen.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.nn.Tensors;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A generator built with another FIR kernel than GPEN's {1,3,3,1}: the plan takes its filters and
 * their padding from the kernel, so the fast path still computes the reference forward pass. The
 * kernels are not palindromes (a filter applied the wrong way round gives another image), and the
 * odd-sized ones pad and crop asymmetrically.
 */
class BlurKernelTest {
  static final GpenConfig CONFIG = new GpenConfig(64, 512, 8, 1, 0.25, true);

  static Stream<int[]> kernels() {
    return Stream.of(new int[] {1, 3, 6, 5, 2, 1}, new int[] {1, 4, 2}, new int[] {2, 1});
  }

  @ParameterizedTest
  @MethodSource("kernels")
  void fastPathEqualsReferenceForward(int[] taps) {
    torch.manual_seed(17);
    try (PointerScope scope = new PointerScope();
        FullGenerator g = new FullGenerator(CONFIG, taps)) {
      FastPathTest.perturb(g);
      Tensor x = torch.rand(2, 3, 64, 64).mul_(Tensors.scalar(2)).sub_(Tensors.scalar(1));
      Tensor expected;
      try (NoGradGuard noGrad = new NoGradGuard()) {
        expected = g.forward(x).image();
      }
      try (GeneratorInference fast = new GeneratorInference(g)) {
        Tensor actual = fast.forward(x);
        double scale = Math.max(1, Tensors.toFloats(expected.abs().max())[0]);
        double diff = Tensors.maxAbsDiff(actual, expected) / scale;
        assertTrue(diff <= 1e-4, Arrays.toString(taps) + ": relative difference " + diff);
      }
    }
  }

  @Test
  void filterPaddingFollowsTheReferenceFormulas() {
    try (PointerScope scope = new PointerScope();
        FullGenerator g = new FullGenerator(CONFIG, new int[] {1, 3, 6, 5, 2, 1});
        GeneratorPlan plan = new GeneratorPlan(g)) {
      // downsampling before a 3×3 conv: p = (6 − 2) + (3 − 1) = 6
      assertNull(plan.encoder().get(0).blur());
      assertFilter(plan.encoder().get(1).blur(), 1, 3, 3);
      // after the 3×3 transposed conv: p = (6 − 2) − (3 − 1) = 2, pads (p/2 + 1, p/2 + 1)
      assertNull(plan.convs().get(0).blur());
      assertFilter(plan.convs().get(1).blur(), 1, 2, 2);
      // the skip's 2× upsampling: p = 6 − 2 = 4, pads (p/2 + 1, p/2); transposed output cropped by
      // 2 and 2
      assertNull(plan.rgbs().get(0).upsample());
      FirFilter up = plan.rgbs().get(1).upsample();
      assertFilter(up, 2, 3, 2);
      assertEquals(List.of(2, 2), List.of(up.cropBegin(), up.cropEnd()));
    }
    try (PointerScope scope = new PointerScope();
        FullGenerator g = new FullGenerator(CONFIG, new int[] {1, 4, 2});
        GeneratorPlan plan = new GeneratorPlan(g)) {
      assertFilter(plan.encoder().get(1).blur(), 1, 2, 1);
      // p = −1: Python's floor division gives (0 + 1, −1 + 1)
      assertFilter(plan.convs().get(1).blur(), 1, 1, 0);
      FirFilter up = plan.rgbs().get(1).upsample();
      assertFilter(up, 2, 2, 0);
      assertEquals(List.of(0, 1), List.of(up.cropBegin(), up.cropEnd()));
    }
  }

  private static void assertFilter(FirFilter f, int up, int pad0, int pad1) {
    assertEquals(List.of(up, pad0, pad1), List.of(f.up(), f.pad0(), f.pad1()));
  }
}
