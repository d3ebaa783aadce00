package io.gpen.workflow;

import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2YUV;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_YUV2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;

import io.gpen.BadParameter;
import io.gpen.api.FaceRestorer;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.image.OutputPaths;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Restores aligned face images: one image, or every image directly in a folder (earlier outputs
 * left out), each written as {@code <name><suffix>.png} at the model's size. Grayscale, RGBA (alpha
 * kept, resized) and 16-bit inputs are accepted. In a folder an unreadable image is reported and
 * skipped; a single unreadable image is an error.
 *
 * <p>The {@link Task} says what the model does, as the reference demo's {@code --task}: restore
 * (default), colourise (the output then has the input's size and luma where the sizes differ),
 * inpaint (the missing parts painted white first; the painted input is written as {@code
 * <name>_masked.png} beside the result) or draw a face from a segmentation map (values in [0, 1]).
 *
 * <pre>{@code
 * FolderRestoration.Result r = FolderRestoration.run(
 *     FolderRestoration.Options.builder(ModelSpec.libtorch("GPEN-BFR-512"), Path.of("faces"))
 *         .output(Path.of("restored")).batchSize(4).build(),
 *     WorkflowListener.SILENT);
 * FolderRestoration.run(
 *     FolderRestoration.Options.builder(ModelSpec.libtorch("GPEN-Inpainting-1024.pth"), Path.of("faces"))
 *         .task(Task.INPAINTING).strokes(7).build(),
 *     WorkflowListener.SILENT);
 * }</pre>
 */
public final class FolderRestoration {
  /** What the name of an inpainting's painted input adds to its input's, before {@code .png}. */
  public static final String MASKED = "_masked";

  /** The largest stroke seed: NumPy's legacy seeding takes 0 to 2³²−1. */
  private static final long MAX_STROKE_SEED = 0xffffffffL;

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
   * @param task what the model does to each face
   * @param holeMask for inpainting: a mask image whose white pixels (grey level 128 and up) are
   *     missing in every face (resized with nearest neighbour to a face of another size); else null
   * @param strokeSeed for inpainting: the seed of the demo's random brush strokes, 0 to 2³²−1 (a
   *     new mask per face, in input order, as the demo draws them after {@code
   *     np.random.seed(strokeSeed)}); else null
   */
  public record Options(
      ModelSpec model,
      Path input,
      Path output,
      OutputNaming naming,
      int batchSize,
      Task task,
      Path holeMask,
      Long strokeSeed) {
    public Options {
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(input, "input");
      Objects.requireNonNull(naming, "naming");
      Objects.requireNonNull(task, "task");
      if (batchSize < 1) {
        throw BadParameter.of("batchSize", "must be at least 1, got " + batchSize);
      }
      checkHoles(task, holeMask, strokeSeed);
    }

    private static void checkHoles(Task task, Path holeMask, Long strokeSeed) {
      if (holeMask != null && strokeSeed != null) {
        throw new BadParameter(
            names ->
                names.apply("holeMask")
                    + " and "
                    + names.apply("strokeSeed")
                    + " both give the missing parts of the faces; give one");
      }
      if (task == Task.INPAINTING && holeMask == null && strokeSeed == null) {
        throw new BadParameter(
            names ->
                names.apply("task")
                    + " inpainting needs the missing parts of the faces: a"
                    + " mask image ("
                    + names.apply("holeMask")
                    + ", white = missing) or a seed for random brush strokes ("
                    + names.apply("strokeSeed")
                    + ")");
      }
      if (task != Task.INPAINTING && (holeMask != null || strokeSeed != null)) {
        String given = holeMask != null ? "holeMask" : "strokeSeed";
        throw new BadParameter(
            names ->
                names.apply(given)
                    + " applies to "
                    + names.apply("task")
                    + " inpainting,"
                    + " not "
                    + task);
      }
      if (strokeSeed != null && (strokeSeed < 0 || strokeSeed > MAX_STROKE_SEED)) {
        throw BadParameter.of(
            "strokeSeed",
            "must be between 0 and "
                + MAX_STROKE_SEED
                + " (NumPy's seed range), got "
                + strokeSeed);
      }
    }

    /**
     * Options for {@code input} with the defaults: {@link Task#ENHANCEMENT}, results beside the
     * inputs, {@link OutputNaming#PREDICT}, batch 1.
     */
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
      private Task task = Task.ENHANCEMENT;
      private Path holeMask;
      private Long strokeSeed;

      private Builder(ModelSpec model, Path input) {
        this.model = model;
        this.input = input;
      }

      /**
       * The output folder or, for a single image, an image file name (default: beside each input).
       */
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

      /** What the model does to each face (default {@link Task#ENHANCEMENT}). */
      public Builder task(Task task) {
        this.task = task;
        return this;
      }

      /** For inpainting: the mask image whose white pixels are missing in every face. */
      public Builder holes(Path maskImage) {
        this.holeMask = maskImage;
        return this;
      }

      /**
       * For inpainting: random brush strokes drawn from {@code seed} (0 to 2³²−1), a new mask per
       * face.
       */
      public Builder strokes(long seed) {
        this.strokeSeed = seed;
        return this;
      }

      public Options build() {
        return new Options(model, input, output, naming, batchSize, task, holeMask, strokeSeed);
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
  public record Result(
      String model,
      boolean folder,
      int restored,
      int skipped,
      double seconds,
      List<WrittenFace> written) {
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
    Task task = options.task();
    InputImages inputs =
        InputImages.list(
            options.input(),
            options.naming(),
            task == Task.INPAINTING ? List.of(MASKED) : List.of());
    inputs.requireWritable(options.output());
    List<Path> files = inputs.files();
    try (InpaintingHoles holes =
            task != Task.INPAINTING
                ? null
                : options.holeMask() != null
                    ? InpaintingHoles.maskImage(options.holeMask())
                    : InpaintingHoles.strokes(options.strokeSeed());
        FaceRestorer restorer = options.model().open(options.batchSize(), task.pixelRange())) {
      listener.info(restorer.description());
      if (holes != null) {
        listener.info(holes.description());
      }
      long start = System.nanoTime();
      int skipped = 0;
      List<WrittenFace> written = new ArrayList<>();
      try (WorkflowListener.Progress progress =
          inputs.folder() ? listener.progress(files.size()) : WorkflowListener.Progress.NONE) {
        for (int i = 0; i < files.size(); i += options.batchSize()) {
          int end = Math.min(files.size(), i + options.batchSize());
          skipped +=
              restoreChunk(
                  restorer, task, holes, inputs, i, end, options.output(), written, listener);
          progress.stepBy(end - i);
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      return new Result(
          restorer.description(),
          inputs.folder(),
          files.size() - skipped,
          skipped,
          seconds,
          written);
    }
  }

  /**
   * Restores inputs {@code from} to {@code to} as the task does and writes the results; returns how
   * many were skipped.
   */
  private static int restoreChunk(
      FaceRestorer restorer,
      Task task,
      InpaintingHoles holes,
      InputImages inputs,
      int from,
      int to,
      Path output,
      List<WrittenFace> written,
      WorkflowListener listener) {
    try (PointerScope scope = new PointerScope();
        ImageChunk in = inputs.read(from, to, listener)) {
      List<Mat> faces = in.bgr();
      List<Path> targets = new ArrayList<>();
      List<Path> masked = new ArrayList<>();
      for (Path source : in.sources) {
        Path target = inputs.outputFor(source, output);
        targets.add(target);
        masked.add(holes == null ? null : maskedInput(target, source));
      }
      if (holes != null) {
        List<Mat> painted = new ArrayList<>();
        for (int i = 0; i < faces.size(); i++) {
          painted.add(holes.paint(faces.get(i)));
          Images.write(masked.get(i), painted.get(i));
        }
        faces = painted;
      }
      List<Mat> restored = restorer.restore(faces);
      for (int i = 0; i < restored.size(); i++) {
        Image source = in.images.get(i);
        Path target = targets.get(i);
        if (task == Task.COLORIZATION
            && (source.width() != restorer.size() || source.height() != restorer.size())) {
          Mat alpha = source.alpha().map(Mat::clone).orElse(null);
          try (Image out = new Image(keepLuma(source.bgr(), restored.get(i)), alpha)) {
            Images.write(target, out);
          }
        } else {
          InputImages.writeRestored(target, restored.get(i), source, restorer.size());
        }
        written.add(new WrittenFace(in.sources.get(i), target, masked.get(i)));
      }
      return in.skipped;
    }
  }

  /** Where the painted input of an inpainting goes: beside its result, named after the input. */
  static Path maskedInput(Path restored, Path input) {
    return restored.resolveSibling(OutputPaths.stem(input) + MASKED + ".png");
  }

  /**
   * The reference colourisation's post-processing ({@code FaceColorization.post_process}): the
   * model's output resized to the input's size (bilinear), both converted to YUV, the output's Y
   * plane replaced by the input's, back to BGR. Returns a new image; the caller closes it.
   */
  static Mat keepLuma(Mat input, Mat colourised) {
    try (Mat resized = Images.resize(colourised, input.cols(), input.rows(), INTER_LINEAR);
        Mat inputYuv = new Mat();
        Mat outputYuv = new Mat();
        Mat luma = new Mat()) {
      opencv_imgproc.cvtColor(input, inputYuv, COLOR_BGR2YUV);
      opencv_imgproc.cvtColor(resized, outputYuv, COLOR_BGR2YUV);
      opencv_core.extractChannel(inputYuv, luma, 0);
      opencv_core.insertChannel(luma, outputYuv, 0);
      Mat out = new Mat();
      opencv_imgproc.cvtColor(outputYuv, out, COLOR_YUV2BGR);
      return out;
    }
  }
}
