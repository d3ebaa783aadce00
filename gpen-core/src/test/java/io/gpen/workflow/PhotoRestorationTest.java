package io.gpen.workflow;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gpen.BadParameter;
import io.gpen.SharedData;
import io.gpen.api.Restorer;
import io.gpen.face.FaceDetector;
import io.gpen.face.FaceDetectors;
import io.gpen.face.FaceEnhancer;
import io.gpen.image.Images;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PhotoRestoration} from Java: the golden 64 px generator and the shared MobileNet
 * RetinaFace.
 */
class PhotoRestorationTest {
  @TempDir Path dir;
  private Path photo;
  private String detectorWeights;
  private ModelSpec model;

  /** A part of the Solvay photo with two faces (quick to restore). */
  @BeforeEach
  void photo() {
    photo = dir.resolve("in/solvay.png");
    try (Mat whole = imread(SharedData.require("faces/Solvay_conference_1927.png").toString());
        Mat part = new Mat(whole, new Rect(580, 60, 140, 160))) {
      Images.write(photo, part);
    }
    detectorWeights = SharedData.require("models/retinaface_mobilenet0.25.pth").toString();
    model = ModelSpec.libtorch(SharedData.require("golden/gpen64.pth").toString());
  }

  @Test
  void restoresAPhotoAsTheFaceEnhancerDoesAndWritesEveryOutput() throws IOException {
    Path out = dir.resolve("out");
    RecordingListener listener = new RecordingListener();
    PhotoRestoration.Result result =
        PhotoRestoration.run(
            PhotoRestoration.Options.builder(model, photo, out)
                .detector(FaceDetectors.Kind.RETINAFACE, detectorWeights)
                .extra(PhotoRestoration.Extra.COMPARISON, true)
                .extra(PhotoRestoration.Extra.FACES, true)
                .build(),
            listener);
    assertEquals(1, result.images());
    assertEquals(2, result.faces());
    assertEquals(0, result.skipped());
    assertEquals(List.of(result.model(), result.detector()), listener.info);
    assertTrue(result.detector().startsWith("RetinaFace (MobileNet-0.25)"), result.detector());
    assertTrue(listener.progressTotals.isEmpty(), "no progress for a single photo");
    for (String name :
        List.of(
            "solvay_COMP.jpg",
            "solvay_face00.png",
            "solvay_face00_GPEN.png",
            "solvay_face01_GPEN.png")) {
      assertTrue(Files.isRegularFile(out.resolve(name)), name);
    }
    JsonNode json = new ObjectMapper().readTree(out.resolve("solvay.faces.json").toFile());
    assertEquals(2, json.get("faces").size());
    assertEquals(140, json.get("width").asInt());

    try (Restorer restorer = Restorer.builder().weights(model.weights()).build();
        FaceDetector detector = FaceDetectors.open(Path.of(detectorWeights));
        FaceEnhancer enhancer = new FaceEnhancer(restorer, 1.0);
        Mat bgr = imread(photo.toString());
        FaceEnhancer.Result expected = enhancer.enhance(bgr, detector.detect(bgr))) {
      assertArrayEquals(Bytes.of(expected.image()), Bytes.of(out.resolve("solvay_GPEN.png")));
    }
  }

  /**
   * A folder's next photo is read and searched while one is restored ({@link PhotoPrefetch}): the
   * files are those of each photo restored alone, and a photo that cannot be read is skipped
   * between two that can.
   */
  @Test
  void aFolderReadAheadGivesTheFilesOfEachPhotoAloneAndSkipsABrokenOne() throws IOException {
    Path folder = photo.getParent();
    try (Mat whole = imread(SharedData.require("faces/Solvay_conference_1927.png").toString());
        Mat part = new Mat(whole, new Rect(300, 180, 150, 150))) {
      Images.write(folder.resolve("c.png"), part);
    }
    Files.writeString(folder.resolve("b.png"), "not an image");
    Path out = dir.resolve("out");
    RecordingListener listener = new RecordingListener();
    PhotoRestoration.Result result = PhotoRestoration.run(options(folder, out), listener);
    assertEquals(2, result.images());
    assertEquals(1, result.skipped());
    assertEquals(1, listener.warnings.size(), listener.warnings.toString());
    assertTrue(listener.warnings.get(0).contains("b.png"), listener.warnings.get(0));
    assertTrue(result.faces() >= 3, "faces: " + result.faces());
    for (String name : List.of("solvay", "c")) {
      Path alone = dir.resolve("alone-" + name);
      PhotoRestoration.run(options(folder.resolve(name + ".png"), alone), WorkflowListener.SILENT);
      String restored = name + "_GPEN.png";
      assertArrayEquals(Bytes.of(alone.resolve(restored)), Bytes.of(out.resolve(restored)));
      String faces = name + ".faces.json";
      assertEquals(Files.readString(alone.resolve(faces)), Files.readString(out.resolve(faces)));
    }
  }

  private PhotoRestoration.Options options(Path input, Path output) {
    return PhotoRestoration.Options.builder(model, input, output)
        .detector(FaceDetectors.Kind.RETINAFACE, detectorWeights)
        .build();
  }

  @Test
  void alignedFacesAreRestoredWholeWithoutDetection() {
    Path out = dir.resolve("out");
    PhotoRestoration.Result result =
        PhotoRestoration.run(
            PhotoRestoration.Options.builder(model, photo.getParent(), out)
                .inputs(PhotoRestoration.Inputs.ALIGNED_FACES)
                .alpha(0.5)
                .build(),
            WorkflowListener.SILENT);
    assertEquals(1, result.images());
    assertEquals(1, result.faces());
    assertEquals(null, result.detector());
    try (Mat restored = imread(out.resolve("solvay_GPEN.png").toString())) {
      assertEquals(64, restored.cols());
    }
    assertFalse(Files.exists(out.resolve("solvay.faces.json")));
  }

  @Test
  void badArgumentsNameTheLibrarysParameters() throws IOException {
    BadParameter alpha =
        assertThrows(
            BadParameter.class,
            () -> PhotoRestoration.Options.builder(model, photo, dir).alpha(1.5).build());
    assertEquals("alpha must be between 0 and 1, got 1.5", alpha.getMessage());
    Path file = Files.writeString(dir.resolve("taken"), "x");
    BadParameter output =
        assertThrows(
            BadParameter.class,
            () ->
                PhotoRestoration.run(
                    PhotoRestoration.Options.builder(model, photo, file).build(),
                    WorkflowListener.SILENT));
    assertEquals("output " + file + ": not a folder", output.getMessage());
  }
}
