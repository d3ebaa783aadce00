package io.gpen.image;

import static io.gpen.image.ImagesTest.gradient;
import static io.gpen.image.ImagesTest.mat;
import static io.gpen.image.ImagesTest.samples;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import io.gpen.Performance;
import java.util.Arrays;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.Test;

class ModelIoTest {
  // float32 values printed by NumPy for ((np.float32(v) / 255) - 0.5) / 0.5
  private static final float LEVEL_1 = -0.99215686f;
  private static final float LEVEL_63 = -0.5058824f;
  private static final float LEVEL_64 = -0.4980392f;
  private static final float LEVEL_128 = 0.003921628f;
  private static final float LEVEL_254 = 0.99215686f;

  @Test
  void inputIsChannelMajorRgbInMinusOneToOne() {
    // 2x2 BGR: (0,128,255) (1,63,64) / (254,255,0) (128,128,128)
    try (Mat bgr = mat(CV_8UC3, 2, 2, 0, 128, 255, 1, 63, 64, 254, 255, 0, 128, 128, 128)) {
      float[] t = ModelIo.toModelInput(bgr, 2);
      float[] red = {1f, LEVEL_64, -1f, LEVEL_128};
      float[] green = {LEVEL_128, LEVEL_63, 1f, LEVEL_128};
      float[] blue = {-1f, LEVEL_1, LEVEL_254, LEVEL_128};
      assertArrayEquals(red, Arrays.copyOfRange(t, 0, 4));
      assertArrayEquals(green, Arrays.copyOfRange(t, 4, 8));
      assertArrayEquals(blue, Arrays.copyOfRange(t, 8, 12));
      assertEquals(
          Float.floatToIntBits(((128 / 255f) - 0.5f) / 0.5f),
          Float.floatToIntBits(t[3]),
          "float32 step by step");
    }
  }

  @Test
  void batchVariantWritesOnlyItsSlot() {
    float[] batch = new float[2 + 2 * 12];
    Arrays.fill(batch, 42f);
    try (Mat a = mat(CV_8UC3, 2, 2, 0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255);
        Mat b = gradient(2, 2)) {
      ModelIo.toModelInput(a, 2, batch, 1);
      ModelIo.toModelInput(b, 2, batch, 13);
      assertEquals(42f, batch[0]);
      assertEquals(42f, batch[25]);
      assertArrayEquals(ModelIo.toModelInput(a, 2), Arrays.copyOfRange(batch, 1, 13));
      assertArrayEquals(ModelIo.toModelInput(b, 2), Arrays.copyOfRange(batch, 13, 25));
    }
    try (Mat a = gradient(2, 2)) {
      assertThrows(IllegalArgumentException.class, () -> ModelIo.toModelInput(a, 2, batch, 15));
    }
  }

  @Test
  void otherSizesAreResizedBilinearlyFirst() {
    try (Mat src = gradient(37, 23);
        Mat resized = Images.resize(src, 16, 16, INTER_LINEAR)) {
      float[] direct = ModelIo.toModelInput(src, 16);
      assertArrayEquals(ModelIo.toModelInput(resized, 16), direct);
      assertEquals(3 * 16 * 16, direct.length);
    }
  }

  @Test
  void aRegionOfALargerImageIsReadWithItsRowStride() {
    try (Mat big = gradient(40, 30);
        Rect box = new Rect(5, 7, 8, 8);
        Mat region = big.apply(box);
        Mat copy = region.clone()) {
      assertFalse(region.isContinuous());
      assertArrayEquals(ModelIo.toModelInput(copy, 8), ModelIo.toModelInput(region, 8));
    }
  }

  @Test
  void outputIsBgrTruncatedNotRounded() {
    // one pixel, given as the model's R, G, B planes, read back as B, G, R samples
    assertArrayEquals(new int[] {0, 127, 254}, pixel(0.999f, 0f, -1f));
    // clipping, both ends
    assertArrayEquals(new int[] {255, 0, 255}, pixel(2f, -3f, 1f));
    // 0.99607843 * 0.5 + 0.5 gives 254.5 after * 255: truncated to 254
    assertArrayEquals(new int[] {0, 0, 254}, pixel(0.99607843f, -1f, -1f));
  }

  private static int[] pixel(float r, float g, float b) {
    float[] chw = {7f, r, g, b}; // a leading value the offset must skip
    try (Mat m = ModelIo.fromModelOutput(chw, 1, 1)) {
      assertEquals(CV_8UC3, m.type());
      return samples(m);
    }
  }

  @Test
  void roundTripLosesOneLevelBelow64AsTheReferenceDoes() {
    // every 8-bit value in every channel, through input then output
    try (Mat img = new Mat(16, 16, CV_8UC3)) {
      UByteIndexer ix = img.createIndexer();
      for (int v = 0; v < 256; v++) {
        ix.put(v / 16, v % 16, 0, v);
        ix.put(v / 16, v % 16, 1, 255 - v);
        ix.put(v / 16, v % 16, 2, (v + 100) & 0xFF);
      }
      ix.close();
      float[] t = ModelIo.toModelInput(img, 16);
      try (Mat back = ModelIo.fromModelOutput(t, 0, 16)) {
        int[] in = samples(img);
        int[] out = samples(back);
        for (int i = 0; i < in.length; i++) {
          // NumPy float32 gives the same: v/255 normalised and mapped back lands just below v
          // for v in 1..63 (for example 62.999996 for 63), which truncation turns into v - 1
          int expected = in[i] >= 1 && in[i] <= 63 ? in[i] - 1 : in[i];
          assertEquals(expected, out[i], "value " + in[i]);
        }
      }
    }
  }

  @Test
  void nonFiniteOutputIsRefusedNotWrittenAsBlack() {
    // the reference casts NaN to 0: a black face; here the broken model is named instead
    float[] chw = new float[1 + 3 * 4];
    chw[0] = Float.NaN; // before the offset: not part of this face
    chw[2] = Float.NaN;
    chw[5] = Float.POSITIVE_INFINITY;
    chw[12] = Float.NEGATIVE_INFINITY;
    GpenException e = assertThrows(GpenException.class, () -> ModelIo.fromModelOutput(chw, 1, 2));
    assertEquals(
        "the model produced 3 non-finite values (NaN or infinity) in a 2x2 output instead"
            + " of an image: its weights or its input are damaged",
        e.getMessage());
  }

  @Test
  void fromModelOutputChecksItsRange() {
    assertThrows(
        IllegalArgumentException.class, () -> ModelIo.fromModelOutput(new float[11], 0, 2));
    assertThrows(
        IllegalArgumentException.class, () -> ModelIo.fromModelOutput(new float[12], 1, 2));
  }

  @Test
  @Performance
  void fastEnoughAt512() {
    // a per-pixel native call would take tens of milliseconds here; the loops take about one
    float[] buf = new float[3 * 512 * 512];
    try (Mat img = gradient(512, 512)) {
      long in = Long.MAX_VALUE;
      long out = Long.MAX_VALUE;
      for (int i = 0; i < 30; i++) {
        long t0 = System.nanoTime();
        ModelIo.toModelInput(img, 512, buf, 0);
        long t1 = System.nanoTime();
        ModelIo.fromModelOutput(buf, 0, 512).close();
        long t2 = System.nanoTime();
        in = Math.min(in, t1 - t0);
        out = Math.min(out, t2 - t1);
      }
      System.out.printf(
          "ModelIo at 512x512: toModelInput %.2f ms, fromModelOutput %.2f ms" + " (best of 30)%n",
          in / 1e6, out / 1e6);
      assertTrue(in < 20_000_000L, "toModelInput took " + in / 1e6 + " ms");
      assertTrue(out < 20_000_000L, "fromModelOutput took " + out / 1e6 + " ms");
    }
  }
}
