package io.gpen.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import io.gpen.checkpoint.StateDict;
import io.gpen.checkpoint.TensorData;
import io.gpen.nn.Tensors;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.junit.jupiter.api.Test;

/** Adam follows torch.optim.Adam's arithmetic and its state survives a save and a load exactly. */
class AdamTest {
  static final float[] START = {0.5f, -1.25f, 2f};
  static final float[][] GRADS = {{0.1f, -0.2f, 0.3f}, {-0.4f, 0.05f, 0f}, {1f, 1f, -1f}};

  static Map<String, Tensor> param(float[] values) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    Tensor p = Tensors.fromFloats(values, values.length).set_requires_grad(true);
    p.retainReference();
    m.put("w", p);
    return m;
  }

  static TensorVector grad(float[] g) {
    return new TensorVector(Tensors.fromFloats(g, g.length));
  }

  /** torch.optim.Adam's single-tensor update, written out in double precision. */
  static double[] reference(double lr, double beta1, double beta2, int steps) {
    double[] p = new double[START.length];
    double[] m = new double[START.length];
    double[] v = new double[START.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = START[i];
    }
    for (int t = 1; t <= steps; t++) {
      for (int i = 0; i < p.length; i++) {
        double g = GRADS[t - 1][i];
        m[i] = beta1 * m[i] + (1 - beta1) * g;
        v[i] = beta2 * v[i] + (1 - beta2) * g * g;
        double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(beta2, t)) + Adam.EPS;
        p[i] -= lr / (1 - Math.pow(beta1, t)) * m[i] / denom;
      }
    }
    return p;
  }

  @Test
  void updatesAsTorchAdam() {
    for (double beta1 : new double[] {0, 0.9}) {
      try (PointerScope scope = new PointerScope()) {
        Map<String, Tensor> w = param(START);
        try (Adam adam = new Adam(w, 0.0016, beta1, Math.pow(0.99, 0.8))) {
          for (float[] g : GRADS) {
            adam.step(grad(g));
          }
          assertEquals(3, adam.steps());
          double[] expected = reference(0.0016, beta1, Math.pow(0.99, 0.8), 3);
          float[] got = Tensors.toFloats(w.get("w"));
          for (int i = 0; i < got.length; i++) {
            assertEquals(expected[i], got[i], 1e-6, "beta1 " + beta1 + ", element " + i);
          }
        }
        w.get("w").releaseReference();
      }
    }
  }

  @Test
  void missingGradientCountsAsZero() {
    try (PointerScope scope = new PointerScope()) {
      Map<String, Tensor> a = param(START);
      Map<String, Tensor> b = param(START);
      try (Adam withZeros = new Adam(a, 0.01, 0, 0.99);
          Adam withNone = new Adam(b, 0.01, 0, 0.99)) {
        withZeros.step(grad(GRADS[0]));
        withNone.step(grad(GRADS[0]));
        withZeros.step(grad(new float[3]));
        withNone.step(new TensorVector(new Tensor()));
        withZeros.step(grad(GRADS[1]));
        withNone.step(grad(GRADS[1]));
        assertArrayEquals(Tensors.toFloats(a.get("w")), Tensors.toFloats(b.get("w")));
      }
    }
  }

  @Test
  void savedStateContinuesBitForBit() {
    try (PointerScope scope = new PointerScope()) {
      Map<String, Tensor> straight = param(START);
      Map<String, Tensor> resumed = param(START);
      try (Adam a = new Adam(straight, 0.002, 0, 0.99);
          Adam first = new Adam(resumed, 0.002, 0, 0.99)) {
        for (float[] g : GRADS) {
          a.step(grad(g));
        }
        first.step(grad(GRADS[0]));
        Map<String, TensorData> state = first.state();
        assertEquals(List.of("exp_avg.w", "exp_avg_sq.w", "step"), List.copyOf(state.keySet()));
        try (Adam second = new Adam(resumed, 0.002, 0, 0.99)) {
          second.load(new StateDict(Path.of("ckpt"), "part 'g_optim'", state));
          assertEquals(1, second.steps());
          second.step(grad(GRADS[1]));
          second.step(grad(GRADS[2]));
        }
        assertArrayEquals(Tensors.toFloats(straight.get("w")), Tensors.toFloats(resumed.get("w")));
      }
    }
  }

  @Test
  void stateOfOtherParametersIsRefused() {
    try (PointerScope scope = new PointerScope();
        Adam adam = new Adam(param(START), 0.002, 0, 0.99)) {
      Map<String, TensorData> state = new LinkedHashMap<>(adam.state());
      state.put("exp_avg.w", Tensors.toData(Tensors.fromFloats(new float[2], 2)));
      GpenException e =
          assertThrows(
              GpenException.class,
              () -> adam.load(new StateDict(Path.of("x.safetensors"), "part 'g_optim'", state)));
      assertTrue(
          e.getMessage().startsWith("x.safetensors: ") && e.getMessage().contains("exp_avg.w"),
          e.getMessage());
    }
  }

  @Test
  void torchStateMapsByParameterIndex() {
    try (PointerScope scope = new PointerScope();
        Adam adam = new Adam(param(START), 0.002, 0, 0.99)) {
      TensorData m = Tensors.toData(Tensors.fromFloats(new float[] {1, 2, 3}, 3));
      TensorData v = Tensors.toData(Tensors.fromFloats(new float[] {4, 5, 6}, 3));
      TensorData step = Tensors.toData(Tensors.fromFloats(new float[] {7}));
      Map<Object, Object> state = Map.of(0, Map.of("step", step, "exp_avg", m, "exp_avg_sq", v));
      Map<String, Object> torchState =
          Map.of("state", state, "param_groups", List.of(Map.of("params", List.of(0))));
      assertNull(adam.loadTorch(torchState));
      assertEquals(7, adam.steps());
      Map<String, TensorData> saved = adam.state();
      assertArrayEquals(
          new float[] {1, 2, 3}, Tensors.toFloats(Tensors.fromData(saved.get("exp_avg.w"))));
      assertArrayEquals(
          new float[] {4, 5, 6}, Tensors.toFloats(Tensors.fromData(saved.get("exp_avg_sq.w"))));
      Map<String, Object> twoParams =
          Map.of("state", state, "param_groups", List.of(Map.of("params", List.of(0, 1))));
      assertTrue(adam.loadTorch(twoParams).contains("2 parameters"), adam.loadTorch(twoParams));
    }
  }
}
