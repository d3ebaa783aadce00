package io.gpen.model;

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
 * The inference fast path computes the reference forward pass: random models with every parameter
 * perturbed (non-zero noise weights and biases), several architectures, batch of 3.
 */
public class FastPathTest {
  static Stream<Arguments> configs() {
    return Stream.of(
        Arguments.of(new GpenConfig(64, 512, 8, 2, 0.5, true)),
        Arguments.of(new GpenConfig(128, 512, 8, 1, 0.25, true)),
        Arguments.of(new GpenConfig(64, 256, 4, 1, 0.25, false)));
  }

  /** Moves every parameter away from its initial value, as the golden model was. */
  public static void perturb(FullGenerator g) {
    g.perturbParameters(0.2);
  }

  @ParameterizedTest
  @MethodSource("configs")
  void fastPathEqualsReferenceForward(GpenConfig config) {
    torch.manual_seed(7);
    try (PointerScope scope = new PointerScope();
        FullGenerator g = new FullGenerator(config)) {
      perturb(g);
      Tensor x =
          torch
              .rand(3, 3, config.size(), config.size())
              .mul_(Tensors.scalar(2))
              .sub_(Tensors.scalar(1));
      Tensor expected;
      try (NoGradGuard noGrad = new NoGradGuard()) {
        expected = g.forward(x).image();
      }
      try (GeneratorInference fast = new GeneratorInference(g)) {
        Tensor actual = fast.forward(x);
        double scale = Math.max(1, Tensors.toFloats(expected.abs().max())[0]);
        double diff = Tensors.maxAbsDiff(actual, expected) / scale;
        assertTrue(diff <= 1e-4, config.describe() + ": relative difference " + diff);
      }
    }
  }
}
