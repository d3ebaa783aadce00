package io.gpen.cli;

import io.gpen.face.FaceDetector;
import io.gpen.face.RetinaFaceDetector;
import io.gpen.face.YuNetDetector;
import io.gpen.registry.ModelRegistry;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options that choose the face detector of the photo pipeline. */
public final class DetectorOptions {
  /** The detectors on offer (lower case: they are typed on the command line as they are). */
  enum Kind {
    retinaface("RetinaFace-R50"),
    yunet("YuNet");

    /** The registry model loaded when no --detector_weights is given. */
    final String defaultModel;

    Kind(String defaultModel) {
      this.defaultModel = defaultModel;
    }
  }

  @Option(
      names = "--detector",
      paramLabel = "NAME",
      defaultValue = "retinaface",
      description = "Face detector: ${COMPLETION-CANDIDATES}.")
  Kind detector;

  @Option(
      names = "--detector_weights",
      paramLabel = "PATH",
      description = "Detector weights: a RetinaFace .pth (ResNet-50 or MobileNet-0.25) or a YuNet"
          + " .onnx file, or a model name from `gpen models`. Default: RetinaFace-R50 or YuNet"
          + " (downloaded when absent).")
  String weights;

  /** Loads the chosen detector (downloading its default weights when needed). */
  FaceDetector open() {
    String nameOrPath = weights != null ? weights : detector.defaultModel;
    Path file = ModelRegistry.defaultRegistry().resolve(nameOrPath);
    return detector == Kind.yunet ? YuNetDetector.load(file) : RetinaFaceDetector.load(file);
  }
}
