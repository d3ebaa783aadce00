package io.gpen.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.nn.Tensors;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fast path computes the reference forward pass of {@code FullGenerator_SR} models whose
 * decoder is two and three resolutions larger than the encoder, with concatenated and with added
 * noise: random perturbed models, batch of 3, both paths drawing from the same seed.
 */
class SuperResolutionFastPathTest {
  static Stream<Arguments> configs() {
    return Stream.of(
        Arguments.of(GpenConfig.of(64, 256, 1, 0.25)),
        Arguments.of(new GpenConfig(16, 256, 4, 2, 0.25, false, 128)));
  }

  @ParameterizedTest
  @MethodSource("configs")
  void fastPathEqualsReferenceForwardWithTheSameNoise(GpenConfig config) {
    torch.manual_seed(17);
    try (PointerScope scope = new PointerScope();
        FullGenerator g = new FullGenerator(config)) {
      FastPathTest.perturb(g);
      Tensor x =
          torch
              .rand(3, 3, config.size(), config.size())
              .mul_(Tensors.scalar(2))
              .sub_(Tensors.scalar(1));
      Tensor expected;
      try (NoGradGuard noGrad = new NoGradGuard()) {
        torch.manual_seed(21);
        expected = g.forward(x).image();
      }
      int o = config.outSize();
      assertArrayEquals(new long[] {3, 3, o, o}, Tensors.shape(expected));
      try (GeneratorInference fast = new GeneratorInference(g)) {
        torch.manual_seed(21);
        Tensor actual = fast.forward(x);
        double scale = Math.max(1, Tensors.toFloats(expected.abs().max())[0]);
        double diff = Tensors.maxAbsDiff(actual, expected) / scale;
        assertTrue(diff <= 1e-4, config.describe() + ": relative difference " + diff);
      }
    }
  }
}
