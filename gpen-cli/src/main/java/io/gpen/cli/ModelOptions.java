package io.gpen.cli;

import io.gpen.GpenException;
import io.gpen.api.Engine;
import io.gpen.workflow.ModelSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options that choose a GPEN generator: weights, checkpoint entry, architecture, device. */
public final class ModelOptions {
  @Option(
      names = {"-w", "--weights", "--w"},
      paramLabel = "WEIGHTS",
      description =
          "Checkpoint file (.pth, .pdparams, .safetensors) or a model name from `gpen models`.")
  String weights;

  @Option(
      names = "--key",
      paramLabel = "KEY",
      description = "Entry of a training checkpoint (g, g_ema, ...). Default: g_ema when present.")
  String key;

  @Mixin ArchitectureOptions architecture;

  @Option(
      names = "--allow_nonfinite",
      description = "Load weights holding NaN or infinity instead of refusing them.")
  boolean allowNonFinite;

  @Option(
      names = "--device",
      paramLabel = "DEVICE",
      defaultValue = "cpu",
      description = "cpu, cuda or cuda:N.")
  String device;

  @Option(
      names = "--threads",
      paramLabel = "T",
      defaultValue = "0",
      description = "CPU threads for the model; 0 uses every core.")
  int threads;

  /** The weights, or a one-line error when none were given. */
  String requireWeights() {
    if (weights == null) {
      throw new GpenException(
          "missing -w/--weights (a checkpoint file or a name from `gpen models`)");
    }
    return weights;
  }

  /** The model these options choose, on {@code engine} (weights required). */
  ModelSpec spec(Engine engine) {
    return ModelSpec.of(engine, requireWeights())
        .withKey(key)
        .withArchitecture(
            architecture.size, architecture.mul, architecture.narrow, architecture.outSize)
        .withNonFiniteWeights(allowNonFinite)
        .withDevice(device)
        .withThreads(threads);
  }
}
