package io.gpen.workflow;

import io.gpen.model.FullGenerator;
import io.gpen.model.ModelFiles;
import io.gpen.onnx.OnnxExport;
import io.gpen.registry.ModelRegistry;
import io.gpen.util.AtomicFiles;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Exports a GPEN generator to ONNX (opset 17): {@code <saveDir>/model.onnx}, whose input {@code
 * image} is a batch of faces [N,3,S,S] float32, RGB in [-1,1], and whose output {@code output} is
 * the restored batch in the same form, and {@code <saveDir>/model.json} (architecture, source
 * checkpoint, SHA-256 of both). See {@link OnnxExport}.
 *
 * <pre>{@code
 * ModelExport.Result r = ModelExport.run(
 *     ModelExport.Options.builder("GPEN-BFR-256", Path.of("inference/GPEN")).build(), WorkflowListener.SILENT);
 * }</pre>
 */
public final class ModelExport {
  private ModelExport() {}

  /**
   * What to export.
   *
   * @param weights a checkpoint file or a model name from the registry (downloaded when absent)
   * @param key the entry of a training checkpoint; null: {@code g_ema} when present
   * @param architecture the architecture settings that override those read from the checkpoint
   * @param saveDir the output folder (created when missing)
   * @param fixedBatch the batch size the model accepts, or 0 for any
   */
  public record Options(
      String weights, String key, ModelFiles.Overrides architecture, Path saveDir, int fixedBatch) {
    public Options {
      Objects.requireNonNull(weights, "weights");
      Objects.requireNonNull(architecture, "architecture");
      Objects.requireNonNull(saveDir, "saveDir");
    }

    /** Options with the defaults: the checkpoint's own entry and architecture, any batch size. */
    public static Builder builder(String weights, Path saveDir) {
      return new Builder(weights, saveDir);
    }

    /** Builds {@link Options}. */
    public static final class Builder {
      private final String weights;
      private final Path saveDir;
      private String key;
      private ModelFiles.Overrides architecture = ModelFiles.Overrides.NONE;
      private int fixedBatch;

      private Builder(String weights, Path saveDir) {
        this.weights = weights;
        this.saveDir = saveDir;
      }

      /** The entry of a training checkpoint (default: {@code g_ema} when present). */
      public Builder key(String key) {
        this.key = key;
        return this;
      }

      /** Architecture settings; those left null are read from the checkpoint. */
      public Builder architecture(Integer size, Integer channelMultiplier, Double narrow) {
        return architecture(size, channelMultiplier, narrow, null);
      }

      /**
       * Architecture settings with the output side of a {@code FullGenerator_SR}; nulls are read
       * from the checkpoint.
       */
      public Builder architecture(
          Integer size, Integer channelMultiplier, Double narrow, Integer outSize) {
        this.architecture = new ModelFiles.Overrides(size, channelMultiplier, narrow, outSize);
        return this;
      }

      /**
       * Fixes the model's batch size (for runtimes that need static shapes); 0 (default) leaves it
       * open.
       */
      public Builder fixedBatch(int batch) {
        this.fixedBatch = batch;
        return this;
      }

      public Options build() {
        return new Options(weights, key, architecture, saveDir, fixedBatch);
      }
    }
  }

  /**
   * What was written.
   *
   * @param model what was loaded and how its settings were found
   * @param files the ONNX model and its description, with the model's size and SHA-256
   */
  public record Result(String model, OnnxExport.Result files) {}

  /**
   * Loads the generator and writes the model.
   *
   * @throws io.gpen.GpenException naming the file when the weights cannot be had or do not fit, or
   *     the model cannot be written
   */
  public static Result run(Options options, WorkflowListener listener) {
    // before the model loads, as for the other workflows
    AtomicFiles.requireWritableFolder(options.saveDir());
    Path file = ModelRegistry.defaultRegistry().resolve(options.weights());
    ModelFiles.LoadedGenerator loaded =
        ModelFiles.loadGenerator(file, options.key(), options.architecture());
    listener.info(loaded.note());
    try (FullGenerator model = loaded.model()) {
      return new Result(
          loaded.note(), OnnxExport.export(model, options.saveDir(), file, options.fixedBatch()));
    }
  }
}
