package io.gpen.face;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.BadParameter;
import io.gpen.GpenException;
import io.gpen.SharedData;
import java.nio.file.Path;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.Test;

/** {@link FaceDetectors}: detectors by kind and weights, or by weights file alone. */
class FaceDetectorsTest {
  // read in each test, so that a missing ../shared skips the tests (or fails them on CI) rather
  // than the class failing to load
  private static Path mobilenet() {
    return SharedData.require("models/retinaface_mobilenet0.25.pth");
  }

  private static Path yunet() {
    return SharedData.require("models/face_detection_yunet.onnx");
  }

  /** The faces found in a part of the Solvay photo with two faces. */
  private static int faces(FaceDetector detector) {
    try (Mat photo = imread(SharedData.require("faces/Solvay_conference_1927.png").toString());
        Mat part = new Mat(photo, new Rect(580, 60, 140, 160))) {
      return detector.detect(part.clone()).size();
    }
  }

  @Test
  void byKindNameAndWeights() {
    assertEquals(FaceDetectors.Kind.YUNET, FaceDetectors.Kind.of("YuNet"));
    assertEquals("retinaface", FaceDetectors.Kind.RETINAFACE.toString());
    assertEquals("RetinaFace-R50", FaceDetectors.Kind.RETINAFACE.defaultModel());
    try (FaceDetector retina =
            FaceDetectors.open(FaceDetectors.Kind.of("retinaface"), mobilenet().toString());
        FaceDetector yunet =
            FaceDetectors.open(FaceDetectors.Kind.of("yunet"), yunet().toString())) {
      assertTrue(
          retina.description().startsWith("RetinaFace (MobileNet-0.25) from "),
          retina.description());
      assertTrue(yunet.description().startsWith("YuNet"), yunet.description());
      assertEquals(2, faces(retina));
      assertEquals(2, faces(yunet));
    }
    BadParameter unknown = assertThrows(BadParameter.class, () -> FaceDetectors.Kind.of("mtcnn"));
    assertEquals("detector must be one of [retinaface, yunet], got 'mtcnn'", unknown.getMessage());
  }

  @Test
  void byWeightsFileAlone() {
    try (FaceDetector retina = FaceDetectors.open(mobilenet());
        FaceDetector yunet = FaceDetectors.open(yunet())) {
      assertTrue(
          retina.description().startsWith("RetinaFace (MobileNet-0.25) from " + mobilenet()),
          retina.description());
      assertTrue(
          yunet.description().startsWith("YuNet (OpenCV FaceDetectorYN) from " + yunet()),
          yunet.description());
    }
  }

  @Test
  void weightsOfAnotherKindAreOneLineNamingTheFile() {
    Path retinaFace = mobilenet();
    GpenException e =
        assertThrows(
            GpenException.class,
            () -> FaceDetectors.open(FaceDetectors.Kind.YUNET, retinaFace.toString()).close());
    assertTrue(e.getMessage().startsWith(retinaFace.toString()), e.getMessage());
  }
}
