package io.gpen.api;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.image.ModelIo;
import io.gpen.model.FullGenerator;
import io.gpen.model.ModelFiles;
import io.gpen.nn.Tensors;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.NoGradGuard;
import org.junit.jupiter.api.Test;

/** The reference's {@code is_norm}: [-1, 1] for restoration, [0, 1] for Seg2Face. */
class PixelRangeTest {
  static byte[] bytes(Mat m) {
    byte[] out = new byte[m.rows() * m.cols() * 3];
    m.data().capacity(out.length).get(out);
    return out;
  }

  @Test
  void unitValuesAreLevelsOver255InAndClippedTruncatedLevelsOut() {
    try (Mat bgr = new Mat(2, 2, CV_8UC3)) {
      try (UByteIndexer ix = bgr.createIndexer()) {
        int[] levels = {0, 1, 2, 63, 64, 127, 128, 200, 250, 251, 254, 255};
        for (int i = 0; i < levels.length; i++) {
          ix.put(i / 6, (i / 3) % 2, i % 3, levels[i]);
        }
      }
      float[] unit = new float[12];
      PixelRange.UNIT.toModelInput(bgr, 2, unit, 0);
      float[] signed = new float[12];
      PixelRange.SIGNED.toModelInput(bgr, 2, signed, 0);
      assertArrayEquals(ModelIo.toModelInput(bgr, 2), signed);
      try (UByteIndexer ix = bgr.createIndexer()) {
        for (int p = 0; p < 4; p++) {
          for (int c = 0; c < 3; c++) {
            int level = ix.get(p / 2, p % 2, 2 - c);
            // channel-major RGB: red plane first
            assertEquals(level / 255f, unit[c * 4 + p], "pixel " + p + " channel " + c);
            assertEquals(((level / 255f) - 0.5f) / 0.5f, signed[c * 4 + p]);
          }
        }
      }
    }
    float[] out = {-0.5f, 0f, 0.5f, 0.999f, 1f, 2f, Float.NaN, 0.0039215f, 0.00392157f, 1, 1, 1};
    try (Mat m = PixelRange.UNIT.fromModelOutput(out, 0, 2)) {
      byte[] b = bytes(m);
      // BGR of pixel p takes planes 2, 1, 0 at p
      int[] red = {b[2] & 0xff, b[5] & 0xff, b[8] & 0xff, b[11] & 0xff};
      int[] green = {b[1] & 0xff, b[4] & 0xff, b[7] & 0xff, b[10] & 0xff};
      assertArrayEquals(new int[] {0, 0, 127, 254}, red);
      assertArrayEquals(new int[] {255, 255, 0, 0}, green);
      assertEquals(1, b[0] & 0xff);
    }
  }

  @Test
  void aSeg2FaceRestorerFeedsTheNetworkUnitValuesAndReadsUnitValues() {
    Path weights = SharedData.require("golden/gpen64.pth");
    try (Image face = Images.read(SharedData.require("faces/ffhq256/00003.png"));
        Mat small =
            Images.resize(
                face.bgr(), 64, 64, org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR);
        Restorer seg2face =
            Restorer.builder()
                .weights(weights)
                .referencePath(true)
                .pixelRange(PixelRange.UNIT)
                .build();
        Restorer enhancement = Restorer.builder().weights(weights).referencePath(true).build();
        Mat unitOut = seg2face.restore(small);
        Mat signedOut = enhancement.restore(small)) {
      float[] input = new float[3 * 64 * 64];
      PixelRange.UNIT.toModelInput(small, 64, input, 0);
      float[] output;
      FullGenerator model =
          ModelFiles.loadGenerator(weights, null, ModelFiles.Overrides.NONE).model();
      try (model;
          PointerScope scope = new PointerScope();
          NoGradGuard noGrad = new NoGradGuard()) {
        output = Tensors.toFloats(model.forward(Tensors.fromFloats(input, 1, 3, 64, 64)).image());
      }
      try (Mat expected = PixelRange.UNIT.fromModelOutput(output, 0, 64)) {
        assertArrayEquals(bytes(expected), bytes(unitOut));
      }
      byte[] a = bytes(unitOut);
      byte[] b = bytes(signedOut);
      int differ = 0;
      for (int i = 0; i < a.length; i++) {
        differ += a[i] != b[i] ? 1 : 0;
      }
      assertTrue(
          differ > a.length / 2,
          "[0,1] and [-1,1] give other images: " + differ + " of " + a.length + " differ");
    }
  }
}
