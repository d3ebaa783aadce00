package io.gpen.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.Performance;
import io.gpen.SharedData;
import io.gpen.checkpoint.Checkpoints;
import io.gpen.checkpoint.StateDict;
import io.gpen.checkpoint.TensorData;
import io.gpen.checkpoint.TorchFiles;
import io.gpen.model.Discriminator;
import io.gpen.model.FullGenerator;
import io.gpen.model.GpenConfig;
import io.gpen.model.ModelFiles;
import io.gpen.nn.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer's pieces at 64 px: learning, memory, and the checkpoints --pretrain accepts. */
class TrainerTest {
  @TempDir Path dir;

  static TrainConfig config(Map<String, Object> extra) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("size", 64);
    s.put("narrow", 0.25);
    s.put("d_reg_every", 2);
    s.put("g_reg_every", 2);
    s.putAll(extra);
    return TrainConfig.resolve(null, s);
  }

  /** A fixed batch of {@code n} smooth random pictures in [-1, 1] and their noisy copies. */
  static Tensor[] batch(int n) {
    torch.manual_seed(7);
    Tensor gt = torch.rand(n, 3, 8, 8).mul_(Tensors.scalar(2)).sub_(Tensors.scalar(1));
    gt =
        torch.upsample_bilinear2d(
            gt,
            new long[] {64, 64},
            false,
            new org.bytedeco.pytorch.DoubleOptional(),
            new org.bytedeco.pytorch.DoubleOptional());
    Tensor lq = gt.add(torch.randn(n, 3, 64, 64).mul_(Tensors.scalar(0.2)));
    return new Tensor[] {lq, gt};
  }

  /**
   * The generator alone, trained with the smooth L1 loss by the reference's G optimiser on one
   * fixed batch, fits it: the loss falls well below where it started over 200 steps. (A narrow
   * 0.125 model, half the golden model's width, keeps the 200 steps cheap.)
   */
  @Test
  void generatorTrainedWithL1AloneFitsOneBatchIn200Steps() {
    TrainConfig c = config(Map.of("narrow", 0.125));
    torch.manual_seed(1);
    try (PointerScope scope = new PointerScope();
        FullGenerator g = new FullGenerator(c.model());
        Adam adam = new Adam(g.namedParameters(), c.generatorLr(), 0, c.generatorBeta2())) {
      Tensor[] b = batch(1);
      TensorVector params = new TensorVector(g.parameters().toArray(new Tensor[0]));
      double first = 0;
      double last = 0;
      for (int step = 0; step < 200; step++) {
        try (PointerScope inner = new PointerScope()) {
          Tensor l1 = Losses.smoothL1(g.forward(b[0]).image(), b[1]);
          adam.step(
              torch.grad(
                  new TensorVector(l1),
                  params,
                  new TensorVector(),
                  new BoolOptional(false),
                  false,
                  true));
          last = l1.item_double();
          if (step == 0) {
            first = last;
          }
        }
      }
      // measured: 0.30 to 0.004
      assertTrue(last < 0.1 * first, "smooth L1 went from " + first + " to " + last);
    }
  }

  /** Native memory stays flat over iterations: nothing an iteration makes outlives it. */
  @Test
  @Performance
  void residentMemoryDoesNotGrowOverIterations() throws IOException {
    try (PointerScope scope = new PointerScope();
        Trainer t = Trainer.create(config(Map.of("narrow", 0.125)), null, n -> {})) {
      Tensor[] b = batch(2);
      for (int i = 0; i < 6; i++) {
        t.step(b[0], b[1]);
      }
      long before = residentBytes();
      for (int i = 0; i < 24; i++) {
        assertTrue(t.step(b[0], b[1]).finite());
      }
      long grown = residentBytes() - before;
      // an iteration makes about 10 MB of activations and gradients; a leak of them would show at
      // once
      assertTrue(
          grown < 48L << 20, "resident memory grew by " + (grown >> 20) + " MB over 24 iterations");
    }
  }

  static long residentBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS");
  }

  @Test
  void parameterOrderIsPyTorchsSoOptimiserStatesMapByIndex() {
    StateDict golden = Checkpoints.read(SharedData.require("golden/gpen64.pth"));
    try (FullGenerator g = new FullGenerator(GpenConfig.of(64, 1, 0.25))) {
      List<String> fileOrder = new ArrayList<>(golden.tensors().keySet());
      fileOrder.retainAll(g.namedParameters().keySet());
      assertEquals(fileOrder, new ArrayList<>(g.namedParameters().keySet()));
    }
  }

  @Test
  void generatorWeightsStartGAndGEmaWithARandomDiscriminator() {
    Path weights = SharedData.require("golden/gpen64.pth");
    List<String> notes = new ArrayList<>();
    try (Trainer t = Trainer.create(config(Map.of("pretrain", weights)), null, notes::add);
        FullGenerator golden =
            ModelFiles.loadGenerator(weights, null, ModelFiles.Overrides.NONE).model()) {
      assertSameWeights(golden, t.generator());
      assertSameWeights(golden, t.emaGenerator());
      assertEquals(0, t.iteration());
      assertTrue(
          notes.get(0).contains("the discriminator starts from random weights"), notes.toString());
    }
  }

  @Test
  void officialTrainingCheckpointLoadsNetworksAndMatchingOptimiserStates() throws IOException {
    Path g = SharedData.require("golden/gpen64.pth");
    Path d = SharedData.require("golden/disc64.pth");
    Map<String, TensorData> gState = Checkpoints.read(g).tensors();
    Map<String, TensorData> dState = Checkpoints.read(d).tensors();
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("g", gState);
    root.put("d", dState);
    root.put("g_ema", gState);
    List<String> gParams;
    try (FullGenerator model = new FullGenerator(GpenConfig.of(64, 1, 0.25))) {
      gParams = new ArrayList<>(model.namedParameters().keySet());
    }
    root.put("g_optim", torchAdamState(gParams, gState, 12));
    // a D optimiser over other parameters (one missing) does not map: D's Adam starts fresh
    List<String> dParams = new ArrayList<>(dState.keySet());
    dParams.removeIf(n -> n.endsWith("kernel"));
    root.put("d_optim", torchAdamState(dParams.subList(1, dParams.size()), dState, 12));
    Path file = dir.resolve("official.pth");
    TorchFiles.writeObject(file, root);

    List<String> notes = new ArrayList<>();
    try (Trainer t = Trainer.create(config(Map.of("pretrain", file)), null, notes::add);
        FullGenerator golden =
            ModelFiles.loadGenerator(g, null, ModelFiles.Overrides.NONE).model();
        Discriminator goldenD = ModelFiles.loadDiscriminator(d, null, ModelFiles.Overrides.NONE)) {
      assertSameWeights(golden, t.generator());
      assertSameWeights(golden, t.emaGenerator());
      assertSameWeights(goldenD, t.discriminator());
      assertEquals(12, t.generatorOptimizer().steps());
      assertEquals(0, t.discriminatorOptimizer().steps());
      // exp_avg of parameter i was filled with i: the state went to the parameter of that index
      Map<String, TensorData> saved = t.generatorOptimizer().state();
      for (int i : new int[] {0, 5, gParams.size() - 1}) {
        float[] m = Tensors.toFloats(Tensors.fromData(saved.get("exp_avg." + gParams.get(i))));
        assertEquals(i, m[0], gParams.get(i));
      }
      assertTrue(
          notes.stream().anyMatch(n -> n.startsWith("g_optim restored (12 steps)")),
          notes.toString());
      assertTrue(
          notes.stream()
              .anyMatch(
                  n ->
                      n.startsWith("d_optim of official.pth not used")
                          && n.contains("starts fresh")),
          notes.toString());
      assertTrue(
          notes.stream().anyMatch(n -> n.contains("records no iteration")), notes.toString());
      assertFalse(notes.stream().anyMatch(n -> n.contains("\n")));
    }
  }

  /** A torch.optim.Adam state dict over {@code names}: exp_avg of parameter i filled with i. */
  static Map<String, Object> torchAdamState(
      List<String> names, Map<String, TensorData> shapes, int steps) {
    Map<Object, Object> state = new LinkedHashMap<>();
    List<Object> ids = new ArrayList<>();
    try (PointerScope scope = new PointerScope()) {
      for (int i = 0; i < names.size(); i++) {
        long[] shape = shapes.get(names.get(i)).shape();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("step", Tensors.toData(torch.scalar_tensor(Tensors.scalar(steps))));
        s.put("exp_avg", Tensors.toData(torch.full(shape, Tensors.scalar(i))));
        s.put("exp_avg_sq", Tensors.toData(torch.full(shape, Tensors.scalar(1e-4))));
        state.put(i, s);
        ids.add(i);
      }
    }
    Map<String, Object> group = new LinkedHashMap<>();
    group.put("lr", 0.0016);
    group.put("eps", 1e-8);
    group.put("params", ids);
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("state", state);
    root.put("param_groups", List.of(group));
    return root;
  }

  static void assertSameWeights(io.gpen.nn.Module expected, io.gpen.nn.Module actual) {
    Map<String, Tensor> a = actual.stateDict();
    expected
        .stateDict()
        .forEach((name, t) -> assertEquals(0.0, Tensors.maxAbsDiff(t, a.get(name)), name));
  }

  /**
   * Iterations with the R1 and path-length steps follow, in float32, the same iterations in
   * float64: the regularisers' weight gradients are second-order gradients, which oneDNN computed
   * wrongly on the Zen 5 machine (see {@code SecondOrderGradients}). Iteration 1 comes after both
   * regularisers' updates. Measured: 2e-5 apart; with oneDNN's second-order convolutions, 2e-3 (D)
   * and 1e-2 (G), and NaN in some runs.
   */
  @Test
  void regularisedIterationsFollowFloat64() {
    TrainConfig c = config(Map.of());
    try (PointerScope scope = new PointerScope();
        Trainer single = Trainer.create(c, null, n -> {});
        Trainer reference = DoublePrecision.fresh(c)) {
      Tensor[] b = batch(2);
      Tensor lq = b[0].to(torch.ScalarType.Double);
      Tensor gt = b[1].to(torch.ScalarType.Double);
      Trainer.Step s = null;
      Trainer.Step r = null;
      for (int i = 0; i < 2; i++) {
        torch.manual_seed(100 + i);
        s = single.step(b[0], b[1]);
        torch.manual_seed(100 + i);
        r = reference.step(lq, gt);
      }
      assertTrue(Math.abs(s.d() / r.d() - 1) < 5e-4, "d " + s.d() + " against " + r.d());
      assertTrue(Math.abs(s.g() / r.g() - 1) < 5e-4, "g " + s.g() + " against " + r.g());
    }
  }

  @Test
  void trainingChangesTheWeightsAndTheAverageTrailsThem() {
    try (PointerScope scope = new PointerScope();
        Trainer t = Trainer.create(config(Map.of()), null, n -> {})) {
      Tensor[] b = batch(2);
      Tensor before = t.generator().finalLinear().namedParameters().get("0.weight").clone();
      Trainer.Step s = t.step(b[0], b[1]);
      assertTrue(
          s.regularisedD() && s.regularisedG(), "iteration 0 runs R1 and the path-length step");
      assertFalse(t.step(b[0], b[1]).regularisedD(), "iteration 1 runs neither");
      Tensor after = t.generator().finalLinear().namedParameters().get("0.weight");
      Tensor ema = t.emaGenerator().finalLinear().namedParameters().get("0.weight");
      double moved = Tensors.maxAbsDiff(before, after);
      assertNotEquals(0.0, moved);
      // the average moved by (1 - β) of G's steps at most: much less than G did
      assertTrue(Tensors.maxAbsDiff(before, ema) < 0.05 * moved, "g_ema is not a slow average");
      assertNotEquals(0f, t.meanPathLength());
    }
  }
}
