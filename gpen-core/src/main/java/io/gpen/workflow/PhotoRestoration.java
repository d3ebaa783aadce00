package io.gpen.workflow;

import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.gpen.BadParameter;
import io.gpen.GpenException;
import io.gpen.api.FaceRestorer;
import io.gpen.face.DetectedFace;
import io.gpen.face.FaceDetector;
import io.gpen.face.FaceDetectors;
import io.gpen.face.FaceEnhancer;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.image.OutputPaths;
import io.gpen.parse.FaceParser;
import io.gpen.registry.ModelInfo;
import io.gpen.registry.ModelRegistry;
import io.gpen.sr.RealEsrNet;
import io.gpen.util.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;

/**
 * Restores the faces of photos, as GPEN's {@code FaceEnhancement.process}: detects the faces and
 * their landmarks, aligns each face, restores it and pastes it back under a soft mask ({@link
 * FaceEnhancer}). For each photo of the input (a photo, or every photo directly in a folder, earlier
 * outputs left out) it writes into the output folder:
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

  /** The face parser's registry name, used when no parser weights are given and it is cached. */
  public static final String PARSER_MODEL = "ParseNet-latest";

  /** The registry name of the super-resolution network of a scale: {@code realesrnet_x<scale>}. */
  private static final String SR_MODEL_PREFIX = "realesrnet_x";

  /** Names this workflow writes, left out when a folder is listed again. */
  private static final Pattern OUTPUT_STEM = Pattern.compile(".*(_GPEN|_COMP|_face\\d+|_face\\d+_GPEN)");

  private static final int JPEG_QUALITY = 95;

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

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
      if (scale != 1 && scale != 2 && scale != 4 && !(scale == 0 && weights != null)) {
        throw BadParameter.of("srScale", "must be 1, 2 or 4, got " + scale);
      }
      if (tileSize < 0) {
        throw BadParameter.of("tileSize", "must be 0 (the whole photo at once) or positive, got " + tileSize);
      }
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
    /** {@code <name>_faceNN.png} and {@code <name>_faceNN_GPEN.png}: each aligned face and its restoration (photos only). */
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
      SuperResolution superResolution) {
    public Options {
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(detector, "detector");
      Objects.requireNonNull(input, "input");
      Objects.requireNonNull(output, "output");
      Objects.requireNonNull(inputs, "inputs");
      Objects.requireNonNull(mask, "mask");
      extras = Set.copyOf(extras);
      if (!(alpha >= 0 && alpha <= 1)) {
        throw BadParameter.of("alpha", "must be between 0 and 1, got " + alpha);
      }
      if (batchSize < 1) {
        throw BadParameter.of("batchSize", "must be at least 1, got " + batchSize);
      }
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

      public Options build() {
        return new Options(model, detector, detectorWeights, input, output, alpha, inputs, extras, batchSize, mask,
            parserWeights, superResolution);
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
  public record Result(String model, String detector, String parser, String superResolution, int images, int faces,
      int skipped, double seconds) {}

  /**
   * Restores the photos. The input and the output folder, and the face parser's availability, are
   * checked before any network loads.
   *
   * @throws GpenException naming the file or parameter at fault
   */
  public static Result run(Options options, WorkflowListener listener) {
    return run(options, listener, ModelRegistry.defaultRegistry());
  }

  /** As {@link #run(Options, WorkflowListener)}, the parser and super-resolution models found in {@code registry}. */
  static Result run(Options options, WorkflowListener listener, ModelRegistry registry) {
    Path input = options.input();
    if (!Files.exists(input)) {
      throw BadParameter.of("input", input + ": no such file or folder");
    }
    prepareOutput(options.output());
    boolean folder = Files.isDirectory(input);
    List<Path> inputs = folder ? folderInputs(input) : List.of(input);
    boolean aligned = options.inputs() == Inputs.ALIGNED_FACES;
    if (aligned && (options.mask() != Mask.AUTO || options.parserWeights() != null)) {
      listener.note(names -> names.apply("mask") + " and " + names.apply("parserWeights") + " have no effect on"
          + " aligned faces: they are restored whole, not pasted back");
    }
    Path parserFile = aligned ? null : parserFile(options, registry, listener);
    SuperResolution sr = options.superResolution();
    try (FaceParser parser = parserFile == null ? null : loadParser(parserFile, options.parserWeights() != null);
        RealEsrNet upscaler = sr == null ? null : loadSuperResolution(sr, registry);
        FaceRestorer restorer = options.model().open(options.batchSize());
        FaceDetector detector = aligned
            ? null
            : FaceDetectors.open(options.detector(), options.detectorWeights());
        FaceEnhancer enhancer = new FaceEnhancer(restorer, options.alpha(), parser)) {
      listener.info(restorer.description());
      if (detector != null) {
        listener.info(detector.description());
      }
      if (parser != null) {
        listener.info(parser.description());
      }
      if (upscaler != null) {
        listener.info(upscaler.description());
      }
      Upscaling upscaling = upscaler == null ? null : new Upscaling(upscaler, sr.tileSize());
      long start = System.nanoTime();
      int faces = 0;
      int failed = 0;
      try (WorkflowListener.Progress progress = folder ? listener.progress(inputs.size()) : WorkflowListener.Progress.NONE) {
        for (Path p : inputs) {
          try {
            faces += aligned
                ? restoreAligned(options, enhancer, upscaling, p)
                : restorePhoto(options, enhancer, upscaling, detector, p, listener);
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
      return new Result(restorer.description(), detector == null ? null : detector.description(),
          parser == null ? null : parser.description(), upscaler == null ? null : upscaler.description(),
          inputs.size() - failed, faces, failed, seconds);
    }
  }

  /** The super-resolution network and the tile size it runs with. */
  private record Upscaling(RealEsrNet network, int tileSize) {
    Mat process(Mat bgr) {
      return network.process(bgr, tileSize);
    }
  }

  /**
   * The face parser's weights file the options ask for, or null for the rectangle mask (with a note
   * where the parser was wanted but is not to be had).
   *
   * @throws BadParameter naming {@code parserWeights} when given weights cannot be had, or {@code
   *     mask} when the parser's mask is required and no weights are given or cached
   */
  private static Path parserFile(Options options, ModelRegistry registry, WorkflowListener listener) {
    String given = options.parserWeights();
    if (options.mask() == Mask.BOX) {
      if (given != null) {
        listener.note(names -> names.apply("parserWeights") + " has no effect with " + names.apply("mask") + " box");
      }
      return null;
    }
    if (given != null) {
      try {
        return registry.resolve(given);
      } catch (GpenException e) {
        throw BadParameter.naming("parserWeights", e);
      }
    }
    ModelInfo model = registry.require(PARSER_MODEL);
    if (registry.isCached(model)) {
      return registry.cachedFile(model);
    }
    Path cache = registry.cacheDir();
    if (options.mask() == Mask.PARSE) {
      throw new BadParameter(names -> names.apply("mask") + " parse needs the face parser: "
          + noParser(names.apply("parserWeights"), cache));
    }
    listener.note(names -> noParser(names.apply("parserWeights"), cache) + "; the faces are pasted under the"
        + " rectangle mask (" + names.apply("mask") + " box chooses it without this note)");
    return null;
  }

  private static String noParser(String parserWeights, Path cache) {
    return "no face parser weights given (" + parserWeights + ") and " + PARSER_MODEL + " is not in the model cache "
        + cache;
  }

  private static FaceParser loadParser(Path file, boolean given) {
    try {
      return FaceParser.load(file);
    } catch (GpenException e) {
      throw given ? BadParameter.naming("parserWeights", e) : e;
    }
  }

  /**
   * Loads the super-resolution network.
   *
   * @throws BadParameter naming {@code srWeights} when they cannot be had or are not an RRDBNet, or
   *     when their scale is not {@code srScale}
   */
  private static RealEsrNet loadSuperResolution(SuperResolution sr, ModelRegistry registry) {
    String weights = sr.weights() != null ? sr.weights() : SR_MODEL_PREFIX + sr.scale();
    RealEsrNet net;
    try {
      net = RealEsrNet.load(registry.resolve(weights));
    } catch (GpenException e) {
      throw sr.weights() != null ? BadParameter.naming("srWeights", e) : e;
    }
    if (sr.scale() != 0 && net.scale() != sr.scale()) {
      int actual = net.scale();
      net.close();
      throw new BadParameter(names -> names.apply("srWeights") + " " + weights + " is a x" + actual
          + " network, not the x" + sr.scale() + " of " + names.apply("srScale"));
    }
    return net;
  }

  private static void prepareOutput(Path output) {
    if (Files.exists(output) && !Files.isDirectory(output)) {
      throw BadParameter.of("output", output + ": not a folder");
    }
    try {
      Files.createDirectories(output);
    } catch (IOException e) {
      throw new BadParameter(
          names -> names.apply("output") + " " + output + ": cannot create the folder: " + AtomicFiles.reason(e), e);
    }
    if (!Files.isWritable(output)) {
      throw BadParameter.of("output", output + ": folder is not writable");
    }
  }

  private static List<Path> folderInputs(Path input) {
    List<Path> all = new ArrayList<>();
    for (Path p : Images.list(input)) {
      if (!OUTPUT_STEM.matcher(OutputPaths.stem(p)).matches()) {
        all.add(p);
      }
    }
    if (all.isEmpty()) {
      throw BadParameter.of("input", input + ": no photos to restore (only earlier outputs)");
    }
    return all;
  }

  /**
   * Detects, restores and writes one photo; returns its number of faces. With super-resolution the
   * faces come from the photo resized to the super-resolved size and go onto the super-resolved
   * photo.
   */
  private static int restorePhoto(Options options, FaceEnhancer enhancer, Upscaling upscaling, FaceDetector detector,
      Path file, WorkflowListener listener) {
    Path output = options.output();
    String name = OutputPaths.stem(file);
    Mat background = null;
    Mat photo = null;
    Mat alpha = null;
    try (Image image = Images.read(file)) {
      if (upscaling == null) {
        photo = image.bgr();
        background = photo;
        alpha = image.alpha().orElse(null);
      } else {
        Mat enlarged = upscaling.process(image.bgr());
        background = enlarged;
        photo = Images.resize(image.bgr(), enlarged.cols(), enlarged.rows(), INTER_LINEAR);
        alpha = image.alpha().map(a -> Images.resize(a, enlarged.cols(), enlarged.rows(), INTER_LINEAR)).orElse(null);
      }
      List<DetectedFace> faces = detector.detect(photo);
      if (faces.isEmpty()) {
        listener.warning("no face found in " + file + "; written unchanged");
      }
      try (FaceEnhancer.Result result = enhancer.enhance(photo, background, faces)) {
        write(output.resolve(name + SUFFIX + ".png"), result.image(), alpha, image.sourceChannels() == 1);
        if (options.extras().contains(Extra.COMPARISON)) {
          writeComparison(output.resolve(name + "_COMP.jpg"), photo, result.image());
        }
        if (options.extras().contains(Extra.FACES)) {
          for (int k = 0; k < result.faces().size(); k++) {
            FaceEnhancer.Face f = result.faces().get(k);
            String face = String.format(Locale.ROOT, "%s_face%02d", name, k);
            Images.write(output.resolve(face + ".png"), f.aligned());
            Images.write(output.resolve(face + SUFFIX + ".png"), f.restored());
          }
        }
        writeFaces(output.resolve(name + ".faces.json"), file, photo, result.faces());
        return result.faces().size();
      }
    } finally {
      if (upscaling != null) {
        close(background, photo, alpha);
      }
    }
  }

  /**
   * Restores one aligned face image whole and, with super-resolution, super-resolves the restored
   * face; returns 1.
   */
  private static int restoreAligned(Options options, FaceEnhancer enhancer, Upscaling upscaling, Path file) {
    Path output = options.output();
    String name = OutputPaths.stem(file);
    Mat restored = null;
    Mat alpha = null;
    try (Image image = Images.read(file)) {
      restored = enhancer.enhanceAligned(image.bgr());
      if (upscaling != null) {
        Mat small = restored;
        restored = upscaling.process(small);
        small.close();
      }
      int side = restored.cols();
      alpha = image.alpha().map(a -> Images.resize(a, side, side, INTER_LINEAR)).orElse(null);
      write(output.resolve(name + SUFFIX + ".png"), restored, alpha, image.sourceChannels() == 1);
      if (options.extras().contains(Extra.COMPARISON)) {
        try (Mat resized = Images.resize(image.bgr(), side, side, INTER_LINEAR)) {
          writeComparison(output.resolve(name + "_COMP.jpg"), resized, restored);
        }
      }
      return 1;
    } finally {
      close(restored, alpha);
    }
  }

  private static void close(Mat... mats) {
    for (Mat m : mats) {
      if (m != null) {
        m.close();
      }
    }
  }

  /** Writes a BGR image with an alpha plane (may be null), or as grey. */
  private static void write(Path target, Mat bgr, Mat alpha, boolean gray) {
    if (alpha != null) {
      try (Image out = new Image(bgr.clone(), alpha.clone())) {
        Images.write(target, out);
      }
    } else if (gray) {
      try (Mat grey = new Mat()) {
        opencv_imgproc.cvtColor(bgr, grey, COLOR_BGR2GRAY);
        Images.write(target, grey);
      }
    } else {
      Images.write(target, bgr);
    }
  }

  private static void writeComparison(Path target, Mat left, Mat right) {
    try (MatVector both = new MatVector(left, right);
        Mat side = new Mat()) {
      opencv_core.hconcat(both, side);
      Images.write(target, side, JPEG_QUALITY);
    }
  }

  /** The face list; {@code photo} is the image whose pixels the boxes and landmarks are in. */
  private static void writeFaces(Path target, Path source, Mat photo, List<FaceEnhancer.Face> faces) {
    List<Object> list = new ArrayList<>();
    for (FaceEnhancer.Face f : faces) {
      DetectedFace d = f.detection();
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("box", List.of(round(d.x1()), round(d.y1()), round(d.x2()), round(d.y2())));
      entry.put("score", Math.round(d.score() * 1e4) / 1e4);
      List<Object> points = new ArrayList<>();
      for (int k = 0; k < DetectedFace.POINTS; k++) {
        points.add(List.of(round(d.landmarkX(k)), round(d.landmarkY(k))));
      }
      entry.put("landmarks", points);
      list.add(entry);
    }
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("image", source.getFileName().toString());
    root.put("width", photo.cols());
    root.put("height", photo.rows());
    root.put("landmark_order", List.of("eye, picture left", "eye, picture right", "nose tip",
        "mouth corner, picture left", "mouth corner, picture right"));
    root.put("faces", list);
    try {
      AtomicFiles.write(target, (JSON.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("face list not serialisable", e);
    }
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
