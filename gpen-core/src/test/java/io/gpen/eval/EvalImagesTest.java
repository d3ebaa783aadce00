package io.gpen.eval;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.image.ModelIo;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

/** The loader's float faces come back as the 8-bit levels they were made from. */
class EvalImagesTest {
  /** A 16×16 face whose pixels (in order) hold all 256 levels, in the model's layout. */
  private static float[] allLevels() {
    int size = 16;
    int plane = size * size;
    float[] chw = new float[3 * plane];
    for (int o = 0; o < plane; o++) {
      // the loader's value of level k: ((k / 255) - 0.5) / 0.5 in float32
      chw[o] = ((o / 255f) - 0.5f) / 0.5f;
      chw[plane + o] = (((255 - o) / 255f) - 0.5f) / 0.5f;
      chw[2 * plane + o] = (((o * 7 % 256) / 255f) - 0.5f) / 0.5f;
    }
    return chw;
  }

  @Test
  void everyLevelComesBackExactly() {
    float[] chw = allLevels();
    try (Mat m = EvalImages.toEightBit(chw, 0, 16);
        Mat truncated = ModelIo.fromModelOutput(chw, 0, 16)) {
      int off = 0;
      int lower = 0;
      for (int o = 0; o < 256; o++) {
        int y = o / 16;
        int x = o % 16;
        assertEquals(o * 7 % 256, m.ptr(y, x).get(0) & 0xFF, "blue at level " + o);
        assertEquals(255 - o, m.ptr(y, x).get(1) & 0xFF, "green");
        assertEquals(o, m.ptr(y, x).get(2) & 0xFF, "red");
        if ((truncated.ptr(y, x).get(2) & 0xFF) != o) {
          lower++;
        }
        off += Math.abs((truncated.ptr(y, x).get(2) & 0xFF) - o);
      }
      // why rounding: the model-output conversion truncates and loses a level on many of them
      assertTrue(lower > 0 && off == lower, lower + " levels truncated one lower");
    }
  }

  @Test
  void readsFromAnOffsetAndClips() {
    int plane = 4;
    float[] chw = new float[3 + 3 * plane];
    for (int i = 3; i < chw.length; i++) {
      chw[i] = i % 2 == 0 ? 3f : -3f;
    }
    try (Mat m = EvalImages.toEightBit(chw, 3, 2)) {
      assertEquals(CV_8UC3, m.type());
      // the red plane starts at element 3: pixel 0 holds -3 (clipped to 0), pixel 1 holds 3 (to
      // 255)
      assertEquals(0, m.ptr(0, 0).get(2) & 0xFF);
      assertEquals(255, m.ptr(0, 1).get(2) & 0xFF);
    }
  }

  @Test
  void placesImagesSideBySide() {
    try (Mat a = new Mat(4, 4, CV_8UC3, new Scalar(10, 10, 10, 0));
        Mat b = new Mat(4, 4, CV_8UC3, new Scalar(20, 20, 20, 0));
        Mat c = new Mat(4, 4, CV_8UC3, new Scalar(30, 30, 30, 0));
        Mat all = EvalImages.sideBySide(a, b, c)) {
      assertEquals(12, all.cols());
      assertEquals(4, all.rows());
      assertEquals(10, all.ptr(3, 3).get(0));
      assertEquals(20, all.ptr(0, 4).get(1));
      assertEquals(30, all.ptr(2, 11).get(2));
    }
  }
}
