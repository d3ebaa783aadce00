package io.gpen.face;

import io.gpen.BadParameter;
import io.gpen.registry.ModelRegistry;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Opens the face detectors of the photo pipeline by kind or by weights: RetinaFace (ResNet-50 or
 * MobileNet-0.25, the backbone recognised from the checkpoint's tensors) on libtorch, or YuNet in
 * OpenCV's FaceDetectorYN.
 *
 * <pre>{@code
 * FaceDetector d = FaceDetectors.open(FaceDetectors.Kind.RETINAFACE);   // RetinaFace-R50
 * FaceDetector m = FaceDetectors.open(Path.of("retinaface_mobilenet0.25.pth"));
 * FaceDetector y = FaceDetectors.open(FaceDetectors.Kind.of("yunet"), "face_detection_yunet.onnx");
 * }</pre>
 */
public final class FaceDetectors {
  private FaceDetectors() {}

  /** The detectors on offer, with the model each loads when no weights are given. */
  public enum Kind {
    RETINAFACE("retinaface", "RetinaFace-R50"),
    YUNET("yunet", "YuNet");

    private final String label;
    private final String defaultModel;

    Kind(String label, String defaultModel) {
      this.label = label;
      this.defaultModel = defaultModel;
    }

    /** The registry model loaded when no weights are given, e.g. {@code RetinaFace-R50}. */
    public String defaultModel() {
      return defaultModel;
    }

    /** The kind called {@code name} ({@code retinaface} or {@code yunet}, any case). */
    public static Kind of(String name) {
      for (Kind k : values()) {
        if (k.label.equalsIgnoreCase(name.strip())) {
          return k;
        }
      }
      throw BadParameter.of(
          "detector", "must be one of " + Arrays.toString(values()) + ", got '" + name + "'");
    }

    /** The kind's name in lower case, as {@link #of} takes it. */
    @Override
    public String toString() {
      return label;
    }
  }

  /** The detector of this kind with its default weights (downloaded into the cache when absent). */
  public static FaceDetector open(Kind kind) {
    return open(kind, null, ModelRegistry.defaultRegistry());
  }

  /**
   * The detector of this kind with the given weights.
   *
   * @param weights a file or a model name from the registry; null for the kind's default model
   * @throws io.gpen.GpenException naming the file when it cannot be had or is not a detector of
   *     this kind
   */
  public static FaceDetector open(Kind kind, String weights) {
    return open(kind, weights, ModelRegistry.defaultRegistry());
  }

  /** As {@link #open(Kind, String)}, names resolved by {@code registry}. */
  public static FaceDetector open(Kind kind, String weights, ModelRegistry registry) {
    Path file = registry.resolve(weights != null ? weights : kind.defaultModel());
    return kind == Kind.YUNET ? YuNetDetector.load(file) : RetinaFaceDetector.load(file);
  }

  /**
   * The detector a weights file holds: an {@code .onnx} file is a YuNet model, any other file a
   * RetinaFace checkpoint.
   */
  public static FaceDetector open(Path weights) {
    return open(weights.toString());
  }

  /**
   * The detector a weights file or model name holds (a name such as {@code
   * RetinaFace-MobileNet0.25}).
   */
  public static FaceDetector open(String weights) {
    ModelRegistry registry = ModelRegistry.defaultRegistry();
    Path file = registry.resolve(weights);
    return open(kindOf(file), file.toString(), registry);
  }

  private static Kind kindOf(Path file) {
    return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")
        ? Kind.YUNET
        : Kind.RETINAFACE;
  }
}
