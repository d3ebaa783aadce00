package io.gpen.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gpen.Fuzz;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged ONNX models ({@link Fuzz}) opened with {@link OnnxRestorer} and run on a face: a small
 * model of the GPEN form written here (an 8x8 image through a 1x1 convolution and tanh), whose
 * weights, graph and shapes the damage reaches alike.
 */
class OnnxFuzzTest {
  @TempDir Path dir;

  /** The model: input {@code image} [N, 3, 8, 8], output of the same form. */
  static byte[] smallModel() throws IOException {
    OnnxGraph g = new OnnxGraph();
    String image = g.input("image", -1, 3, 8, 8);
    float[] weight = {0.5f, 0.1f, 0f, 0f, 0.5f, 0.1f, 0.1f, 0f, 0.5f};
    String w = g.weight("conv.weight", weight, 3, 3, 1, 1);
    String b = g.weight("conv.bias", new float[] {0.01f, -0.02f, 0.03f}, 3);
    String conv = g.op("Conv", "conv", new String[] {image, w, b});
    String out = g.op("Tanh", "output", new String[] {conv});
    g.output(out, -1, 3, 8, 8);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    g.model("small", "test", "a small model of the GPEN form", Map.of("format", "test"))
        .writeTo(bytes);
    return bytes.toByteArray();
  }

  @Test
  void damagedModelsOpenAndRunOrAreRefused() throws IOException {
    try (Mat face = new Mat(8, 8, opencv_core.CV_8UC3, new Scalar(40, 120, 200, 0))) {
      Fuzz.run(
          "ONNX",
          smallModel(),
          dir,
          "model.onnx",
          31,
          false,
          file -> {
            try (OnnxRestorer r = OnnxRestorer.open(file, "cpu", 1, 1)) {
              List<Mat> out = r.restore(List.of(face));
              try (Mat restored = out.get(0)) {
                assertEquals(r.size(), restored.rows());
              }
            }
          });
    }
  }
}
