package io.gpen.eval;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.metrics.Loaded;
import io.gpen.nn.Devices;
import io.gpen.registry.ModelRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** The identity similarity with the released MobileFaceNet on real faces. */
class IdentitySimilarityTest {
  @Test
  void isOneForTheSameFaceHighForABlurredOneAndLowForAnother() {
    Path faces = SharedData.require("faces/ffhq256");
    Path weights = SharedData.require("models/mobilefacenet.pt");
    Loaded<IdentitySimilarity> loaded =
        IdentitySimilarity.open(
            weights.toString(), ModelRegistry.defaultRegistry(), Devices.parse("cpu"));
    try (IdentitySimilarity id = loaded.get();
        PointerScope scope = new PointerScope()) {
      assertEquals("MobileFaceNet", id.embedder().split(" ")[0]);
      List<Mat> real = new ArrayList<>();
      List<Mat> blurred = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        try (Image im = Images.read(faces.resolve(String.format("%05d.png", i)))) {
          Mat face = Images.resize(im.bgr(), 128, 128, INTER_AREA);
          Mat soft = new Mat();
          opencv_imgproc.GaussianBlur(face, soft, new Size(5, 5), 1.5);
          real.add(face);
          blurred.add(soft);
        }
      }
      Tensor truth = id.embed(real);
      Tensor others = truth.roll(new long[] {1}, new long[] {0});
      double[] same = IdentitySimilarity.similarity(truth, truth);
      double[] blur = IdentitySimilarity.similarity(id.embed(blurred), truth);
      double[] other = IdentitySimilarity.similarity(others, truth);
      for (int i = 0; i < 3; i++) {
        assertEquals(1.0, same[i], 1e-5);
        assertTrue(
            blur[i] < 1 - 1e-4 && blur[i] > other[i] + 0.2,
            "face " + i + ": blurred " + blur[i] + ", other " + other[i]);
      }
    }
  }

  @Test
  void isSkippedWithoutWeights() {
    Loaded<IdentitySimilarity> none =
        IdentitySimilarity.open(" ", ModelRegistry.defaultRegistry(), Devices.parse("cpu"));
    assertFalse(none.isLoaded());
    assertTrue(
        none.skipReason()
            .orElseThrow()
            .startsWith("no face embedding weights given (--id_weights"));
  }
}
