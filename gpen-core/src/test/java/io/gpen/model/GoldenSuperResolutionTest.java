package io.gpen.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.checkpoint.Checkpoints;
import io.gpen.checkpoint.StateDict;
import io.gpen.nn.Tensors;
import java.util.List;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official {@code FullGenerator_SR(32, 64, 512, 8, channel_multiplier=1, narrow=0.25)} ({@code
 * ../shared/golden/gpen_sr32to64.pth}, {@code wild_io.pth}'s {@code sr_gen_*}): the encoder sees
 * 32×32, the decoder draws 64×64, and the two 64×64 decoder layers get the reference's {@code None}
 * noise, i.e. fresh N(0,1) on every pass.
 *
 * <p>The latents do not depend on that noise and match the golden ones exactly. The golden image
 * does: it is one draw, made from a generator state that is not recorded (no seed of libtorch's
 * generator, whose draws equal PyTorch's, reproduces the golden input or output), so no
 * implementation can match it to 1e-4. What is checked instead: the reference forward pass, the
 * fast path and (in {@code OnnxSuperResolutionTest}) the ONNX graph agree to 1e-4 given the same
 * noise; and the golden image is a typical draw of this model, pixel by pixel, which it would not
 * be with the deterministic part of the computation wrong or the noise at the wrong scale.
 */
public class GoldenSuperResolutionTest {
  static final double TOLERANCE = 1e-4;

  static StateDict io;
  static FullGenerator generator;
  static String note;

  @BeforeAll
  static void load() {
    io = Checkpoints.read(SharedData.require("golden/wild_io.pth"));
    ModelFiles.LoadedGenerator loaded =
        ModelFiles.loadGenerator(
            SharedData.require("golden/gpen_sr32to64.pth"), null, ModelFiles.Overrides.NONE);
    generator = loaded.model();
    note = loaded.note();
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
  void sizesAreInferredFromTheShapesAndPrinted() {
    GpenConfig c = generator.config();
    assertEquals(GpenConfig.of(32, 64, 1, 0.25), c);
    assertTrue(c.isSuperResolution());
    assertEquals(10, c.nLatent());
    assertTrue(
        note.contains("size=32 out_size=64 mul=1 narrow=0.25 (inferred from the tensor shapes)"),
        note);
  }

  /**
   * The official noise list: [f4, f8, f8, f16, f16, f32, f32, None, None] for conv1, convs.0 …
   * convs.7; encoder stage 0 is the 32×32 feature, stage 3 the 4×4 one.
   */
  @Test
  void noiseScheduleIsTheOfficialOne() {
    int d = FullGenerator.DRAWN_NOISE;
    int[] expected = {3, 2, 2, 1, 1, 0, 0, d, d};
    for (int c = 0; c < expected.length; c++) {
      assertEquals(expected[c], generator.noiseStage(c), "styled convolution " + c);
    }
    try (GeneratorPlan plan = new GeneratorPlan(generator)) {
      List<FoldedStyledConv> convs = plan.convs();
      assertEquals(expected.length, convs.size());
      for (int c = 0; c < expected.length; c++) {
        assertEquals(c >= 7, convs.get(c).drawsNoise(), "styled convolution " + c);
      }
    }
  }

  @Test
  void referenceAndFastPathLatentsMatchTheGoldenOnes() {
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard();
        GeneratorInference fast = new GeneratorInference(generator)) {
      Tensor input = golden("sr_gen_input");
      FullGenerator.Output out = generator.forward(input);
      assertArrayEquals(new long[] {2, 3, 64, 64}, Tensors.shape(out.image()));
      double reference = Tensors.maxAbsDiff(out.latent(), golden("sr_gen_latent"));
      double fastPath = Tensors.maxAbsDiff(fast.latents(input), golden("sr_gen_latent"));
      System.out.printf(
          "SR 32->64 latents vs golden: reference %.3g, fast path %.3g%n", reference, fastPath);
      assertTrue(reference <= TOLERANCE, "reference latents differ by " + reference);
      assertTrue(fastPath <= TOLERANCE, "fast-path latents differ by " + fastPath);
    }
  }

  @Test
  void fastPathDrawsTheReferenceNoiseAndComputesTheReferenceImage() {
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard();
        GeneratorInference fast = new GeneratorInference(generator)) {
      Tensor input = golden("sr_gen_input");
      double diff =
          Tensors.maxAbsDiff(
              seeded(5, () -> fast.forward(input)),
              seeded(5, () -> generator.forward(input).image()));
      System.out.printf("SR 32->64 fast path vs reference, same noise: max |diff| %.3g%n", diff);
      assertTrue(diff <= TOLERANCE, "batch of 2 differs by " + diff);
      for (int b = 0; b < 2; b++) {
        Tensor one = input.narrow(0, b, 1);
        double d1 =
            Tensors.maxAbsDiff(
                seeded(6, () -> fast.forward(one)),
                seeded(6, () -> generator.forward(one).image()));
        assertTrue(d1 <= TOLERANCE, "sample " + b + " alone differs by " + d1);
      }
      // the noise is fresh on every pass: same seed, same image; another seed, another image
      assertEquals(
          0.0,
          Tensors.maxAbsDiff(
              seeded(5, () -> fast.forward(input)), seeded(5, () -> fast.forward(input))));
      assertTrue(
          Tensors.maxAbsDiff(
                  seeded(5, () -> fast.forward(input)), seeded(7, () -> fast.forward(input)))
              > 0.01);
    }
  }

  /**
   * The golden image against 32 draws of the reference forward pass: per pixel, its distance from
   * the draws' mean in units of their standard deviation is as a draw's would be (mean near E|t| ≈
   * 0.8, no pixel far out). Doubling a drawn layer's noise weight gives a mean of 0.47, an error in
   * the deterministic part far larger values.
   */
  @Test
  void goldenImageIsATypicalDrawOfTheModel() {
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      Tensor input = golden("sr_gen_input");
      TensorVector draws = new TensorVector();
      torch.manual_seed(1);
      for (int k = 0; k < 32; k++) {
        try (PointerScope pass = new PointerScope()) {
          draws.push_back(generator.forward(input).image());
        }
      }
      double[] z = zScores(torch.stack(draws, 0), golden("sr_gen_output"));
      System.out.printf(
          "SR 32->64 golden image vs 32 draws: mean |z| %.3f, max |z| %.3f%n", z[0], z[1]);
      assertTrue(z[0] > 0.65 && z[0] < 0.95, "mean |z| " + z[0]);
      assertTrue(z[1] < 7, "max |z| " + z[1]);
    }
  }

  /** Mean and maximum over pixels of |x − mean of the draws| / their standard deviation. */
  public static double[] zScores(Tensor draws, Tensor x) {
    Tensor mean = draws.mean(new long[] {0}, false, new ScalarTypeOptional());
    Tensor std = draws.std(new long[] {0}, true, false);
    Tensor z = x.sub(mean).div(std).abs();
    return new double[] {Tensors.toFloats(z.mean())[0], Tensors.toFloats(z.max())[0]};
  }

  /** {@code pass} run after seeding libtorch's default generator with {@code seed}. */
  static Tensor seeded(long seed, Supplier<Tensor> pass) {
    torch.manual_seed(seed);
    return pass.get();
  }
}
