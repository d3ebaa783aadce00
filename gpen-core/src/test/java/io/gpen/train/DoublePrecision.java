package io.gpen.train;

import io.gpen.data.Batch;
import io.gpen.nn.Module;
import io.gpen.nn.Tensors;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Trainers in float64, for tests that compare two ways of computing the same training: in float32
 * the rounding differences of any two summation orders (even 1 against 2 threads) reach the weights
 * at 1e-4 relative after a few steps, because Adam's first steps move every weight by ±lr whatever
 * the size of its gradient, rounding noise included.
 */
public final class DoublePrecision {
  private DoublePrecision() {}

  /** A fresh trainer of {@code config} (no identity loss), every tensor in float64. */
  public static Trainer fresh(TrainConfig config) {
    Trainer f = Trainer.create(config, null, n -> {});
    f.generatorOptimizer().close();
    f.discriminatorOptimizer().close();
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      for (Module m : List.of(f.generator(), f.discriminator(), f.emaGenerator())) {
        for (Tensor t : m.stateDict().values()) {
          t.__dispatch_set_data(t.to(torch.ScalarType.Double));
        }
      }
    }
    return new Trainer(config, f.generator(), f.discriminator(), f.emaGenerator(), null);
  }

  /** Runs one step of {@code t} on {@code b} in float64. */
  public static Trainer.Step step(Trainer t, Batch b) {
    try (PointerScope scope = new PointerScope()) {
      long[] shape = {b.count(), 3, b.size(), b.size()};
      Tensor lq = Tensors.fromFloats(b.lq(), shape).to(torch.ScalarType.Double);
      Tensor gt = Tensors.fromFloats(b.gt(), shape).to(torch.ScalarType.Double);
      return t.step(lq, gt);
    }
  }
}
