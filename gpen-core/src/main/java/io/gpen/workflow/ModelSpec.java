package io.gpen.workflow;

import io.gpen.BadParameter;
import io.gpen.api.Engine;
import io.gpen.api.FaceRestorer;
import io.gpen.api.PixelRange;
import io.gpen.api.Restorer;
import io.gpen.model.ModelFiles;
import io.gpen.nn.Precision;
import io.gpen.onnx.OnnxRestorer;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The face restoration model a workflow opens, and how it runs.
 *
 * <pre>{@code
 * ModelSpec.libtorch("GPEN-BFR-512").withDevice("cuda")
 * ModelSpec.libtorch("GPEN-BFR-512").withPrecision(Precision.BF16)
 * ModelSpec.onnx(Path.of("inference/GPEN/model.onnx")).withThreads(2)
 * }</pre>
 *
 * @param engine what runs the model
 * @param weights for libtorch a checkpoint file or a model name from the registry (downloaded when
 *     absent); for ONNX the {@code .onnx} file
 * @param key the entry of a training checkpoint (libtorch only; null: {@code g_ema} when present)
 * @param architecture the architecture settings that override those read from the checkpoint, and
 *     whether non-finite weights load (libtorch only)
 * @param device {@code cpu}, {@code cuda} or {@code cuda:N}
 * @param threads CPU threads; 0 leaves the engine's default
 * @param precision the number format of the convolutions (libtorch only; ONNX models run as
 *     exported, in float32)
 */
public record ModelSpec(
    Engine engine,
    String weights,
    String key,
    ModelFiles.Overrides architecture,
    String device,
    int threads,
    Precision precision) {
  public ModelSpec {
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(architecture, "architecture");
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(precision, "precision");
    if (weights == null || weights.isBlank()) {
      throw new BadParameter(
          names ->
              "no "
                  + names.apply("weights")
                  + " given (a checkpoint file, a model name"
                  + " such as GPEN-BFR-512, or an ONNX model file)");
    }
    if (engine == Engine.ONNX
        && (key != null || !architecture.isEmpty() || architecture.allowNonFinite())) {
      throw new BadParameter(
          names ->
              names.apply("key")
                  + " and the architecture settings apply to checkpoints"
                  + " (engine libtorch), not to ONNX model "
                  + weights);
    }
    if (engine == Engine.ONNX && precision != Precision.FP32) {
      throw new BadParameter(
          names ->
              names.apply("precision")
                  + " "
                  + precision.label()
                  + " applies to checkpoints"
                  + " (engine libtorch); ONNX model "
                  + weights
                  + " runs in fp32");
    }
  }

  /** A model whose convolutions run in float32. */
  public ModelSpec(
      Engine engine,
      String weights,
      String key,
      ModelFiles.Overrides architecture,
      String device,
      int threads) {
    this(engine, weights, key, architecture, device, threads, Precision.FP32);
  }

  /** A checkpoint or model name on libtorch, on the CPU with every core. */
  public static ModelSpec libtorch(String weights) {
    return of(Engine.LIBTORCH, weights);
  }

  /** An ONNX model file in ONNX Runtime, on the CPU with its default threads. */
  public static ModelSpec onnx(Path modelFile) {
    return of(Engine.ONNX, modelFile.toString());
  }

  /** The weights on an engine, on the CPU with the engine's default threads. */
  public static ModelSpec of(Engine engine, String weights) {
    return new ModelSpec(engine, weights, null, ModelFiles.Overrides.NONE, "cpu", 0);
  }

  /** This model with another checkpoint entry (null: {@code g_ema} when present). */
  public ModelSpec withKey(String key) {
    return new ModelSpec(engine, weights, key, architecture, device, threads, precision);
  }

  /** This model with architecture settings; those left null are read from the checkpoint. */
  public ModelSpec withArchitecture(Integer size, Integer channelMultiplier, Double narrow) {
    return withArchitecture(size, channelMultiplier, narrow, null);
  }

  /**
   * This model with architecture settings and the output side of a {@code FullGenerator_SR}; those
   * left null are read from the checkpoint.
   */
  public ModelSpec withArchitecture(
      Integer size, Integer channelMultiplier, Double narrow, Integer outSize) {
    return new ModelSpec(
        engine,
        weights,
        key,
        new ModelFiles.Overrides(
            size, channelMultiplier, narrow, outSize, architecture.allowNonFinite()),
        device,
        threads,
        precision);
  }

  /**
   * This model with weights holding NaN or infinity loaded (true) or refused (false, the default).
   */
  public ModelSpec withNonFiniteWeights(boolean allow) {
    return new ModelSpec(
        engine, weights, key, architecture.allowingNonFinite(allow), device, threads, precision);
  }

  /** This model on another device: {@code cpu}, {@code cuda} or {@code cuda:N}. */
  public ModelSpec withDevice(String device) {
    return new ModelSpec(engine, weights, key, architecture, device, threads, precision);
  }

  /** This model with another number of CPU threads (0: the engine's default). */
  public ModelSpec withThreads(int threads) {
    return new ModelSpec(engine, weights, key, architecture, device, threads, precision);
  }

  /** This model with its convolutions in {@code precision} (libtorch only). */
  public ModelSpec withPrecision(Precision precision) {
    return new ModelSpec(engine, weights, key, architecture, device, threads, precision);
  }

  /**
   * Loads the model.
   *
   * @param batchSize faces per forward pass
   * @throws io.gpen.GpenException naming the file when the weights cannot be had or do not fit;
   *     {@link BadParameter} naming the parameter when a setting is unusable
   */
  public FaceRestorer open(int batchSize) {
    return open(batchSize, PixelRange.SIGNED);
  }

  /**
   * Loads the model for a model that takes and gives the values of {@code pixelRange} ([0, 1] for a
   * Seg2Face model); otherwise as {@link #open(int)}.
   */
  public FaceRestorer open(int batchSize, PixelRange pixelRange) {
    if (engine == Engine.LIBTORCH) {
      return Restorer.builder()
          .weights(weights)
          .key(key)
          .architecture(
              architecture.size(),
              architecture.channelMultiplier(),
              architecture.narrow(),
              architecture.outSize())
          .allowNonFinite(architecture.allowNonFinite())
          .device(device)
          .threads(threads)
          .batchSize(batchSize)
          .pixelRange(pixelRange)
          .precision(precision)
          .build();
    }
    try {
      return OnnxRestorer.open(Path.of(weights), device, threads, batchSize, pixelRange);
    } catch (BadParameter e) {
      throw e.renamed("modelFile", "weights");
    }
  }
}
