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
 * Restores the faces of photos, as GPEN's {@code face_enhancement.py}: detects the faces and their
 * landmarks, aligns each face, restores it and pastes it back under a soft mask ({@link
 * FaceEnhancer}). For each photo of the input (a photo, or every photo directly in a folder, earlier
 * outputs left out) it writes into the output folder:
 *
 * <ul>
 *   <li>{@code <name>_GPEN.png}, the input's size; grayscale stays grayscale, alpha is kept;
 *   <li>{@code <name>.faces.json}: the boxes, landmarks and scores in photo pixels;
 *   <li>where asked, {@code <name>_COMP.jpg} (input | output) and, for each face, {@code
 *       <name>_faceNN.png} (aligned) and {@code <name>_faceNN_GPEN.png} (restored).
 * </ul>
 *
 * <p>With {@link Inputs#ALIGNED_FACES} the inputs are aligned faces, each restored whole at the
 * model size without detection. In a folder a photo that cannot be read or restored is reported and
 * skipped; a single one is an error.
 *
 * <pre>{@code
 * PhotoRestoration.Result r = PhotoRestoration.run(
 *     PhotoRestoration.Options.builder(ModelSpec.libtorch("GPEN-BFR-512"), Path.of("photos"), Path.of("results"))
 *         .extra(PhotoRestoration.Extra.COMPARISON, true).build(),
 *     WorkflowListener.SILENT);
 * }</pre>
 */
public final class PhotoRestoration {
  /** What the name of a restored photo or face adds to its input's. */
  public static final String SUFFIX = "_GPEN";

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
      int batchSize) {
    public Options {
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(detector, "detector");
      Objects.requireNonNull(input, "input");
      Objects.requireNonNull(output, "output");
      Objects.requireNonNull(inputs, "inputs");
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
     * only the restored photos and their face lists written.
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

      public Options build() {
        return new Options(model, detector, detectorWeights, input, output, alpha, inputs, extras, batchSize);
      }
    }
  }

  /**
   * What was done.
   *
   * @param model what the restoration model was and how it ran
   * @param detector what the detector was, or null for aligned faces
   * @param images how many photos were restored and written
   * @param faces how many faces they held
   * @param skipped how many photos of the folder could not be read or restored
   * @param seconds the time from the loaded networks to the last photo written
   */
  public record Result(String model, String detector, int images, int faces, int skipped, double seconds) {}

  /**
   * Restores the photos. The input and the output folder are checked before any network loads.
   *
   * @throws GpenException naming the file or parameter at fault
   */
  public static Result run(Options options, WorkflowListener listener) {
    Path input = options.input();
    if (!Files.exists(input)) {
      throw BadParameter.of("input", input + ": no such file or folder");
    }
    prepareOutput(options.output());
    boolean folder = Files.isDirectory(input);
    List<Path> inputs = folder ? folderInputs(input) : List.of(input);
    boolean aligned = options.inputs() == Inputs.ALIGNED_FACES;
    try (FaceRestorer restorer = options.model().open(options.batchSize());
        FaceDetector detector = aligned
            ? null
            : FaceDetectors.open(options.detector(), options.detectorWeights());
        FaceEnhancer enhancer = new FaceEnhancer(restorer, options.alpha())) {
      listener.info(restorer.description());
      if (detector != null) {
        listener.info(detector.description());
      }
      long start = System.nanoTime();
      int faces = 0;
      int failed = 0;
      try (WorkflowListener.Progress progress = folder ? listener.progress(inputs.size()) : WorkflowListener.Progress.NONE) {
        for (Path p : inputs) {
          try {
            faces += aligned
                ? restoreAligned(options, enhancer, p)
                : restorePhoto(options, enhancer, detector, p, listener);
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
          inputs.size() - failed, faces, failed, seconds);
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

  /** Detects, restores and writes one photo; returns its number of faces. */
  private static int restorePhoto(Options options, FaceEnhancer enhancer, FaceDetector detector, Path file,
      WorkflowListener listener) {
    Path output = options.output();
    String name = OutputPaths.stem(file);
    try (Image image = Images.read(file)) {
      List<DetectedFace> faces = detector.detect(image.bgr());
      if (faces.isEmpty()) {
        listener.warning("no face found in " + file + "; written unchanged");
      }
      try (FaceEnhancer.Result result = enhancer.enhance(image.bgr(), faces)) {
        write(output.resolve(name + SUFFIX + ".png"), result.image(), image.alpha().orElse(null),
            image.sourceChannels() == 1);
        if (options.extras().contains(Extra.COMPARISON)) {
          writeComparison(output.resolve(name + "_COMP.jpg"), image.bgr(), result.image());
        }
        if (options.extras().contains(Extra.FACES)) {
          for (int k = 0; k < result.faces().size(); k++) {
            FaceEnhancer.Face f = result.faces().get(k);
            String face = String.format(Locale.ROOT, "%s_face%02d", name, k);
            Images.write(output.resolve(face + ".png"), f.aligned());
            Images.write(output.resolve(face + SUFFIX + ".png"), f.restored());
          }
        }
        writeFaces(output.resolve(name + ".faces.json"), file, image, result.faces());
        return result.faces().size();
      }
    }
  }

  /** Restores one aligned face image whole; returns 1. */
  private static int restoreAligned(Options options, FaceEnhancer enhancer, Path file) {
    Path output = options.output();
    String name = OutputPaths.stem(file);
    int size = enhancer.size();
    try (Image image = Images.read(file);
        Mat restored = enhancer.enhanceAligned(image.bgr());
        Mat alpha = image.alpha().map(a -> Images.resize(a, size, size, INTER_LINEAR)).orElse(null)) {
      write(output.resolve(name + SUFFIX + ".png"), restored, alpha, image.sourceChannels() == 1);
      if (options.extras().contains(Extra.COMPARISON)) {
        try (Mat small = Images.resize(image.bgr(), size, size, INTER_LINEAR)) {
          writeComparison(output.resolve(name + "_COMP.jpg"), small, restored);
        }
      }
      return 1;
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

  private static void writeFaces(Path target, Path source, Image image, List<FaceEnhancer.Face> faces) {
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
    root.put("width", image.width());
    root.put("height", image.height());
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
