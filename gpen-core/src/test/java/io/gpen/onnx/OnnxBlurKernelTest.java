package io.gpen.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.model.FastPathTest;
import io.gpen.model.FullGenerator;
import io.gpen.model.GpenConfig;
import io.gpen.nn.Tensors;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The exported graph of a generator with another FIR kernel than {1,3,3,1} computes the reference
 * forward pass: its filters' paddings come from the kernel, asymmetric ones included (odd sizes).
 */
class OnnxBlurKernelTest {
  @TempDir Path dir;

  static Stream<int[]> kernels() {
    return Stream.of(new int[] {1, 3, 6, 5, 2, 1}, new int[] {1, 4, 2});
  }

  @ParameterizedTest
  @MethodSource("kernels")
  void onnxRuntimeMatchesTheReferenceForward(int[] taps) {
    torch.manual_seed(19);
    try (PointerScope scope = new PointerScope();
        FullGenerator g = new FullGenerator(new GpenConfig(64, 512, 8, 1, 0.25, true), taps)) {
      FastPathTest.perturb(g);
      Tensor input = torch.rand(2, 3, 64, 64).mul_(Tensors.scalar(2)).sub_(Tensors.scalar(1));
      float[] want;
      try (NoGradGuard noGrad = new NoGradGuard()) {
        want = Tensors.toFloats(g.forward(input).image());
      }
      Path file = dir.resolve("model.onnx");
      OnnxExport.writeModel(g, file, 0);
      try (OnnxRestorer ort = OnnxRestorer.open(file, "cpu", 0, 2)) {
        float[] got = ort.forward(Tensors.toFloats(input), 2);
        double diff = OnnxParityTest.maxAbsDiff(got, want, 0, want.length);
        assertTrue(
            diff <= OnnxParityTest.TOLERANCE, Arrays.toString(taps) + ": differs by " + diff);
      }
    }
  }
}
