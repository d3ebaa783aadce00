package io.gpen.workflow;

import io.gpen.BadParameter;
import io.gpen.api.FaceRestorer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Restores aligned face images: one image, or every image directly in a folder (earlier outputs
 * left out), each written as {@code <name><suffix>.png} at the model's size. Grayscale, RGBA (alpha
 * kept, resized) and 16-bit inputs are accepted. In a folder an unreadable image is reported and
 * skipped; a single unreadable image is an error.
 *
 * <pre>{@code
 * FolderRestoration.Result r = FolderRestoration.run(
 *     FolderRestoration.Options.builder(ModelSpec.libtorch("GPEN-BFR-512"), Path.of("faces"))
 *         .output(Path.of("restored")).batchSize(4).build(),
 *     WorkflowListener.SILENT);
 * }</pre>
 */
public final class FolderRestoration {
  private FolderRestoration() {}

  /**
   * What to restore and how.
   *
   * @param model the restoration model
   * @param input an aligned face image or a folder of them
   * @param output the output folder or, for a single image, an image file name; null: beside each
   *     input
   * @param naming how the results are named, and which files of a folder are earlier outputs
   * @param batchSize faces per forward pass
   */
  public record Options(ModelSpec model, Path input, Path output, OutputNaming naming, int batchSize) {
    public Options {
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(input, "input");
      Objects.requireNonNull(naming, "naming");
      if (batchSize < 1) {
        throw BadParameter.of("batchSize", "must be at least 1, got " + batchSize);
      }
    }

    /** Options for {@code input} with the defaults: results beside the inputs, {@link OutputNaming#PREDICT}, batch 1. */
    public static Builder builder(ModelSpec model, Path input) {
      return new Builder(model, input);
    }

    /** Builds {@link Options}. */
    public static final class Builder {
      private final ModelSpec model;
      private final Path input;
      private Path output;
      private OutputNaming naming = OutputNaming.PREDICT;
      private int batchSize = 1;

      private Builder(ModelSpec model, Path input) {
        this.model = model;
        this.input = input;
      }

      /** The output folder or, for a single image, an image file name (default: beside each input). */
      public Builder output(Path output) {
        this.output = output;
        return this;
      }

      /** How the results are named (default {@link OutputNaming#PREDICT}). */
      public Builder naming(OutputNaming naming) {
        this.naming = naming;
        return this;
      }

      /** Faces per forward pass (default 1). */
      public Builder batchSize(int batchSize) {
        this.batchSize = batchSize;
        return this;
      }

      public Options build() {
        return new Options(model, input, output, naming, batchSize);
      }
    }
  }

  /**
   * What was done.
   *
   * @param model what the model was and how it ran
   * @param folder whether the input was a folder
   * @param restored how many images were restored and written
   * @param skipped how many images of the folder could not be read
   * @param seconds the time from the loaded model to the last image written
   * @param written the files written, in input order
   */
  public record Result(String model, boolean folder, int restored, int skipped, double seconds, List<WrittenFace> written) {
    public Result {
      written = List.copyOf(written);
    }
  }

  /**
   * Restores the images. The inputs and the output are checked before the model loads.
   *
   * @throws io.gpen.GpenException naming the file or parameter at fault
   */
  public static Result run(Options options, WorkflowListener listener) {
    InputImages inputs = InputImages.list(options.input(), options.naming());
    inputs.requireWritable(options.output());
    List<Path> files = inputs.files();
    try (FaceRestorer restorer = options.model().open(options.batchSize())) {
      listener.info(restorer.description());
      long start = System.nanoTime();
      int skipped = 0;
      List<WrittenFace> written = new ArrayList<>();
      try (WorkflowListener.Progress progress = inputs.folder() ? listener.progress(files.size()) : WorkflowListener.Progress.NONE) {
        for (int i = 0; i < files.size(); i += options.batchSize()) {
          int end = Math.min(files.size(), i + options.batchSize());
          skipped += restoreChunk(restorer, inputs, i, end, options.output(), written, listener);
          progress.stepBy(end - i);
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      return new Result(restorer.description(), inputs.folder(), files.size() - skipped, skipped, seconds, written);
    }
  }

  /** Restores inputs {@code from} to {@code to} and writes the results; returns how many were skipped. */
  private static int restoreChunk(FaceRestorer restorer, InputImages inputs, int from, int to, Path output,
      List<WrittenFace> written, WorkflowListener listener) {
    try (PointerScope scope = new PointerScope();
        ImageChunk in = inputs.read(from, to, listener)) {
      List<Mat> restored = restorer.restore(in.bgr());
      for (int i = 0; i < restored.size(); i++) {
        Path target = inputs.outputFor(in.sources.get(i), output);
        InputImages.writeRestored(target, restored.get(i), in.images.get(i), restorer.size());
        written.add(new WrittenFace(in.sources.get(i), target, null));
      }
      return in.skipped;
    }
  }
}
