package io.gpen.bench;

import io.gpen.model.FullGenerator;
import io.gpen.model.GpenConfig;
import io.gpen.model.ModelFiles;
import io.gpen.registry.ModelRegistry;
import java.nio.file.Path;
import java.util.Objects;
import org.bytedeco.pytorch.global.torch;

/**
 * The GPEN generator an inference benchmark times, and how it runs: random weights of an
 * architecture, or given weights.
 *
 * @param weights a checkpoint file or a model name from the registry; null: random weights
 * @param key the entry of a training checkpoint; null: {@code g_ema} when present
 * @param architecture with random weights, the architecture (settings left null: size 256,
 *     channel multiplier 1, narrow 0.5); with given weights, settings that override the
 *     checkpoint's
 * @param device {@code cpu}, {@code cuda} or {@code cuda:N}
 * @param threads CPU threads; 0 leaves the engine's default
 * @param forwardPass libtorch's fast path or its reference forward pass
 */
public record BenchModel(
    String weights, String key, ModelFiles.Overrides architecture, String device, int threads, ForwardPass forwardPass) {
  /** Which libtorch forward pass runs. */
  public enum ForwardPass {
    /** The inference fast path ({@link io.gpen.model.GeneratorInference}). */
    FAST,
    /** The reference forward pass, layer by layer as the PyTorch original. */
    REFERENCE
  }

  public BenchModel {
    Objects.requireNonNull(architecture, "architecture");
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(forwardPass, "forwardPass");
  }

  /** Random weights of GPEN-256 (channel multiplier 1, narrow 0.5) on the fast path, on the CPU with every core. */
  public static BenchModel random() {
    return new BenchModel(null, null, ModelFiles.Overrides.NONE, "cpu", 0, ForwardPass.FAST);
  }

  /** The generator with its description: the random weights drawn from {@code seed}, or the loaded ones. */
  ModelFiles.LoadedGenerator load(long seed) {
    torch.manual_seed(seed);
    if (weights == null) {
      GpenConfig config = GpenConfig.of(
          architecture.size() != null ? architecture.size() : 256,
          architecture.channelMultiplier() != null ? architecture.channelMultiplier() : 1,
          architecture.narrow() != null ? architecture.narrow() : 0.5);
      return new ModelFiles.LoadedGenerator(new FullGenerator(config), "random weights");
    }
    Path file = ModelRegistry.defaultRegistry().resolve(weights);
    return ModelFiles.loadGenerator(file, key, architecture);
  }
}
