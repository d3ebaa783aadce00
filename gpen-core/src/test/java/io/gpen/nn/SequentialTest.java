package io.gpen.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** {@link Sequential#forwardFreeing}: {@link Sequential#forward}'s result, layer by layer freed. */
class SequentialTest {
  /**
   * Doubles its input into a tensor of its own and returns what the in-place leaky ReLU returns: a
   * view of a handle that the layer's scope frees.
   */
  private static final class DoubleThenLeakyRelu extends Module implements Layer {
    @Override
    public Tensor forward(Tensor x) {
      return torch.leaky_relu_(x.mul(new Scalar(2.0)), new Scalar(0.2));
    }
  }

  @Test
  void givesForwardsResultInTheCallersScopeWhateverTheLayersReturn() {
    try (Sequential seq = new Sequential()) {
      for (int i = 0; i < 3; i++) {
        seq.add(new DoubleThenLeakyRelu());
      }
      float[] input = {-1f, 0.5f, 2f, -3f};
      try (PointerScope scope = new PointerScope()) {
        Tensor x = Tensors.fromFloats(input, 4);
        float[] expected = Tensors.toFloats(seq.forward(x));
        Tensor freed = seq.forwardFreeing(x);
        // the layers' own tensors are gone by now; the result must not have gone with them
        System.gc();
        torch.randn(1 << 16).mul_(new Scalar(3.0));
        assertArrayEquals(expected, Tensors.toFloats(freed));
        assertArrayEquals(new float[] {-0.064f, 4f, 16f, -0.192f}, expected, 1e-6f);
        assertArrayEquals(input, Tensors.toFloats(x), "the input is left as it was");
      }
    }
  }

  @Test
  void anEmptySequenceGivesItsInput() {
    try (Sequential seq = new Sequential();
        PointerScope scope = new PointerScope()) {
      Tensor x = Tensors.fromFloats(new float[] {1f, 2f}, 2);
      assertSame(x, seq.forwardFreeing(x));
    }
  }
}
