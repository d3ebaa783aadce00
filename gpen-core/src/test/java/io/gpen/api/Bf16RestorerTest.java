package io.gpen.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.BadParameter;
import io.gpen.SharedData;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.nn.Precision;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

/**
 * bfloat16 convolutions against float32 on the golden 64 px model (reference weights, perturbed):
 * the ten FFHQ faces restored both ways differ by less than one 8-bit level on average.
 */
class Bf16RestorerTest {
  /** The target: bf16 within one 8-bit level of fp32 on average. */
  static final double MEAN_LEVELS = 1.0;

  @Test
  void bf16IsWithinOneLevelOfFp32OnTheTenFaces() {
    Path weights = SharedData.require("golden/gpen64.pth");
    List<Image> faces = new ArrayList<>();
    for (int n = 0; n < 10; n++) {
      faces.add(Images.read(SharedData.require(String.format("faces/ffhq256/%05d.png", n))));
    }
    List<Mat> inputs = faces.stream().map(Image::bgr).toList();
    try (Restorer fp32 = Restorer.builder().weights(weights).batchSize(4).build();
        Restorer bf16 =
            Restorer.builder().weights(weights).batchSize(4).precision(Precision.BF16).build()) {
      assertEquals(Precision.FP32, fp32.precision());
      assertEquals(Precision.BF16, bf16.precision());
      List<Mat> a = fp32.restore(inputs);
      List<Mat> b = bf16.restore(inputs);
      double sum = 0;
      long values = 0;
      for (int i = 0; i < a.size(); i++) {
        try (Mat d = new Mat()) {
          opencv_core.absdiff(a.get(i), b.get(i), d);
          sum +=
              opencv_core.sumElems(d).get(0)
                  + opencv_core.sumElems(d).get(1)
                  + opencv_core.sumElems(d).get(2);
          values += d.total() * d.channels();
        }
      }
      double mean = sum / values;
      assertTrue(mean <= MEAN_LEVELS, "bf16 differs from fp32 by " + mean + " levels on average");
      // identical images would mean the convolutions did not run in bfloat16 at all
      assertTrue(mean > 0, "bf16 gave fp32's images exactly");
      a.forEach(Mat::close);
      b.forEach(Mat::close);
    } finally {
      faces.forEach(Image::close);
    }
  }

  @Test
  void theReferencePathRefusesBf16InOneLine() {
    Path weights = SharedData.require("golden/gpen64.pth");
    BadParameter e =
        assertThrows(
            BadParameter.class,
            () ->
                Restorer.builder()
                    .weights(weights)
                    .referencePath(true)
                    .precision(Precision.BF16)
                    .build());
    assertTrue(
        e.getMessage().contains("precision") && e.getMessage().contains("referencePath"),
        e.getMessage());
    assertTrue(!e.getMessage().contains("\n"), e.getMessage());
  }

  @Test
  void precisionNamesAreFp32AndBf16() {
    assertEquals(Precision.BF16, Precision.of("bf16"));
    assertEquals(Precision.FP32, Precision.of("FP32"));
    BadParameter e = assertThrows(BadParameter.class, () -> Precision.of("fp16"));
    assertEquals("precision must be fp32 or bf16, got 'fp16'", e.getMessage());
  }
}
