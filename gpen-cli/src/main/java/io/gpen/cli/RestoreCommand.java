package io.gpen.cli;

import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.gpen.GpenException;
import io.gpen.api.Restorer;
import io.gpen.face.DetectedFace;
import io.gpen.face.FaceDetector;
import io.gpen.face.FaceEnhancer;
import io.gpen.face.FaceRestorer;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.image.OutputPaths;
import io.gpen.util.AtomicFiles;
import io.gpen.util.ProgressBars;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import me.tongfei.progressbar.ProgressBar;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gpen restore}: restore every face of a photo (or a folder of photos) in place. */
@Command(
    name = "restore",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Restore the faces of photos: detect faces and their landmarks, align each face, restore it"
          + " with a GPEN model and paste it back under a soft mask (GPEN's face_enhancement.py).",
      "Writes <name>_GPEN.png (the input's size; grayscale stays grayscale, alpha is kept),"
          + " <name>.faces.json (boxes, landmarks, scores), with --compare <name>_COMP.jpg (input |"
          + " output) and with --save_faces <name>_faceNN.png and <name>_faceNN_GPEN.png."
    })
public final class RestoreCommand implements Callable<Integer> {
  static final String SUFFIX = "_GPEN";
  /** Names this command writes, left out when a folder is listed again. */
  private static final Pattern OUTPUT_STEM = Pattern.compile(".*(_GPEN|_COMP|_face\\d+|_face\\d+_GPEN)");
  private static final int JPEG_QUALITY = 95;

  @Spec CommandSpec spec;

  @Mixin ModelOptions model;

  @Mixin DetectorOptions detection;

  @Option(names = "--input", required = true, paramLabel = "PATH", description = "A photo or a folder of photos.")
  Path input;

  @Option(names = "--output", required = true, paramLabel = "DIR", description = "Folder for the results (created when missing).")
  Path output;

  @Option(
      names = "--alpha",
      paramLabel = "A",
      defaultValue = "1.0",
      description = "Weight of the restored face against the original one, 0 to 1.")
  double alpha;

  @Option(
      names = "--aligned",
      description = "The inputs are aligned face crops: restore each whole at the model size, without"
          + " detection (no faces.json, no --save_faces).")
  boolean aligned;

  @Option(names = "--save_faces", description = "Also write each aligned face and its restoration (photos only).")
  boolean saveFaces;

  @Option(names = "--compare", description = "Also write the input and the output side by side (JPEG).")
  boolean compare;

  @Option(names = "--batch_size", paramLabel = "B", defaultValue = "1", description = "Faces per forward pass.")
  int batchSize;

  private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Override
  public Integer call() {
    if (!(alpha >= 0 && alpha <= 1)) {
      throw new GpenException("--alpha must be between 0 and 1, got " + alpha);
    }
    if (!Files.exists(input)) {
      throw new GpenException("--input " + input + ": no such file or folder");
    }
    prepareOutput();
    boolean folder = Files.isDirectory(input);
    List<Path> inputs = folder ? folderInputs() : List.of(input);
    PrintWriter err = spec.commandLine().getErr();
    try (Restorer restorer = model.restorer().batchSize(batchSize).build();
        FaceDetector detector = aligned ? null : detection.open();
        FaceEnhancer enhancer = new FaceEnhancer(FaceRestorer.of(restorer), alpha)) {
      err.println(restorer.description());
      if (detector != null) {
        err.println(detector.description());
      }
      err.flush();
      long start = System.nanoTime();
      int faces = 0;
      int failed = 0;
      try (ProgressBar bar = folder ? ProgressBars.create("restore", inputs.size(), "img") : null) {
        for (Path p : inputs) {
          try {
            faces += aligned ? restoreAligned(enhancer, p) : restorePhoto(enhancer, detector, p, err);
          } catch (GpenException e) {
            if (!folder) {
              throw e;
            }
            err.println("gpen restore: warning: skipped " + e.getMessage());
            failed++;
          }
          if (bar != null) {
            bar.step();
          }
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      err.printf(Locale.ROOT, "restored %d image(s), %d face(s) in %.1f s%s%n", inputs.size() - failed, faces,
          seconds, failed > 0 ? ", " + failed + " skipped" : "");
      err.flush();
      return failed == 0 ? 0 : 1;
    }
  }

  private void prepareOutput() {
    if (Files.exists(output) && !Files.isDirectory(output)) {
      throw new GpenException("--output " + output + ": not a folder");
    }
    try {
      Files.createDirectories(output);
    } catch (IOException e) {
      throw new GpenException("--output " + output + ": cannot create the folder: " + AtomicFiles.reason(e), e);
    }
    if (!Files.isWritable(output)) {
      throw new GpenException("--output " + output + ": folder is not writable");
    }
  }

  private List<Path> folderInputs() {
    List<Path> all = new ArrayList<>();
    for (Path p : Images.list(input)) {
      if (!OUTPUT_STEM.matcher(OutputPaths.stem(p)).matches()) {
        all.add(p);
      }
    }
    if (all.isEmpty()) {
      throw new GpenException("--input " + input + ": no photos to restore (only earlier outputs)");
    }
    return all;
  }

  /** Detects, restores and writes one photo; returns its number of faces. */
  private int restorePhoto(FaceEnhancer enhancer, FaceDetector detector, Path file, PrintWriter err) {
    String name = OutputPaths.stem(file);
    try (Image image = Images.read(file)) {
      List<DetectedFace> faces = detector.detect(image.bgr());
      if (faces.isEmpty()) {
        err.println("gpen restore: warning: no face found in " + file + "; written unchanged");
        err.flush();
      }
      try (FaceEnhancer.Result result = enhancer.enhance(image.bgr(), faces)) {
        writeLikeInput(output.resolve(name + SUFFIX + ".png"), result.image(), image);
        if (compare) {
          writeComparison(output.resolve(name + "_COMP.jpg"), image.bgr(), result.image());
        }
        if (saveFaces) {
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
  private int restoreAligned(FaceEnhancer enhancer, Path file) {
    String name = OutputPaths.stem(file);
    int size = enhancer.size();
    try (Image image = Images.read(file);
        Mat restored = enhancer.enhanceAligned(image.bgr());
        Mat alpha = image.alpha().map(a -> Images.resize(a, size, size, INTER_LINEAR)).orElse(null)) {
      write(output.resolve(name + SUFFIX + ".png"), restored, alpha, image.sourceChannels() == 1);
      if (compare) {
        try (Mat small = Images.resize(image.bgr(), size, size, INTER_LINEAR)) {
          writeComparison(output.resolve(name + "_COMP.jpg"), small, restored);
        }
      }
      return 1;
    }
  }

  /** Writes the result in the input's layout: grey stays grey, alpha is carried over unchanged. */
  private static void writeLikeInput(Path target, Mat bgr, Image source) {
    write(target, bgr, source.alpha().orElse(null), source.sourceChannels() == 1);
  }

  /** Writes a BGR image with an alpha plane (may be null), or as grey. */
  private static void write(Path target, Mat bgr, Mat alpha, boolean gray) {
    if (alpha != null) {
      try (Image out = new Image(bgr.clone(), alpha.clone())) {
        Images.write(target, out);
      }
    } else if (gray) {
      writeGray(target, bgr);
    } else {
      Images.write(target, bgr);
    }
  }

  private static void writeGray(Path target, Mat bgr) {
    try (Mat gray = new Mat()) {
      opencv_imgproc.cvtColor(bgr, gray, COLOR_BGR2GRAY);
      Images.write(target, gray);
    }
  }

  private static void writeComparison(Path target, Mat left, Mat right) {
    try (MatVector both = new MatVector(left, right);
        Mat side = new Mat()) {
      opencv_core.hconcat(both, side);
      Images.write(target, side, JPEG_QUALITY);
    }
  }

  private void writeFaces(Path target, Path source, Image image, List<FaceEnhancer.Face> faces) {
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
      AtomicFiles.write(target, (json.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("face list not serialisable", e);
    }
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
