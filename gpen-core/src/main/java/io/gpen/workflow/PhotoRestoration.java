package io.gpen.workflow;

import io.gpen.BadParameter;
import io.gpen.GpenException;
import io.gpen.face.FaceDetectors;
import io.gpen.face.FaceEnhancer;
import io.gpen.image.Images;
import io.gpen.image.OutputPaths;
import io.gpen.parse.FaceParser;
import io.gpen.registry.ModelRegistry;
import io.gpen.sr.RealEsrNet;
import io.gpen.sr.RrdbNet;
import io.gpen.util.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Restores the faces of photos, as GPEN's {@code FaceEnhancement.process}: detects the faces and
 * their landmarks, aligns each face, restores it and pastes it back under a soft mask ({@link
 * FaceEnhancer}). For each photo of the input (a photo, or every photo directly in a folder,
 * earlier outputs left out) it writes into the output folder:
 *
 * <ul>
 *   <li>{@code <name>_GPEN.png}, the input's size (times the super-resolution scale); grayscale
 *       stays grayscale, alpha is kept (resized with the photo);
 *   <li>{@code <name>.faces.json}: the boxes, landmarks and scores in the pixels of the restored
 *       photo (the input's, or with super-resolution the enlarged input's), and its size;
 *   <li>where asked, {@code <name>_COMP.jpg} (input, resized to the output, | output) and, for each
 *       face, {@code <name>_faceNN.png} (aligned) and {@code <name>_faceNN_GPEN.png} (restored).
 * </ul>
 *
 * <p><b>Mask</b> ({@link Mask}): by default the faces are pasted under the face parser's mask
 * (ParseNet, {@link FaceParser}) when its weights are given or {@value #PARSER_MODEL} is in the
 * model cache, and otherwise under the rectangle mask, which the listener is told once per run.
 *
 * <p><b>Background super-resolution</b> ({@link SuperResolution}, the reference's {@code
 * --use_sr}): the whole photo is super-resolved first (Real-ESRNet, {@link RealEsrNet}), the photo
 * is resized bilinearly to that size, the faces are detected, aligned and restored on the resized
 * photo and pasted onto the super-resolved one. With aligned faces, the restored face is
 * super-resolved.
 *
 * <p>With {@link Inputs#ALIGNED_FACES} the inputs are aligned faces, each restored whole at the
 * model size without detection (nor mask). In a folder a photo that cannot be read or restored is
 * reported and skipped; a single one is an error.
 *
 * <p>The networks and the work on one photo in memory are a {@link PhotoPipeline}, which other
 * drivers (the Spark job) run too; this class lists the photos, reads them and writes the files.
 *
 * <pre>{@code
 * PhotoRestoration.Result r = PhotoRestoration.run(
 *     PhotoRestoration.Options.builder(ModelSpec.libtorch("GPEN-BFR-512"), Path.of("photos"), Path.of("results"))
 *         .extra(PhotoRestoration.Extra.COMPARISON, true)
 *         .parserWeights("ParseNet-latest")
 *         .superResolution(PhotoRestoration.SuperResolution.ofScale(2).withTileSize(400))
 *         .build(),
 *     WorkflowListener.SILENT);
 * }</pre>
 */
public final class PhotoRestoration {
  /** What the name of a restored photo or face adds to its input's. */
  public static final String SUFFIX = "_GPEN";

  /** What the name of a photo's face list adds to its input's stem. */
  public static final String FACES_JSON = ".faces.json";

  /** The face parser's registry name, used when no parser weights are given and it is cached. */
  public static final String PARSER_MODEL = "ParseNet-latest";

  /** Names this workflow writes, left out when a folder is listed again. */
  private static final Pattern OUTPUT_STEM =
      Pattern.compile(".*(_GPEN|_COMP|_face\\d+|_face\\d+_GPEN)");

  private PhotoRestoration() {}

  /** What the inputs are. */
  public enum Inputs {
    /** Photos: faces are detected, aligned, restored and pasted back. */
    PHOTOS,
    /** Aligned face crops: each is restored whole at the model size, without detection. */
    ALIGNED_FACES
  }

  /** Which mask pastes the restored faces back. */
  public enum Mask {
    /**
     * The face parser's mask where its weights are given or {@value PhotoRestoration#PARSER_MODEL}
     * is in the model cache; else the rectangle mask, and a note says so once.
     */
    AUTO("auto"),
    /** The face parser's mask; its weights must be given or cached. */
    PARSE("parse"),
    /** The rectangle mask, without a parser. */
    BOX("box");

    private final String label;

    Mask(String label) {
      this.label = label;
    }

    /** The name in lower case, as the command line takes it. */
    @Override
    public String toString() {
      return label;
    }
  }

  /**
   * Background super-resolution with a Real-ESRNet (RRDBNet), as the reference's {@code --use_sr}.
   * Messages name the settings {@code srScale}, {@code srWeights} and {@code tileSize}.
   *
   * @param scale 1, 2 or 4; 0 takes the scale of the given weights
   * @param weights the network, a file or a model name; null: {@code realesrnet_x<scale>} from the
   *     registry (downloaded when absent)
   * @param tileSize the side of the tiles the network runs on, in input pixels ({@link
   *     RealEsrNet#process(Mat, int)}); 0 runs the whole photo at once
   */
  public record SuperResolution(int scale, String weights, int tileSize) {
    public SuperResolution {
      if (!RrdbNet.Layout.isScale(scale) && !(scale == 0 && weights != null)) {
        throw BadParameter.of("srScale", "must be 1, 2 or 4, got " + scale);
      }
      if (tileSize < 0) {
        throw BadParameter.of(
            "tileSize", "must be 0 (the whole photo at once) or positive, got " + tileSize);
      }
    }

    /** The scale where neither a scale nor weights are given: the reference demo's. */
    public static final int DEFAULT_SCALE = 2;

    /**
     * The super-resolution a command's options ask for, each option null where not given: the scale
     * (null: that of the weights where given, else {@value #DEFAULT_SCALE}), the weights (null: the
     * registry's {@code realesrnet_x<scale>}) and the tile size (null: untiled).
     */
    public static SuperResolution of(Integer scale, String weights, Integer tileSize) {
      return new SuperResolution(
          scale != null ? scale : weights != null ? 0 : DEFAULT_SCALE,
          weights,
          tileSize == null ? 0 : tileSize);
    }

    /** The registry's {@code realesrnet_x<scale>}, untiled. */
    public static SuperResolution ofScale(int scale) {
      return new SuperResolution(scale, null, 0);
    }

    /** The given network (a file or a model name), at its own scale, untiled. */
    public static SuperResolution ofWeights(String weights) {
      return new SuperResolution(0, Objects.requireNonNull(weights, "weights"), 0);
    }

    /** This super-resolution run on tiles of {@code tileSize} input pixels (0: untiled). */
    public SuperResolution withTileSize(int tileSize) {
      return new SuperResolution(scale, weights, tileSize);
    }
  }

  /** Files written besides the restored photos, where asked. */
  public enum Extra {
    /** {@code <name>_COMP.jpg}: the input and the output side by side. */
    COMPARISON,
    /**
     * {@code <name>_faceNN.png} and {@code <name>_faceNN_GPEN.png}: each aligned face and its
     * restoration (photos only).
     */
    FACES
  }

  /**
   * What to restore and how.
   *
   * @param model the restoration model
   * @param detector the face detector (not used for aligned faces)
   * @param detectorWeights the detector's weights, a file or a model name; null: the detector's
   *     default model (downloaded when absent)
   * @param input a photo or a folder of photos
   * @param output the folder for the results (created when missing)
   * @param alpha the weight of the restored face against the original one, 0 to 1
   * @param inputs whether the inputs are photos or aligned faces
   * @param extras the files to write besides the restored photos
   * @param batchSize faces per forward pass
   * @param mask which mask pastes the faces back
   * @param parserWeights the face parser's weights, a file or a model name (downloaded when
   *     absent); null: {@value PhotoRestoration#PARSER_MODEL} where it is cached
   * @param superResolution the background super-resolution, or null for none
   * @param maxPixels the largest photo read, in pixels (width × height, checked in the file's
   *     header before any pixel is decoded)
   */
  public record Options(
      ModelSpec model,
      FaceDetectors.Kind detector,
      String detectorWeights,
      Path input,
      Path output,
      double alpha,
      Inputs inputs,
      Set<Extra> extras,
      int batchSize,
      Mask mask,
      String parserWeights,
      SuperResolution superResolution,
      long maxPixels) {
    public Options {
      if (maxPixels < 1) {
        throw BadParameter.of("maxPixels", "must be at least 1, got " + maxPixels);
      }
      Objects.requireNonNull(input, "input");
      Objects.requireNonNull(output, "output");
      extras = Set.copyOf(extras);
      // checks the settings (the fields are assigned after this body)
      new PhotoPipeline.Settings(
          model,
          detector,
          detectorWeights,
          alpha,
          inputs,
          extras,
          batchSize,
          mask,
          parserWeights,
          superResolution);
    }

    /** How the photos are restored: these options without the input and the output (checked). */
    public PhotoPipeline.Settings pipeline() {
      return new PhotoPipeline.Settings(
          model,
          detector,
          detectorWeights,
          alpha,
          inputs,
          extras,
          batchSize,
          mask,
          parserWeights,
          superResolution);
    }

    /**
     * Options for photos with the defaults: RetinaFace with its default weights, alpha 1, batch 1,
     * {@link Mask#AUTO}, no super-resolution, only the restored photos and their face lists
     * written.
     */
    public static Builder builder(ModelSpec model, Path input, Path output) {
      return new Builder(model, input, output);
    }

    /** Builds {@link Options}. */
    public static final class Builder {
      private final ModelSpec model;
      private final Path input;
      private final Path output;
      private FaceDetectors.Kind detector = FaceDetectors.Kind.RETINAFACE;
      private String detectorWeights;
      private double alpha = 1.0;
      private Inputs inputs = Inputs.PHOTOS;
      private final Set<Extra> extras = EnumSet.noneOf(Extra.class);
      private int batchSize = 1;
      private Mask mask = Mask.AUTO;
      private String parserWeights;
      private SuperResolution superResolution;
      private long maxPixels = Images.DEFAULT_MAX_PIXELS;

      private Builder(ModelSpec model, Path input, Path output) {
        this.model = model;
        this.input = input;
        this.output = output;
      }

      /** The face detector and its weights (null: the detector's default model). */
      public Builder detector(FaceDetectors.Kind kind, String weights) {
        this.detector = kind;
        this.detectorWeights = weights;
        return this;
      }

      /** The weight of the restored face against the original one, 0 to 1 (default 1). */
      public Builder alpha(double alpha) {
        this.alpha = alpha;
        return this;
      }

      /** Whether the inputs are photos (default) or aligned faces. */
      public Builder inputs(Inputs inputs) {
        this.inputs = inputs;
        return this;
      }

      /** Writes {@code extra} too (with {@code write} true; none by default). */
      public Builder extra(Extra extra, boolean write) {
        if (write) {
          extras.add(extra);
        } else {
          extras.remove(extra);
        }
        return this;
      }

      /** Faces per forward pass (default 1). */
      public Builder batchSize(int batchSize) {
        this.batchSize = batchSize;
        return this;
      }

      /** Which mask pastes the faces back (default {@link Mask#AUTO}). */
      public Builder mask(Mask mask) {
        this.mask = mask;
        return this;
      }

      /**
       * The face parser's weights, a file or a model name (default: {@value
       * PhotoRestoration#PARSER_MODEL} where it is cached).
       */
      public Builder parserWeights(String weights) {
        this.parserWeights = weights;
        return this;
      }

      /** Super-resolves the background (default: none; null: none). */
      public Builder superResolution(SuperResolution superResolution) {
        this.superResolution = superResolution;
        return this;
      }

      /** The largest photo read, in pixels (default {@link Images#DEFAULT_MAX_PIXELS}). */
      public Builder maxPixels(long maxPixels) {
        this.maxPixels = maxPixels;
        return this;
      }

      public Options build() {
        return new Options(
            model,
            detector,
            detectorWeights,
            input,
            output,
            alpha,
            inputs,
            extras,
            batchSize,
            mask,
            parserWeights,
            superResolution,
            maxPixels);
      }
    }
  }

  /**
   * What was done.
   *
   * @param model what the restoration model was and how it ran
   * @param detector what the detector was, or null for aligned faces
   * @param parser what the face parser was, or null where the rectangle mask pasted the faces
   * @param superResolution what the super-resolution network was, or null for none
   * @param images how many photos were restored and written
   * @param faces how many faces they held
   * @param skipped how many photos of the folder could not be read or restored
   * @param seconds the time from the loaded networks to the last photo written
   */
  public record Result(
      String model,
      String detector,
      String parser,
      String superResolution,
      int images,
      int faces,
      int skipped,
      double seconds) {
    /** Faces restored per second over the whole run (reading, detection and writing included). */
    public double facesPerSecond() {
      return seconds > 0 ? faces / seconds : 0;
    }
  }

  /**
   * Restores the photos. The input and the output folder, and the face parser's availability, are
   * checked before any network loads.
   *
   * @throws GpenException naming the file or parameter at fault
   */
  public static Result run(Options options, WorkflowListener listener) {
    return run(options, listener, ModelRegistry.defaultRegistry());
  }

  /**
   * As {@link #run(Options, WorkflowListener)}, the networks' names resolved by {@code registry}.
   */
  static Result run(Options options, WorkflowListener listener, ModelRegistry registry) {
    Path input = options.input();
    if (!Files.exists(input)) {
      throw BadParameter.of("input", input + ": no such file or folder");
    }
    prepareOutput(options.output());
    boolean folder = Files.isDirectory(input);
    List<Path> inputs = folder ? folderInputs(input) : List.of(input);
    PhotoPipeline.Settings settings = options.pipeline().resolve(registry, listener);
    try (PhotoPipeline pipeline = PhotoPipeline.open(settings)) {
      pipeline.descriptions().forEach(listener::info);
      long start = System.nanoTime();
      int faces = 0;
      int failed = 0;
      try (WorkflowListener.Progress progress =
              folder ? listener.progress(inputs.size()) : WorkflowListener.Progress.NONE;
          PhotoPrefetch photos = new PhotoPrefetch(pipeline, inputs, options.maxPixels())) {
        for (int i = 0; i < inputs.size(); i++) {
          Path p = inputs.get(i);
          try (PhotoPrefetch.Found found = photos.take(i)) {
            faces += restore(pipeline, found, p, options.output(), listener);
          } catch (GpenException e) {
            if (!folder) {
              throw e;
            }
            listener.warning("skipped " + e.getMessage());
            failed++;
          }
          progress.stepBy(1);
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      return new Result(
          pipeline.model(),
          pipeline.detector(),
          pipeline.parser(),
          pipeline.superResolution(),
          inputs.size() - failed,
          faces,
          failed,
          seconds);
    }
  }

  /**
   * Restores one photo, read and searched for faces beforehand, and writes its files into {@code
   * output}; returns its number of faces.
   */
  private static int restore(
      PhotoPipeline pipeline,
      PhotoPrefetch.Found found,
      Path file,
      Path output,
      WorkflowListener listener) {
    try (PhotoPipeline.Restored restored =
        pipeline.restore(
            found.image(), found.faces(), OutputPaths.stem(file), file.getFileName().toString())) {
      if (restored.faces() == 0) {
        listener.warning("no face found in " + file + "; written unchanged");
      }
      for (PhotoPipeline.OutputFile f : restored.files()) {
        AtomicFiles.write(output.resolve(f.name()), f.buffer());
      }
      return restored.faces();
    }
  }

  private static void prepareOutput(Path output) {
    if (Files.exists(output) && !Files.isDirectory(output)) {
      throw BadParameter.of("output", output + ": not a folder");
    }
    try {
      Files.createDirectories(output);
    } catch (IOException e) {
      throw new BadParameter(
          names ->
              names.apply("output")
                  + " "
                  + output
                  + ": cannot create the folder: "
                  + AtomicFiles.reason(e),
          e);
    }
    if (!Files.isWritable(output)) {
      throw BadParameter.of("output", output + ": folder is not writable");
    }
  }

  /**
   * Whether a file name is one this workflow writes ({@code <name>_GPEN.png}, {@code
   * <name>.faces.json}, ...): such files are left out when a folder is restored again.
   */
  public static boolean isOutputName(String fileName) {
    Path name = Path.of(fileName);
    return fileName.endsWith(FACES_JSON)
        || Images.isImageName(name) && OUTPUT_STEM.matcher(OutputPaths.stem(name)).matches();
  }

  private static List<Path> folderInputs(Path input) {
    List<Path> all = new ArrayList<>();
    for (Path p : Images.list(input)) {
      if (!isOutputName(p.getFileName().toString())) {
        all.add(p);
      }
    }
    if (all.isEmpty()) {
      throw BadParameter.of("input", input + ": no photos to restore (only earlier outputs)");
    }
    return all;
  }
}
