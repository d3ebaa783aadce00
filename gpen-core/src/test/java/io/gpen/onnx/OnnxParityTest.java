package io.gpen.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.checkpoint.Checkpoints;
import io.gpen.checkpoint.StateDict;
import io.gpen.model.FastPathTest;
import io.gpen.model.FullGenerator;
import io.gpen.model.GpenConfig;
import io.gpen.model.ModelFiles;
import io.gpen.nn.Tensors;
import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported graph run by ONNX Runtime computes what libtorch computes for the same weights: the
 * golden 64 px checkpoint, a perturbed random 256 px model (non-zero noise weights and biases) and
 * a variant without feature concatenation, each with a batch of 2 and each sample alone through the
 * same (dynamic-batch) file.
 */
class OnnxParityTest {
  static final double TOLERANCE = 1e-4;

  @TempDir Path dir;

  @Test
  void goldenModelMatchesLibtorchAndTheGoldenOutput() {
    Path weights = SharedData.require("golden/gpen64.pth");
    StateDict io = Checkpoints.read(SharedData.require("golden/gpen64_io.pth"));
    try (PointerScope scope = new PointerScope();
        FullGenerator g =
            ModelFiles.loadGenerator(weights, null, ModelFiles.Overrides.NONE).model()) {
      Tensor input = Tensors.fromData(io.get("input"));
      Tensor golden = Tensors.fromData(io.get("output"));
      assertEquals(2, input.size(0));
      checkParity(g, input, golden);
    }
  }

  @Test
  void perturbedRandom256ModelMatchesLibtorch() {
    torch.manual_seed(11);
    try (PointerScope scope = new PointerScope();
        FullGenerator g = new FullGenerator(GpenConfig.of(256, 1, 0.5))) {
      FastPathTest.perturb(g);
      Tensor input = torch.rand(2, 3, 256, 256).mul_(Tensors.scalar(2)).sub_(Tensors.scalar(1));
      checkParity(g, input, null);
    }
  }

  @Test
  void modelWithoutConcatenationAndOtherWidthsMatchesLibtorch() {
    torch.manual_seed(13);
    try (PointerScope scope = new PointerScope();
        FullGenerator g = new FullGenerator(new GpenConfig(64, 256, 4, 2, 0.25, false))) {
      FastPathTest.perturb(g);
      Tensor input = torch.rand(2, 3, 64, 64).mul_(Tensors.scalar(2)).sub_(Tensors.scalar(1));
      checkParity(g, input, null);
    }
  }

  /**
   * ORT output vs the libtorch reference forward (and the golden output when given), batch 2 and 1.
   */
  private void checkParity(FullGenerator g, Tensor input, Tensor golden) {
    Tensor expected;
    try (NoGradGuard noGrad = new NoGradGuard()) {
      expected = g.forward(input).image();
    }
    Path file = dir.resolve("model.onnx");
    OnnxExport.writeModel(g, file, 0);
    int s = g.config().size();
    int per = 3 * s * s;
    float[] in = Tensors.toFloats(input);
    float[] want = Tensors.toFloats(expected);
    try (OnnxRestorer ort = OnnxRestorer.open(file, "cpu", 0, 2)) {
      assertEquals(0, ort.fixedBatch());
      assertEquals(s, ort.size());
      float[] batch = ort.forward(in, 2);
      double diff = maxAbsDiff(batch, want, 0, 2 * per);
      System.out.printf(
          "%s: ONNX Runtime vs libtorch, batch of 2: max |diff| %.3g (output max |x| %.3g)%n",
          g.config().describe(), diff, maxAbs(want));
      assertTrue(diff <= TOLERANCE, "batch of 2 differs by " + diff);
      if (golden != null) {
        double dg = maxAbsDiff(batch, Tensors.toFloats(golden), 0, 2 * per);
        System.out.printf(
            "%s: ONNX Runtime vs golden PyTorch output: max |diff| %.3g%n",
            g.config().describe(), dg);
        assertTrue(dg <= TOLERANCE, "batch of 2 differs from the golden output by " + dg);
      }
      for (int b = 0; b < 2; b++) {
        float[] one = ort.forward(Arrays.copyOfRange(in, b * per, (b + 1) * per), 1);
        double d1 = maxAbsDiff(one, Arrays.copyOfRange(want, b * per, (b + 1) * per), 0, per);
        assertTrue(d1 <= TOLERANCE, "sample " + b + " alone differs by " + d1);
        // the sample's result does not depend on its batch mates
        assertArrayEquals(Arrays.copyOfRange(batch, b * per, (b + 1) * per), one, 1e-5f);
      }
    }
  }

  static double maxAbsDiff(float[] a, float[] b, int from, int to) {
    double m = 0;
    for (int i = from; i < to; i++) {
      m = Math.max(m, Math.abs((double) a[i] - b[i]));
    }
    return m;
  }

  private static double maxAbs(float[] a) {
    double m = 0;
    for (float v : a) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }
}
