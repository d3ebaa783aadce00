package io.gpen.parse;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.nn.Precision;
import io.gpen.nn.Tensors;
import java.nio.ByteBuffer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The parser's whole chain, from an 8-bit BGR face to its paste mask, with the small golden parser
 * ({@code ParseNet(64, 64, 16, 16, 19, res_depth=3, ch_range=[16, 48])}). As in the reference,
 * which always parses at 512, the 64-size network parses the face resized to 512: it is fully
 * convolutional, and its two down steps simply run at 256 and 128 instead of 32 and 16.
 */
class FaceParserTest {
  /**
   * Share of the 512×512 parsing of FFHQ face 00000 whose class is pasted, with the small golden
   * (perturbed random) parser: a pinned value, not a meaningful parsing. Measured: 0.2643.
   */
  static final double PASTED_SHARE = 0.2643;

  static FaceParser parser;
  static Image face;

  @BeforeAll
  static void load() {
    parser = FaceParser.load(SharedData.require("golden/parsenet_small.pth"));
    face = Images.read(SharedData.require("faces/ffhq256/00000.png"));
  }

  @AfterAll
  static void release() {
    if (parser != null) {
      parser.close();
    }
    if (face != null) {
      face.close();
    }
  }

  @Test
  void inputIsRgbInMinusOneToOneComputedAsTheReference() {
    try (Mat bgr = new Mat(512, 512, CV_8UC3)) {
      ByteBuffer px = bgr.createBuffer();
      for (int y = 0; y < 512; y++) {
        for (int x = 0; x < 512; x++) {
          int i = (y * 512 + x) * 3;
          px.put(i, (byte) x).put(i + 1, (byte) y).put(i + 2, (byte) (x + y));
        }
      }
      try (PointerScope scope = new PointerScope()) {
        Tensor t = FaceParser.input(bgr);
        assertArrayEquals(new long[] {1, 3, 512, 512}, Tensors.shape(t));
        float[] v = Tensors.toFloats(t);
        int plane = 512 * 512;
        for (int y = 0; y < 512; y += 7) {
          for (int x = 0; x < 512; x += 5) {
            int o = y * 512 + x;
            assertEquals((float) (((x + y) & 0xff) / 255. * 2 - 1), v[o], "red");
            assertEquals((float) ((y & 0xff) / 255. * 2 - 1), v[plane + o], "green");
            assertEquals((float) ((x & 0xff) / 255. * 2 - 1), v[2 * plane + o], "blue");
          }
        }
      }
    }
  }

  @Test
  void facesOfOtherSizesAreResizedBilinearlyTo512() {
    try (Mat big = Images.resize(face.bgr(), 512, 512, opencv_imgproc.INTER_LINEAR);
        PointerScope scope = new PointerScope()) {
      assertEquals(0.0, Tensors.maxAbsDiff(FaceParser.input(face.bgr()), FaceParser.input(big)));
    }
  }

  @Test
  void pasteMaskIsTheParsingAt512PostProcessedAtTheModelSize() {
    Mat labels = parser.labels(face.bgr());
    try (labels;
        Mat mask = parser.pasteMask(face.bgr(), 256);
        Mat expected = ParseMask.fromLabels(labels, 256)) {
      assertEquals(CV_8U, labels.type());
      assertEquals(512, labels.rows());
      assertEquals(512, labels.cols());
      // the labels are the argmax of the network's mask head on the face resized to 512
      byte[] got = new byte[512 * 512];
      labels.data().capacity(got.length).get(got);
      float[] argmax;
      try (PointerScope scope = new PointerScope();
          InferenceMode mode = new InferenceMode()) {
        // channels-last as the parser runs it, so that near ties fall the same way
        Tensor logits =
            parser
                .network()
                .forward(FaceParser.input(face.bgr()).contiguous(MemoryFormat.ChannelsLast))
                .mask();
        assertArrayEquals(new long[] {1, 19, 512, 512}, Tensors.shape(logits));
        argmax = Tensors.toFloats(torch.argmax(logits, new LongOptional(1), false));
      }
      int pasted = 0;
      for (int i = 0; i < got.length; i++) {
        assertEquals((int) argmax[i], got[i] & 0xff, "label at " + i);
        pasted += ParseMask.isPasted(got[i] & 0xff) ? 1 : 0;
      }
      double share = pasted / (double) got.length;
      System.out.printf("small parser on FFHQ 00000: %.4f of the parsing pasted%n", share);
      assertEquals(PASTED_SHARE, share, 0.005);

      assertEquals(CV_32F, mask.type());
      assertEquals(256, mask.rows());
      assertEquals(256, mask.cols());
      float[] m = ParseMaskTest.floats(mask);
      assertArrayEquals(ParseMaskTest.floats(expected), m);
      float min = Float.MAX_VALUE;
      float max = -Float.MAX_VALUE;
      for (float v : m) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      assertTrue(min >= 0 && max <= 1 && max > 0.5, "mask range " + min + ".." + max);
      // the zeroed 26-pixel frame at 512 is 13 pixels at 256: its outer rows stay (almost) 0
      for (int x = 0; x < 256; x++) {
        assertTrue(m[x] < 1e-4 && m[255 * 256 + x] < 1e-4, "edge at " + x);
      }
    }
  }

  @Test
  void aClosedParserRefusesToRun() {
    FaceParser p = FaceParser.load(SharedData.require("golden/parsenet_small.pth"));
    assertTrue(
        p.description()
            .startsWith(
                "ParseNet (stem 16, down [32, 48], 3 body blocks, up [32, 16], 19 classes) from "),
        p.description());
    p.close();
    p.close();
    assertThrows(IllegalStateException.class, () -> p.labels(face.bgr()));
  }

  @Test
  void inBf16AtMostOnePixelInAHundredChangesClass() {
    try (FaceParser bf16 =
            FaceParser.load(SharedData.require("golden/parsenet_small.pth"), Precision.BF16);
        Mat a = parser.labels(face.bgr());
        Mat b = bf16.labels(face.bgr());
        Mat differ = new Mat()) {
      assertTrue(bf16.description().endsWith(", bf16"), bf16.description());
      opencv_core.compare(a, b, differ, opencv_core.CMP_NE);
      double share = opencv_core.countNonZero(differ) / (double) a.total();
      assertTrue(share <= 0.01, share + " of the pixels change class in bf16");
    }
  }
}
