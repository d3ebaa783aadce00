package io.gpen.face;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import io.gpen.SharedData;
import io.gpen.image.Image;
import io.gpen.image.Images;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class YuNetDetectorTest {
  @Test
  void findsTheSolvayFacesWithLandmarksInRetinaFaceOrder() {
    try (YuNetDetector yunet =
            YuNetDetector.load(SharedData.require("models/face_detection_yunet.onnx"));
        RetinaFaceDetector retina =
            RetinaFaceDetector.load(SharedData.require(RetinaFaceTest.MOBILENET));
        Image photo = Images.read(SharedData.require(RetinaFaceTest.SOLVAY))) {
      List<DetectedFace> faces = yunet.detect(photo.bgr());
      assertTrue(faces.size() >= 27 && faces.size() <= 29, "29 people, found " + faces.size());
      RetinaFaceTest.assertPlausible(faces, photo.width(), photo.height());
      // each landmark lies near the same landmark of RetinaFace, nearer than to any other one
      List<DetectedFace> reference = retina.detect(photo.bgr());
      for (DetectedFace f : faces) {
        DetectedFace r =
            RetinaFaceTest.nearest(reference, (f.x1() + f.x2()) / 2, (f.y1() + f.y2()) / 2);
        for (int k = 0; k < DetectedFace.POINTS; k++) {
          double same =
              Math.hypot(f.landmarkX(k) - r.landmarkX(k), f.landmarkY(k) - r.landmarkY(k));
          assertTrue(same < 0.15 * r.width(), "landmark " + k + ": " + f + " vs " + r);
          for (int j = 0; j < DetectedFace.POINTS; j++) {
            double other =
                Math.hypot(f.landmarkX(k) - r.landmarkX(j), f.landmarkY(k) - r.landmarkY(j));
            assertTrue(
                j == k || same < other,
                "landmark " + k + " closer to " + j + ": " + f + " vs " + r);
          }
        }
      }
    }
  }

  @Test
  void badModelFilesAreNamed(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("yunet.onnx");
    GpenException e = assertThrows(GpenException.class, () -> YuNetDetector.load(missing));
    assertEquals(missing + ": YuNet model file not found", e.getMessage());
    Path junk = Files.writeString(dir.resolve("junk.onnx"), "not a network");
    e = assertThrows(GpenException.class, () -> YuNetDetector.load(junk));
    assertTrue(
        e.getMessage().startsWith(junk + ": not a YuNet ONNX model OpenCV can load"),
        e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
  }
}
