package io.gpen.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.checkpoint.Checkpoints;
import io.gpen.checkpoint.StateDict;
import io.gpen.checkpoint.TensorData;
import io.gpen.checkpoint.TorchFiles;
import io.gpen.nn.Tensors;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The generator and discriminator reproduce the reference PyTorch model's outputs ({@code
 * ../shared/golden}): batch of 2, so per-sample modulation is exercised.
 */
class GoldenModelTest {
  static final double TOLERANCE = 1e-4;

  static StateDict io;
  static FullGenerator generator;

  @BeforeAll
  static void load() {
    io = Checkpoints.read(SharedData.require("golden/gpen64_io.pth"));
    generator =
        ModelFiles.loadGenerator(
                SharedData.require("golden/gpen64.pth"), null, ModelFiles.Overrides.NONE)
            .model();
  }

  @AfterAll
  static void release() {
    if (generator != null) {
      generator.close();
    }
  }

  static Tensor golden(String name) {
    return Tensors.fromData(io.get(name));
  }

  @Test
  void configIsInferredFromTheShapes() {
    GpenConfig c = generator.config();
    assertEquals(64, c.size());
    assertEquals(1, c.channelMultiplier());
    assertEquals(0.25, c.narrow());
    assertEquals(512, c.styleDim());
    assertEquals(8, c.nMlp());
    assertTrue(c.isConcat());
  }

  @Test
  void referenceForwardMatchesGoldenOutputAndLatents() {
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      FullGenerator.Output out = generator.forward(golden("input"));
      double outDiff = Tensors.maxAbsDiff(out.image(), golden("output"));
      double latentDiff = Tensors.maxAbsDiff(out.latent(), golden("latent"));
      assertTrue(outDiff <= TOLERANCE, "output differs by " + outDiff);
      assertTrue(latentDiff <= TOLERANCE, "latent differs by " + latentDiff);
    }
  }

  @Test
  void fastPathMatchesGoldenOutputForBatchesOfTwoAndOne() {
    try (PointerScope scope = new PointerScope();
        GeneratorInference fast = new GeneratorInference(generator)) {
      double diff = Tensors.maxAbsDiff(fast.forward(golden("input")), golden("output"));
      assertTrue(diff <= TOLERANCE, "batch of 2 differs by " + diff);
      for (int b = 0; b < 2; b++) {
        Tensor one = fast.forward(golden("input").narrow(0, b, 1));
        double d1 = Tensors.maxAbsDiff(one, golden("output").narrow(0, b, 1));
        assertTrue(d1 <= TOLERANCE, "sample " + b + " alone differs by " + d1);
      }
    }
  }

  @Test
  void discriminatorMatchesGoldenScores() {
    Path file = SharedData.require("golden/disc64.pth");
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard();
        Discriminator d = ModelFiles.loadDiscriminator(file, null, ModelFiles.Overrides.NONE)) {
      assertEquals(64, d.size());
      Tensor scores = d.forward(golden("disc_input"));
      assertArrayEquals(new long[] {2, 1}, Tensors.shape(scores));
      double diff = Tensors.maxAbsDiff(scores, golden("disc_output"));
      assertTrue(diff <= TOLERANCE, "scores differ by " + diff);
    }
  }

  @Test
  void paddleFilesWithoutBlurKernelsAndWithNoiseBuffersLoad(
      @org.junit.jupiter.api.io.TempDir Path dir) throws java.io.IOException {
    // what PaddleGAN saves: no constant blur kernels, plus random generator.noises.noise_<i>
    // buffers
    java.util.Map<String, TensorData> tensors = new java.util.LinkedHashMap<>();
    Checkpoints.read(SharedData.require("golden/gpen64.pth"))
        .tensors()
        .forEach(
            (k, v) -> {
              if (!k.endsWith(".kernel")) {
                tensors.put(k, v);
              }
            });
    for (int i = 0; i < 3; i++) {
      int r = 4 << (i / 2);
      tensors.put(
          "generator.noises.noise_" + i,
          TensorData.ofFloats(new long[] {1, 1, r, r}, new float[r * r]));
    }
    Path file = dir.resolve("paddle.pdparams");
    TorchFiles.writePdparams(file, tensors);
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard();
        FullGenerator g = ModelFiles.loadGenerator(file, null, ModelFiles.Overrides.NONE).model()) {
      double diff = Tensors.maxAbsDiff(g.forward(golden("input")).image(), golden("output"));
      assertTrue(diff <= TOLERANCE, "output differs by " + diff);
    }
  }

  @Test
  void paddleParamsGiveTheSameOutput() {
    Path file = SharedData.require("golden/gpen64.pdparams");
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard();
        FullGenerator g = ModelFiles.loadGenerator(file, null, ModelFiles.Overrides.NONE).model()) {
      double diff = Tensors.maxAbsDiff(g.forward(golden("input")).image(), golden("output"));
      assertTrue(diff <= TOLERANCE, "output differs by " + diff);
    }
  }
}
