package io.gpen.cli;

import io.gpen.face.FaceDetectors;
import picocli.CommandLine.Option;

/** Options that choose the face detector of the photo pipeline. */
public final class DetectorOptions {
  @Option(
      names = "--detector",
      paramLabel = "NAME",
      defaultValue = "retinaface",
      description = "Face detector: ${COMPLETION-CANDIDATES}.")
  FaceDetectors.Kind detector;

  @Option(
      names = "--detector_weights",
      paramLabel = "PATH",
      description =
          "Detector weights: a RetinaFace .pth (ResNet-50 or MobileNet-0.25) or a YuNet"
              + " .onnx file, or a model name from `gpen models`. Default: RetinaFace-R50 or YuNet"
              + " (downloaded when absent).")
  String detectorWeights;
}
