package io.gpen.sr;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.bench.LevelDifference;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.nn.Layer;
import io.gpen.nn.Precision;
import io.gpen.nn.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Whole-photo super-resolution with the small golden RRDBNets: the pre- and post-processing of the
 * reference's {@code RealESRNet.process}, and what tiling does and does not preserve.
 */
class RealEsrNetTest {
  static Image photo;

  @BeforeAll
  static void load() {
    photo = Images.read(SharedData.require("faces/ffhq256/00000.png"));
  }

  @AfterAll
  static void release() {
    if (photo != null) {
      photo.close();
    }
  }

  static RealEsrNet net(int scale) {
    return RealEsrNet.load(SharedData.require("golden/rrdb_x" + scale + "_small.pth"));
  }

  /** A crop of the photo (a copy). */
  static Mat crop(int x, int y, int w, int h) {
    try (Rect r = new Rect(x, y, w, h);
        Mat view = new Mat(photo.bgr(), r)) {
      return view.clone();
    }
  }

  static byte[] bytes(Mat m) {
    byte[] out = new byte[m.rows() * m.cols() * 3];
    m.data().capacity(out.length).get(out);
    return out;
  }

  /**
   * The reference, with torch operations: {@code v / 255}, RGB, {@code F.pad(..., 'reflect')} on
   * the right and bottom to the unshuffle, the network, the padding cut off (in output pixels),
   * clamp, {@code * 255}, round half to even, BGR.
   */
  static byte[] reference(RrdbNet net, Mat bgr) {
    int h = bgr.rows();
    int w = bgr.cols();
    int s = net.scale();
    int u = net.layout().unshuffle();
    try (PointerScope scope = new PointerScope();
        InferenceMode mode = new InferenceMode()) {
      Tensor hwc =
          torch.from_blob(
              bgr.data(),
              new long[] {h, w, 3},
              new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Byte));
      Tensor x =
          hwc.to(torch.ScalarType.Float)
              .div(new Scalar(255))
              .flip(2)
              .permute(2, 0, 1)
              .unsqueeze(0)
              .contiguous();
      x = torch.reflection_pad2d(x, 0, (u - w % u) % u, 0, (u - h % u) % u);
      Tensor y = net.forward(x).narrow(2, 0, (long) h * s).narrow(3, 0, (long) w * s);
      Tensor out =
          y.clamp(
                  new org.bytedeco.pytorch.ScalarOptional(new Scalar(0)),
                  new org.bytedeco.pytorch.ScalarOptional(new Scalar(1)))
              .mul(new Scalar(255))
              .round()
              .to(torch.ScalarType.Byte)
              .squeeze(0)
              .flip(0)
              .permute(1, 2, 0)
              .contiguous();
      byte[] b = new byte[h * s * w * s * 3];
      new org.bytedeco.javacpp.BytePointer(out.data_ptr()).capacity(b.length).get(b);
      return b;
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void untiledProcessIsTheReferencesArithmeticOnOddSizes(int scale) {
    // 23×37: odd sides, reflect-padded to 24×40 (×1) or 24×38 (×2) for the pixel-unshuffle
    try (RealEsrNet sr = net(scale);
        RrdbNet raw = RrdbNet.load(SharedData.require("golden/rrdb_x" + scale + "_small.pth"));
        Mat in = crop(100, 120, 37, 23);
        Mat out = sr.process(in)) {
      assertEquals(scale, sr.scale());
      assertEquals(CV_8UC3, out.type());
      assertEquals(23 * scale, out.rows());
      assertEquals(37 * scale, out.cols());
      assertArrayEquals(reference(raw, in), bytes(out));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void oneTileCoveringTheImageIsExactlyTheUntiledResult(int scale) {
    try (RealEsrNet sr = net(scale);
        Mat in = crop(10, 20, 40, 24);
        Mat whole = sr.process(in, 0);
        Mat oneTile = sr.process(in, 40);
        Mat larger = sr.process(in, 1000)) {
      assertArrayEquals(bytes(whole), bytes(oneTile));
      assertArrayEquals(bytes(whole), bytes(larger));
    }
  }

  /**
   * Tiles against the whole image, on an image of two tiles by two. The reference's guarantee is
   * exactness only where an output pixel's receptive field lies inside the context its tile saw;
   * the 10-pixel context is far smaller than the receptive field (for these 2-block networks {@code
   * u·(4 + 15·2)} input pixels, u the unshuffle), so the pixels near inner seams may differ ({@link
   * #nearSeamsTheNetworkOutputDependsOnContextBeyondThePad}). Measured in 8-bit levels on this
   * face: where the receptive field is held, 0 at every scale; elsewhere up to 5 (×1), 1 (×2) and 0
   * (×4, whose small network's output there is mostly clamped to 0).
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void tilesEqualTheWholeImageWhereTheirContextHoldsTheReceptiveField(int scale) {
    try (RealEsrNet sr = net(scale)) {
      int u = 4 / scale;
      int radius = u * (4 + 15 * 2);
      int tile = (radius + 2 * RealEsrNet.TILE_PAD + u - 1) / u * u;
      int side = 2 * tile;
      try (Mat resized = Images.resize(photo.bgr(), side, side, opencv_imgproc.INTER_AREA);
          Mat whole = sr.process(resized, 0);
          Mat tiled = sr.process(resized, tile)) {
        byte[] a = bytes(whole);
        byte[] b = bytes(tiled);
        List<SrTiles.Tile> tiles = sr.tiles(side, side, tile);
        int s = scale;
        int inside = 0;
        int insideMax = 0;
        int seamMax = 0;
        long seamDiffering = 0;
        for (int y = 0; y < side * s; y++) {
          for (int x = 0; x < side * s; x++) {
            SrTiles.Tile t = tileOf(tiles, x / s, y / s);
            boolean held =
                holds(t.px0(), t.px1(), x / s, radius, side)
                    && holds(t.py0(), t.py1(), y / s, radius, side);
            for (int c = 0; c < 3; c++) {
              int i = (y * side * s + x) * 3 + c;
              int d = Math.abs((a[i] & 0xff) - (b[i] & 0xff));
              if (held) {
                insideMax = Math.max(insideMax, d);
              } else {
                seamMax = Math.max(seamMax, d);
                seamDiffering += d > 0 ? 1 : 0;
              }
            }
            inside += held ? 1 : 0;
          }
        }
        System.out.printf(
            "RealESRNet x%d tiles of %d on %dx%d: %d output pixels with their receptive field held,"
                + " max diff %d; elsewhere max diff %d levels, %d values differ%n",
            scale, tile, side, side, inside, insideMax, seamMax, seamDiffering);
        assertTrue(inside > side * s * 4, "too few pixels to compare: " + inside);
        assertTrue(insideMax <= 1, "where the context holds the receptive field: " + insideMax);
      }
    }
  }

  /**
   * Before clamping and rounding, at ×1 (where even the direct path from {@code conv_first} to the
   * output, 2 convolutions at a quarter of the resolution plus the unshuffle, reaches farther than
   * 10 pixels): the output of a tile run with its context equals the whole image's where the
   * receptive field fits the context, and differs up to the seam. (At ×4 the small network's
   * far-reaching paths, through the 0.2-scaled dense blocks, move its output by about 1e-7 only, so
   * its tiles come out equal everywhere.)
   */
  @Test
  void nearSeamsTheNetworkOutputDependsOnContextBeyondThePad() {
    try (RrdbNet raw = RrdbNet.load(SharedData.require("golden/rrdb_x1_small.pth"));
        Mat image = Images.resize(photo.bgr(), 320, 320, opencv_imgproc.INTER_AREA);
        PointerScope scope = new PointerScope();
        InferenceMode mode = new InferenceMode()) {
      Tensor hwc =
          torch.from_blob(
              image.data(),
              new long[] {320, 320, 3},
              new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Byte));
      Tensor x =
          hwc.to(torch.ScalarType.Float)
              .div(new Scalar(255))
              .flip(2)
              .permute(2, 0, 1)
              .unsqueeze(0)
              .contiguous();
      Tensor whole = raw.forward(x);
      // the top-left tile of 160 as process() runs it: core [0, 160)², input [0, 172)² (170 up to
      // the grid of 4)
      SrTiles.Tile t = SrTiles.plan(320, 320, 160, RealEsrNet.TILE_PAD, 4).get(0);
      assertEquals(172, t.px1());
      Tensor tile = raw.forward(x.narrow(2, 0, 172).narrow(3, 0, 172).contiguous());
      int held = 172 - 4 * (4 + 15 * 2);
      double inside =
          Tensors.maxAbsDiff(
              tile.narrow(2, 0, held).narrow(3, 0, held),
              whole.narrow(2, 0, held).narrow(3, 0, held));
      double seam =
          Tensors.maxAbsDiff(
              tile.narrow(2, 0, 160).narrow(3, 0, 160), whole.narrow(2, 0, 160).narrow(3, 0, 160));
      System.out.printf(
          "RRDBNet x1 tile vs whole: %.3g where the receptive field is held, %.3g up to the seam%n",
          inside, seam);
      assertTrue(inside <= 1e-6, "held region differs by " + inside);
      assertTrue(seam > 1e-3, "up to the seam the difference is only " + seam);
    }
  }

  private static SrTiles.Tile tileOf(List<SrTiles.Tile> tiles, int x, int y) {
    for (SrTiles.Tile t : tiles) {
      if (x >= t.x0() && x < t.x1() && y >= t.y0() && y < t.y1()) {
        return t;
      }
    }
    throw new AssertionError("no tile for " + x + "," + y);
  }

  /**
   * Whether [p − r, p + r] lies in [start, end), an image edge counting as inside (both runs pad it
   * alike).
   */
  private static boolean holds(int start, int end, int p, int r, int size) {
    return (start == 0 || p - r >= start) && (end == size || p + r < end);
  }

  /** The network only ever sees one padded tile, bounded by the tile size, not the photo. */
  @Test
  void theNetworkSeesOnlyTilesBoundedByTheTileSize() {
    for (int scale : new int[] {1, 2, 4}) {
      RrdbNet raw = RrdbNet.load(SharedData.require("golden/rrdb_x" + scale + "_small.pth"));
      List<long[]> seen = new ArrayList<>();
      Layer recording =
          x -> {
            seen.add(Tensors.shape(x));
            return raw.forward(x);
          };
      try (RealEsrNet sr = new RealEsrNet(recording, raw.layout(), raw, "recording");
          Mat in = crop(0, 0, 150, 101);
          Mat out = sr.process(in, 32)) {
        int u = raw.layout().unshuffle();
        int bound = SrTiles.maxPaddedSide(32, RealEsrNet.TILE_PAD, u);
        assertEquals(101 * scale, out.rows());
        assertEquals(150 * scale, out.cols());
        // 5 × 4 tiles (of 32) over the photo padded to the unshuffle; none lies wholly in the
        // padding
        assertEquals(sr.tiles(150, 101, 32).size(), seen.size());
        assertEquals(20, seen.size());
        for (long[] shape : seen) {
          assertTrue(
              shape[2] <= bound && shape[3] <= bound,
              "x" + scale + " input " + java.util.Arrays.toString(shape));
          assertEquals(0, shape[2] % u);
          assertEquals(0, shape[3] % u);
        }
      }
    }
  }

  @Test
  void levelsAreClampedScaledAndRoundedHalfToEven() {
    assertEquals(0, RealEsrNet.toLevel(-0.3f));
    assertEquals((byte) 255, RealEsrNet.toLevel(1.7f));
    assertEquals(0, RealEsrNet.toLevel(Float.NaN));
    assertEquals((byte) 128, RealEsrNet.toLevel(0.5f)); // 127.5 rounds to the even 128
    float f = 2.5f / 255f;
    if (f * 255f == 2.5f) {
      assertEquals(2, RealEsrNet.toLevel(f));
    }
    assertEquals(3, RealEsrNet.toLevel(3.4f / 255f));
  }

  @Test
  void badInputsAreRefused() {
    try (RealEsrNet sr = net(4);
        Mat gray = new Mat(8, 8, org.bytedeco.opencv.global.opencv_core.CV_8UC1)) {
      assertThrows(IllegalArgumentException.class, () -> sr.process(gray));
      try (Mat in = crop(0, 0, 8, 8)) {
        assertThrows(IllegalArgumentException.class, () -> sr.process(in, -1));
      }
    }
    RealEsrNet closed = net(2);
    closed.close();
    try (Mat in = crop(0, 0, 8, 8)) {
      assertThrows(IllegalStateException.class, () -> closed.process(in));
    }
  }

  @Test
  void inBf16TheImageIsWithinOneLevelOfFp32OnAverage() {
    try (RealEsrNet fp32 = net(2);
        RealEsrNet bf16 =
            RealEsrNet.load(SharedData.require("golden/rrdb_x2_small.pth"), Precision.BF16);
        Mat in = crop(96, 96, 48, 40);
        Mat a = fp32.process(in);
        Mat b = bf16.process(in)) {
      assertTrue(bf16.description().endsWith(", bf16"), bf16.description());
      LevelDifference d = LevelDifference.of(List.of(a), List.of(b));
      assertTrue(d.mean() <= 1.0, "bf16 differs from fp32 by " + d.describe());
      // identical images would mean the network did not run in bfloat16
      assertTrue(d.max() > 0, "bf16 gave fp32's image exactly");
    }
  }
}
