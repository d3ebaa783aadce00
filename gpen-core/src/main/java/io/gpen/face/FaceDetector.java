package io.gpen.face;

import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Finds faces and their five landmarks in a photo. Implementations hold native resources: close
 * them. They are not thread-safe.
 */
public interface FaceDetector extends AutoCloseable {
  /**
   * The faces in an 8-bit BGR image ({@code CV_8UC3}), most confident first, in the image's pixel
   * coordinates; the image is not modified.
   */
  List<DetectedFace> detect(Mat bgr);

  /** What was loaded, for logs, e.g. "RetinaFace (MobileNet-0.25) from ...". */
  String description();

  @Override
  void close();
}
