package io.gpen.bench;

import io.gpen.api.Restorer;
import io.gpen.model.FullGenerator;
import io.gpen.model.GpenConfig;
import io.gpen.model.ModelFiles;
import io.gpen.nn.Precision;
import io.gpen.registry.ModelRegistry;
import java.nio.file.Path;
import java.util.Objects;
import org.bytedeco.pytorch.global.torch;

/**
 * The GPEN generator an inference benchmark times, and how it runs: random weights of an
 * architecture, or given weights. Random weights are drawn as the network initialises them and then
 * perturbed ({@link io.gpen.nn.Module#perturbParameters}, by 0.2 as the golden reference weights
 * were), so that biases and noise weights are not zero and every term counts, as in a trained
 * model.
 *
 * @param weights a checkpoint file or a model name from the registry; null: random weights
 * @param key the entry of a training checkpoint; null: {@code g_ema} when present
 * @param architecture with random weights, the architecture (settings left null: size 256, channel
 *     multiplier 1, narrow 0.5); with given weights, settings that override the checkpoint's
 * @param device {@code cpu}, {@code cuda} or {@code cuda:N}
 * @param threads CPU threads; 0 leaves the engine's default
 * @param forwardPass libtorch's fast path or its reference forward pass
 * @param precision the number format of the fast path's convolutions
 */
public record BenchModel(
    String weights,
    String key,
    ModelFiles.Overrides architecture,
    String device,
    int threads,
    ForwardPass forwardPass,
    Precision precision) {
  /** The perturbation of random weights (see the class comment). */
  static final double PERTURBATION = 0.2;

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
    Objects.requireNonNull(precision, "precision");
  }

  /** A generator whose convolutions run in float32. */
  public BenchModel(
      String weights,
      String key,
      ModelFiles.Overrides architecture,
      String device,
      int threads,
      ForwardPass forwardPass) {
    this(weights, key, architecture, device, threads, forwardPass, Precision.FP32);
  }

  /** This generator with its convolutions in {@code precision}. */
  public BenchModel withPrecision(Precision precision) {
    return new BenchModel(weights, key, architecture, device, threads, forwardPass, precision);
  }

  /**
   * Random weights of GPEN-256 (channel multiplier 1, narrow 0.5) on the fast path, on the CPU with
   * every core.
   */
  public static BenchModel random() {
    return new BenchModel(null, null, ModelFiles.Overrides.NONE, "cpu", 0, ForwardPass.FAST);
  }

  /**
   * The generator with its description: the random weights drawn from {@code seed}, or the loaded
   * ones.
   */
  ModelFiles.LoadedGenerator load(long seed) {
    torch.manual_seed(seed);
    if (weights == null) {
      GpenConfig config =
          GpenConfig.of(
              architecture.size() != null ? architecture.size() : 256,
              architecture.channelMultiplier() != null ? architecture.channelMultiplier() : 1,
              architecture.narrow() != null ? architecture.narrow() : 0.5);
      FullGenerator g = new FullGenerator(config);
      g.perturbParameters(PERTURBATION);
      return new ModelFiles.LoadedGenerator(g, "random weights");
    }
    Path file = ModelRegistry.defaultRegistry().resolve(weights);
    return ModelFiles.loadGenerator(file, key, architecture);
  }

  /**
   * A restorer of {@code generator} (which it takes over) on this model's device, threads, forward
   * pass and precision.
   */
  Restorer restorer(FullGenerator generator, int batchSize) {
    return Restorer.builder()
        .device(device)
        .threads(threads)
        .batchSize(batchSize)
        .referencePath(forwardPass == ForwardPass.REFERENCE)
        .precision(precision)
        .build(generator);
  }

  /**
   * How libtorch runs this model in a photo or video pipeline, once its restorer is open (the
   * threads are libtorch's count then): version, device, precision, threads and batch.
   */
  String pipelineEngine(int batchSize) {
    return String.format(
        "libtorch %s, %s, %s, %d threads, batch %d",
        Machine.libtorchVersion(), device, precision.label(), torch.get_num_threads(), batchSize);
  }
}
