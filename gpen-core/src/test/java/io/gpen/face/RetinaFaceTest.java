package io.gpen.face;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import io.gpen.SharedData;
import io.gpen.checkpoint.Checkpoints;
import io.gpen.checkpoint.DType;
import io.gpen.checkpoint.Safetensors;
import io.gpen.checkpoint.StateDict;
import io.gpen.checkpoint.TensorData;
import io.gpen.checkpoint.TorchFiles;
import io.gpen.face.RetinaFace.Backbone;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.model.ModelFiles;
import io.gpen.nn.Tensors;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetinaFaceTest {
  static final String SOLVAY = "faces/Solvay_conference_1927.png";
  static final String MOBILENET = "models/retinaface_mobilenet0.25.pth";

  @Test
  void findsTheFacesOfTheSolvayPhoto() {
    try (RetinaFaceDetector d = RetinaFaceDetector.load(SharedData.require(MOBILENET));
        Image photo = Images.read(SharedData.require(SOLVAY))) {
      assertTrue(d.description().contains("MobileNet-0.25"), d.description());
      List<DetectedFace> faces = d.detect(photo.bgr());
      assertTrue(faces.size() >= 27 && faces.size() <= 29, "29 people, found " + faces.size());
      assertPlausible(faces, photo.width(), photo.height());
    }
  }

  /** Boxes hold their landmarks, in GPEN's order, most confident first. */
  static void assertPlausible(List<DetectedFace> faces, int width, int height) {
    double previous = 1;
    for (DetectedFace f : faces) {
      assertTrue(f.score() > 0.8 && f.score() <= previous, f.toString());
      previous = f.score();
      assertTrue(
          f.x1() >= -5 && f.y1() >= -5 && f.x2() <= width + 5 && f.y2() <= height + 5,
          f.toString());
      for (int k = 0; k < DetectedFace.POINTS; k++) {
        assertTrue(
            f.landmarkX(k) > f.x1()
                && f.landmarkX(k) < f.x2()
                && f.landmarkY(k) > f.y1()
                && f.landmarkY(k) < f.y2(),
            "landmark " + k + " outside: " + f);
      }
      // picture-left eye and mouth corner first; eyes above the nose, the nose above the mouth
      assertTrue(f.landmarkX(0) < f.landmarkX(1) && f.landmarkX(3) < f.landmarkX(4), f.toString());
      assertTrue(Math.max(f.landmarkY(0), f.landmarkY(1)) < f.landmarkY(2), f.toString());
      assertTrue(f.landmarkY(2) < Math.min(f.landmarkY(3), f.landmarkY(4)), f.toString());
    }
  }

  @Test
  void largePhotosAreDetectedSmallerAndMappedBack() {
    try (RetinaFaceDetector d = RetinaFaceDetector.load(SharedData.require(MOBILENET));
        Image photo = Images.read(SharedData.require(SOLVAY));
        Mat big =
            Images.resize(
                photo.bgr(), 2 * photo.width(), 2 * photo.height(), opencv_imgproc.INTER_LINEAR)) {
      // 2656 px wide: over 1500, so detection runs at 1000 px and the faces are mapped back
      List<DetectedFace> original = d.detect(photo.bgr());
      List<DetectedFace> found = d.detect(big);
      assertTrue(found.size() >= 20, "found " + found.size());
      for (DetectedFace f : found) {
        DetectedFace o = nearest(original, (f.x1() + f.x2()) / 4, (f.y1() + f.y2()) / 4);
        assertEquals(
            2 * (o.x1() + o.x2()) / 2, (f.x1() + f.x2()) / 2, 0.15 * f.width(), f.toString());
        assertEquals(
            2 * (o.y1() + o.y2()) / 2, (f.y1() + f.y2()) / 2, 0.15 * f.width(), f.toString());
        assertEquals(2 * o.width(), f.width(), 0.2 * f.width(), f.toString());
      }
    }
  }

  static DetectedFace nearest(List<DetectedFace> faces, double x, double y) {
    DetectedFace best = null;
    double bestD = Double.MAX_VALUE;
    for (DetectedFace f : faces) {
      double d = Math.hypot((f.x1() + f.x2()) / 2 - x, (f.y1() + f.y2()) / 2 - y);
      if (d < bestD) {
        bestD = d;
        best = f;
      }
    }
    return best;
  }

  @Test
  void resnet50LoadsAndRunsWithTheRightShapes(@TempDir Path dir) {
    Path file = dir.resolve("Resnet50_Final.safetensors");
    Map<String, TensorData> saved;
    try (RetinaFace net = new RetinaFace(Backbone.RESNET_50);
        NoGradGuard noGrad = new NoGradGuard()) {
      torch.manual_seed(7);
      for (Tensor p : net.namedParameters().values()) {
        // PyTorch's default scale for convolutions (uniform, bound 1/sqrt(fan-in)) keeps the
        // activations finite through the 50 layers; batch-norm scales and biases near 1
        double bound = p.dim() == 4 ? 1 / Math.sqrt(p.size(1) * p.size(2) * p.size(3)) : 0.1;
        double centre = p.dim() == 4 ? 0 : 1;
        p.uniform_(centre - bound, centre + bound, new GeneratorOptional());
      }
      saved = ModelFiles.tensorData(net);
    }
    assertEquals(DType.FLOAT32, saved.get("body.conv1.weight").dtype());
    Safetensors.write(file, saved, Map.of());
    try (RetinaFaceDetector d = RetinaFaceDetector.load(file);
        PointerScope scope = new PointerScope();
        InferenceMode mode = new InferenceMode()) {
      assertTrue(d.description().contains("ResNet-50"), d.description());
      Map<String, Tensor> loaded = d.network().stateDict();
      assertEquals(saved.keySet(), loaded.keySet());
      // the strict load matched every name and shape; spot-check values at both ends
      for (String name :
          List.of(
              "body.conv1.weight",
              "body.layer1.0.downsample.1.running_var",
              "body.layer4.2.conv3.weight",
              "fpn.output3.0.weight",
              "ssh3.conv7x7_3.1.bias",
              "LandmarkHead.2.conv1x1.bias")) {
        assertEquals(
            0.0, Tensors.maxAbsDiff(Tensors.fromData(saved.get(name)), loaded.get(name)), name);
      }
      RetinaFace.Output out = d.network().forward(torch.randn(2, 3, 64, 96));
      // anchors: 2 per cell of the stride-8, -16 and -32 maps (8×12, 4×6, 2×3)
      long n = 2 * (8 * 12 + 4 * 6 + 2 * 3);
      assertEquals(n, d.priors(96, 64).length / 4);
      assertArrayEquals(new long[] {2, n, 4}, Tensors.shape(out.loc()));
      assertArrayEquals(new long[] {2, n, 2}, Tensors.shape(out.conf()));
      assertArrayEquals(new long[] {2, n, 10}, Tensors.shape(out.landmarks()));
      float[] conf = Tensors.toFloats(out.conf());
      for (int i = 0; i < conf.length; i += 2) {
        assertEquals(1.0, conf[i] + conf[i + 1], 1e-5, "softmaxed scores");
      }
      // the whole detection on an odd-sized picture (feature maps rounded up at each stride):
      // random weights find random "faces", but only confident ones, at most 750, all finite
      try (Mat noise = new Mat(70, 101, opencv_core.CV_8UC3)) {
        opencv_core.randu(
            noise,
            new Mat(1, 1, opencv_core.CV_64F, Scalar.all(0)),
            new Mat(1, 1, opencv_core.CV_64F, Scalar.all(256)));
        List<DetectedFace> faces = d.detect(noise);
        assertTrue(faces.size() <= RetinaFaceDetector.KEEP_TOP_K);
        for (DetectedFace f : faces) {
          assertTrue(
              f.score() > RetinaFaceDetector.SCORE_THRESHOLD && Double.isFinite(f.x1() + f.y2()),
              f.toString());
        }
      }
    }
  }

  @Test
  void readsAZipCheckpointWithTheDataParallelPrefix(@TempDir Path dir) throws Exception {
    Path legacy = SharedData.require(MOBILENET);
    Map<String, TensorData> prefixed = new LinkedHashMap<>();
    Checkpoints.read(legacy).tensors().forEach((k, v) -> prefixed.put("module." + k, v));
    Path zip = dir.resolve("mobilenet0.25_zip.pth");
    TorchFiles.writeStateDict(zip, prefixed, false);
    assertEquals(Checkpoints.Format.TORCH_ZIP, Checkpoints.detect(zip));
    try (RetinaFaceDetector a = RetinaFaceDetector.load(legacy);
        RetinaFaceDetector b = RetinaFaceDetector.load(zip);
        Image photo = Images.read(SharedData.require(SOLVAY));
        Mat part = new Mat(photo.bgr(), new Rect(0, 0, 520, 300))) {
      List<DetectedFace> fromLegacy = a.detect(part);
      assertTrue(fromLegacy.size() >= 5, "faces in the crop: " + fromLegacy.size());
      assertEquals(fromLegacy, b.detect(part));
    }
  }

  @Test
  void aGpenCheckpointIsNotADetector() {
    Path gpen = SharedData.require("golden/gpen64.pth");
    GpenException e = assertThrows(GpenException.class, () -> RetinaFaceDetector.load(gpen));
    assertTrue(e.getMessage().startsWith(gpen + ": not a RetinaFace checkpoint"), e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
  }

  @Test
  void aCheckpointWithAMissingTensorIsRejected(@TempDir Path dir) throws Exception {
    StateDict sd = Checkpoints.read(SharedData.require(MOBILENET));
    Map<String, TensorData> cut = new LinkedHashMap<>(sd.tensors());
    cut.remove("ssh2.conv5X5_1.0.weight");
    Path file = dir.resolve("cut.pth");
    TorchFiles.writeStateDict(file, cut, true);
    GpenException e = assertThrows(GpenException.class, () -> RetinaFaceDetector.load(file));
    assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("ssh2.conv5X5_1.0.weight"), e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
  }

  @Test
  void aMissingFileIsNamed(@TempDir Path dir) {
    Path file = dir.resolve("nothing.pth");
    GpenException e = assertThrows(GpenException.class, () -> RetinaFaceDetector.load(file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }
}
