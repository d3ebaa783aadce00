package io.gpen.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/**
 * The double backward of a convolution, computed inside {@link SecondOrderGradients}, is the one
 * float64 gives. Shapes from the measurement in the class comment: on the Zen 5 machine oneDNN
 * returned the first 93% wrong and the second NaN.
 */
class SecondOrderGradientsTest {
  /**
   * R1's form: {@code ∂/∂w Σ (∂ Σ conv(x, w)·n / ∂x)²} for a 1×1 convolution of 64 channels to 3.
   */
  @Test
  void weightGradientOfAnInputGradientMatchesFloat64() {
    assertMatchesFloat64(new int[] {2, 64, 3, 1}, true);
  }

  /** The path length's form: {@code ∂/∂x Σ (∂ Σ conv(x, w)·n / ∂w)²}, a 3×3 convolution 32 → 3. */
  @Test
  void inputGradientOfAWeightGradientMatchesFloat64() {
    assertMatchesFloat64(new int[] {2, 32, 3, 3}, false);
  }

  @Test
  void oneDnnIsBackAfterNestedAndFailingCalls() {
    boolean before = torch.globalContext().userEnabledMkldnn();
    SecondOrderGradients.compute(
        () -> {
          assertFalse(torch.globalContext().userEnabledMkldnn());
          return SecondOrderGradients.compute(() -> torch.globalContext().userEnabledMkldnn());
        });
    assertEquals(before, torch.globalContext().userEnabledMkldnn());
    assertThrows(
        IllegalStateException.class,
        () ->
            SecondOrderGradients.compute(
                () -> {
                  throw new IllegalStateException("backward failed");
                }));
    assertEquals(before, torch.globalContext().userEnabledMkldnn());
  }

  /** shape: batch, input channels, output channels, kernel side. */
  private static void assertMatchesFloat64(int[] shape, boolean r1Form) {
    try (PointerScope scope = new PointerScope()) {
      torch.manual_seed(1);
      int n = shape[0];
      int in = shape[1];
      int out = shape[2];
      int k = shape[3];
      Tensor x = torch.randn(n, in, 16, 16);
      Tensor w = torch.randn(out, in, k, k);
      Tensor projection = torch.randn(n, out, 16, 16);
      Tensor single = secondOrder(x, w, projection, r1Form);
      Tensor reference =
          secondOrder(
              x.to(ScalarType.Double),
              w.to(ScalarType.Double),
              projection.to(ScalarType.Double),
              r1Form);
      double relative =
          single.to(ScalarType.Double).sub(reference).norm().item_double()
              / reference.norm().item_double();
      // float32 rounding: measured 1e-7; oneDNN's wrong kernels: 0.93 and NaN
      assertTrue(relative < 1e-4, "relative difference to float64: " + relative);
    }
  }

  private static Tensor secondOrder(Tensor x0, Tensor w0, Tensor projection, boolean r1Form) {
    Tensor x = x0.clone().set_requires_grad(true);
    Tensor w = w0.clone().set_requires_grad(true);
    long p = w.size(2) / 2;
    Tensor y =
        torch.conv2d(
            x, w, new TensorOptional(), new long[] {1, 1}, new long[] {p, p}, new long[] {1, 1}, 1);
    Tensor first = grad(y.mul(projection).sum(), r1Form ? x : w, true);
    Tensor penalty = first.pow(Tensors.scalar(2)).sum();
    return SecondOrderGradients.compute(() -> grad(penalty, r1Form ? w : x, false));
  }

  private static Tensor grad(Tensor output, Tensor input, boolean createGraph) {
    return torch
        .grad(
            new TensorVector(output),
            new TensorVector(input),
            new TensorVector(),
            new BoolOptional(createGraph),
            createGraph,
            false)
        .get(0)
        .clone();
  }
}
