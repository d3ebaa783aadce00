package io.gpen.bench;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.face.FaceDetectors;
import io.gpen.image.Images;
import io.gpen.model.ModelFiles;
import java.nio.file.Path;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PhotoBench} from Java: a random 64 px model on a part of the Solvay photo. */
class PhotoBenchTest {
  @TempDir Path dir;

  @Test
  void timesDetectionAndTheWholePhoto() {
    Path photo = dir.resolve("solvay.png");
    try (Mat whole = imread(SharedData.require("faces/Solvay_conference_1927.png").toString());
        Mat part = new Mat(whole, new Rect(580, 60, 140, 160))) {
      Images.write(photo, part);
    }
    BenchModel model =
        new BenchModel(null, null, new ModelFiles.Overrides(64, 1, 0.25), "cpu", 0, BenchModel.ForwardPass.FAST);
    PhotoBench.Result result = PhotoBench.run(PhotoBench.Options.builder(model, photo)
        .detector(FaceDetectors.Kind.RETINAFACE, SharedData.require("models/retinaface_mobilenet0.25.pth").toString())
        .iterations(2)
        .warmup(1)
        .build());
    assertEquals(2, result.faces());
    assertEquals(2, result.detection().count());
    assertEquals(1, result.wholePhoto().count());
    String report = result.report();
    for (String field : new String[] {"detector    RetinaFace (MobileNet-0.25)", "photo       solvay.png, 140x160, 2 faces",
        "whole photo median", "s per face"}) {
      assertTrue(report.contains(field), field + " missing from:\n" + report);
    }
  }
}
