package io.gpen.bench;

import static io.gpen.TextAssertions.assertContainsAll;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.face.FaceDetectors;
import io.gpen.image.Images;
import io.gpen.nn.Precision;
import io.gpen.sr.RealEsrNet;
import java.nio.file.Path;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PhotoBench} from Java: a random 64 px model on a part of the Solvay photo. */
class PhotoBenchTest {
  @TempDir Path dir;

  /** Options for {@code photo}: the small random model, RetinaFace MobileNet-0.25. */
  private static PhotoBench.Options.Builder options(Path photo) {
    return PhotoBench.Options.builder(BenchFixtures.smallRandomModel(), photo)
        .detector(FaceDetectors.Kind.RETINAFACE, BenchFixtures.retinaFaceWeights());
  }

  @Test
  void timesDetectionAndTheWholePhoto() {
    Path photo = dir.resolve("solvay.png");
    try (Mat whole = imread(SharedData.require("faces/Solvay_conference_1927.png").toString());
        Mat part = new Mat(whole, new Rect(580, 60, 140, 160))) {
      Images.write(photo, part);
    }
    PhotoBench.Result result = PhotoBench.run(options(photo).iterations(2).warmup(1).build());
    assertEquals(2, result.faces());
    assertEquals(2, result.detection().count());
    assertEquals(1, result.wholePhoto().count());
    String report = result.report();
    assertContainsAll(
        report,
        "detector    RetinaFace (MobileNet-0.25)",
        "photo       solvay.png, 140x160, 2 faces",
        "whole photo median",
        "s per face");
  }

  @Test
  void theParseMaskIsTimedPerFaceAndIncludedInTheWholePhoto() {
    PhotoBench.Result result =
        PhotoBench.run(
            options(SharedData.require("faces/ffhq256/00000.png"))
                .iterations(1)
                .warmup(0)
                .parseMask(true)
                .build());
    assertEquals(1, result.faces());
    assertEquals(1, result.parseMask().count(), "one timing per restored face");
    assertTrue(result.parseMask().min() > 0);
    String report = result.report();
    assertContainsAll(
        report,
        "restoration, parse mask, paste-back",
        "parse mask  median",
        "ms per face",
        // the official ParseNet-latest's layout
        "ParseNet (stem 64, down [128, 256, 256, 256], 10 body blocks, up [256, 256, 128, 64], 19"
            + " classes), random weights");
    String boxOnly =
        PhotoBench.run(
                options(SharedData.require("faces/ffhq256/00000.png"))
                    .iterations(1)
                    .warmup(0)
                    .build())
            .report();
    assertFalse(boxOnly.contains("parse"), boxOnly);
  }

  @Test
  void superResolutionIsReportedPerMegapixelOfInputWithSeededRandomWeights() {
    PhotoBench.SuperResolution sr =
        new PhotoBench.SuperResolution(4, "net", 0, new Timings(new double[] {2500, 2000, 1000}));
    assertEquals(4.0, sr.secondsPerMegapixel(1000, 500), 1e-12, "median 2 s over half a megapixel");
    try (Mat photo =
            new Mat(
                24,
                16,
                org.bytedeco.opencv.global.opencv_core.CV_8UC3,
                new org.bytedeco.opencv.opencv_core.Scalar(40, 120, 200, 0));
        RealEsrNet a = BenchNetworks.randomUpscaler(2, 5, Precision.FP32);
        RealEsrNet b = BenchNetworks.randomUpscaler(2, 5, Precision.FP32);
        RealEsrNet half = BenchNetworks.randomUpscaler(2, 5, Precision.BF16);
        Mat outA = a.process(photo);
        Mat outB = b.process(photo);
        Mat outHalf = half.process(photo)) {
      assertTrue(half.description().endsWith(", random weights, bf16"), half.description());
      assertTrue(
          org.bytedeco.opencv.global.opencv_core.norm(
                  outA, outHalf, org.bytedeco.opencv.global.opencv_core.NORM_INF, new Mat())
              > 0,
          "bf16 runs in bfloat16, not the fp32 network again");
      assertTrue(
          a.description().startsWith("RRDBNet x2 (32 features, 23 blocks, growth 32)"),
          a.description());
      assertEquals(32, outA.cols());
      assertEquals(48, outA.rows());
      assertEquals(
          0,
          org.bytedeco.opencv.global.opencv_core.norm(
              outA, outB, org.bytedeco.opencv.global.opencv_core.NORM_INF, new Mat()),
          "one seed, one network");
      // random weights: not the zero network, whose output would be black
      assertTrue(org.bytedeco.opencv.global.opencv_core.countNonZero(outA.reshape(1)) > 0);
    }
  }
}
