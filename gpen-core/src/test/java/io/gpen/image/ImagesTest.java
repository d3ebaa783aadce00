package io.gpen.image;

import static org.bytedeco.opencv.global.opencv_core.CV_16UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_16UC3;
import static org.bytedeco.opencv.global.opencv_core.CV_16UC4;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC4;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_NEAREST;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gpen.GpenException;
import io.gpen.SharedData;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.javacpp.indexer.UShortIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesTest {

  @TempDir Path dir;

  // ---- reading ----

  @Test
  void grayPngBecomesBgrWithTheGreyInEveryChannel() {
    Path f = dir.resolve("gray.png");
    try (Mat gray = mat(CV_8UC1, 2, 3, 0, 1, 127, 128, 254, 255)) {
      assertTrue(imwrite(f.toString(), gray));
    }
    try (Image img = Images.read(f)) {
      assertEquals(3, img.width());
      assertEquals(2, img.height());
      assertEquals(1, img.sourceChannels());
      assertEquals(8, img.sourceBitDepth());
      assertTrue(img.alpha().isEmpty());
      assertArrayEquals(
          new int[] {0, 0, 0, 1, 1, 1, 127, 127, 127, 128, 128, 128, 254, 254, 254, 255, 255, 255},
          samples(img.bgr()));
    }
  }

  @Test
  void grayJpegBecomesBgrAsImreadColorGivesIt() {
    Path f = dir.resolve("gray.jpg");
    try (Mat gray = new Mat(8, 8, CV_8UC1, new Scalar(90))) {
      assertTrue(imwrite(f.toString(), gray));
    }
    try (Image img = Images.read(f);
        Mat ref = imread(f.toString(), IMREAD_COLOR)) {
      assertEquals(1, img.sourceChannels());
      assertArrayEquals(samples(ref), samples(img.bgr()));
      int[] s = samples(img.bgr());
      for (int i = 0; i < s.length; i += 3) {
        assertTrue(s[i] == s[i + 1] && s[i] == s[i + 2], "grey replicated");
      }
    }
  }

  @Test
  void colourJpegMatchesImreadColor() {
    Path f = dir.resolve("colour.JPEG");
    try (Mat m = gradient(16, 12)) {
      assertTrue(imwrite(f.toString(), m));
    }
    try (Image img = Images.read(f);
        Mat ref = imread(f.toString(), IMREAD_COLOR)) {
      assertEquals(3, img.sourceChannels());
      assertArrayEquals(samples(ref), samples(img.bgr()));
    }
  }

  @Test
  void bgraPngKeepsAlphaApart() {
    Path f = dir.resolve("rgba.png");
    try (Mat m = mat(CV_8UC4, 1, 2, 10, 20, 30, 0, 200, 150, 100, 255)) {
      assertTrue(imwrite(f.toString(), m));
    }
    try (Image img = Images.read(f)) {
      assertEquals(4, img.sourceChannels());
      assertArrayEquals(new int[] {10, 20, 30, 200, 150, 100}, samples(img.bgr()));
      assertArrayEquals(new int[] {0, 255}, samples(img.alpha().orElseThrow()));
      assertTrue(img.toString().contains("4 channels, 8-bit"), img.toString());
    }
  }

  @Test
  void sixteenBitGrayKeepsTheHighByte() {
    Path f = dir.resolve("gray16.png");
    try (Mat m = mat(CV_16UC1, 1, 4, 0x1234, 0x12FF, 0x00FF, 0xFFFF)) {
      assertTrue(imwrite(f.toString(), m));
    }
    try (Image img = Images.read(f)) {
      assertEquals(16, img.sourceBitDepth());
      assertEquals(1, img.sourceChannels());
      assertArrayEquals(
          new int[] {0x12, 0x12, 0x12, 0x12, 0x12, 0x12, 0, 0, 0, 0xFF, 0xFF, 0xFF},
          samples(img.bgr()));
    }
  }

  @Test
  void sixteenBitColourPngKeepsTheHighByte() {
    Path f = dir.resolve("colour16.png");
    try (Mat m = mat(CV_16UC3, 1, 2, 0x1234, 0xABFF, 0x0080, 0xFFFF, 0x0100, 0x7F7F)) {
      assertTrue(imwrite(f.toString(), m));
    }
    try (Image img = Images.read(f)) {
      assertEquals(16, img.sourceBitDepth());
      assertArrayEquals(new int[] {0x12, 0xAB, 0x00, 0xFF, 0x01, 0x7F}, samples(img.bgr()));
    }
  }

  @Test
  void sixteenBitAlphaKeepsTheHighByteForEveryValue() {
    // all 65536 alpha values, so the conversion is checked exhaustively
    Path f = dir.resolve("rgba16.png");
    try (Mat m = new Mat(256, 256, CV_16UC4)) {
      UShortIndexer ix = m.createIndexer();
      for (int y = 0; y < 256; y++) {
        for (int x = 0; x < 256; x++) {
          int v = y * 256 + x;
          ix.put(y, x, 0, v);
          ix.put(y, x, 1, 65535 - v);
          ix.put(y, x, 2, (v * 7) & 0xFFFF);
          ix.put(y, x, 3, v);
        }
      }
      ix.close();
      assertTrue(imwrite(f.toString(), m));
    }
    try (Image img = Images.read(f);
        Mat ref = imread(f.toString(), IMREAD_COLOR)) {
      assertEquals(4, img.sourceChannels());
      assertEquals(16, img.sourceBitDepth());
      assertArrayEquals(samples(ref), samples(img.bgr()));
      int[] alpha = samples(img.alpha().orElseThrow());
      for (int v = 0; v < 65536; v++) {
        assertEquals(v >> 8, alpha[v], "alpha of " + v);
      }
    }
  }

  @Test
  void sixteenBitTiffColourMatchesImreadColor() {
    // OpenCV's TIFF decoder rounds 16-bit colour (0x12FF gives 0x13) where its PNG decoder cuts:
    // the colour must come from OpenCV's own conversion, whatever the format
    Path f = dir.resolve("colour16.tif");
    try (Mat m = mat(CV_16UC3, 1, 2, 0x12FF, 0xED00, 0x0080, 0xFFFF, 0x01FF, 0x0FF0)) {
      assertTrue(imwrite(f.toString(), m));
    }
    try (Image img = Images.read(f);
        Mat ref = imread(f.toString(), IMREAD_COLOR)) {
      assertArrayEquals(samples(ref), samples(img.bgr()));
      assertEquals(16, img.sourceBitDepth());
    }
  }

  @Test
  void palettePngIsExpandedAndItsTransparencyKept() throws IOException {
    byte[] r = {0, (byte) 200, 10};
    byte[] g = {0, 100, (byte) 250};
    byte[] b = {0, 50, 30};
    Path opaque = dir.resolve("palette.png");
    ImageIO.write(indexed(new IndexColorModel(8, 3, r, g, b)), "png", opaque.toFile());
    try (Image img = Images.read(opaque)) {
      assertTrue(img.alpha().isEmpty());
      assertArrayEquals(new int[] {50, 100, 200, 30, 250, 10, 0, 0, 0}, samples(img.bgr()));
    }
    Path translucent = dir.resolve("palette-trns.png");
    byte[] a = {(byte) 255, 7, (byte) 128};
    ImageIO.write(indexed(new IndexColorModel(8, 3, r, g, b, a)), "png", translucent.toFile());
    try (Image img = Images.read(translucent)) {
      assertArrayEquals(new int[] {50, 100, 200, 30, 250, 10, 0, 0, 0}, samples(img.bgr()));
      assertArrayEquals(new int[] {7, 128, 255}, samples(img.alpha().orElseThrow()));
    }
  }

  @Test
  void jpegExifOrientationIsAppliedAsByImreadColor() throws IOException {
    Path f = dir.resolve("rotated.jpg");
    Files.write(f, withExifOrientation(jpeg(gradient(4, 2)), 6));
    try (Image img = Images.read(f);
        Mat ref = imread(f.toString(), IMREAD_COLOR)) {
      // orientation 6 turns a 4x2 picture into a 2x4 one
      assertEquals(2, img.width());
      assertEquals(4, img.height());
      assertArrayEquals(samples(ref), samples(img.bgr()));
    }
  }

  // ---- shared faces ----

  @Test
  void readsAnFfhqFace() {
    Path f = SharedData.require("faces/ffhq256/00000.png");
    try (Image img = Images.read(f);
        Mat ref = imread(f.toString(), IMREAD_COLOR)) {
      assertEquals(256, img.width());
      assertEquals(256, img.height());
      assertEquals(3, img.sourceChannels());
      assertTrue(img.alpha().isEmpty());
      assertArrayEquals(samples(ref), samples(img.bgr()));
    }
  }

  @Test
  void readsTheSolvayPhotographWithItsAlpha() {
    Path f = SharedData.require("faces/Solvay_conference_1927.png");
    try (Image img = Images.read(f);
        Mat ref = imread(f.toString(), IMREAD_COLOR);
        Mat stored = imread(f.toString(), IMREAD_UNCHANGED)) {
      assertEquals(1328, img.width());
      assertEquals(568, img.height());
      assertEquals(4, img.sourceChannels());
      assertArrayEquals(samples(ref), samples(img.bgr()));
      int[] all = samples(stored);
      int[] alpha = samples(img.alpha().orElseThrow());
      for (int i = 0; i < alpha.length; i++) {
        assertEquals(all[4 * i + 3], alpha[i]);
      }
    }
  }

  // ---- read errors ----

  @Test
  void missingFile() {
    assertReadFails(dir.resolve("nope.png"), "file not found");
  }

  @Test
  void folderGivenAsImage() throws IOException {
    assertReadFails(Files.createDirectory(dir.resolve("sub.png")), "is a folder, not a file");
  }

  @Test
  void emptyFile() throws IOException {
    assertReadFails(Files.createFile(dir.resolve("empty.png")), "file is empty");
  }

  @Test
  void textFile() throws IOException {
    Path f = Files.writeString(dir.resolve("notes.png"), "this is not a picture\n");
    assertReadFails(f, "not a readable image (corrupt, truncated or unsupported format)");
  }

  @Test
  void truncatedPng() throws IOException {
    byte[] bytes = gradientPng();
    Path half = Files.write(dir.resolve("half.png"), Arrays.copyOf(bytes, bytes.length / 2));
    assertReadFails(half, "not a readable image (PNG cut short in its IDAT chunk)");
    Path noEnd = Files.write(dir.resolve("no-end.png"), Arrays.copyOf(bytes, bytes.length - 12));
    assertReadFails(noEnd, "not a readable image (PNG cut short: no IEND chunk)");
  }

  /**
   * A damaged chunk is named by its CRC, before libpng sees it (libpng would print its own line to
   * the process's standard error).
   */
  @Test
  void pngWithADamagedChunk() throws IOException {
    byte[] bytes = gradientPng();
    bytes[29] ^= 1; // the CRC of IHDR
    Path damaged = Files.write(dir.resolve("damaged.png"), bytes);
    assertReadFails(damaged, "not a readable image (PNG damaged: CRC error in its IHDR chunk)");
  }

  /** The bytes of a 64x64 gradient written as PNG by OpenCV. */
  private byte[] gradientPng() throws IOException {
    Path whole = dir.resolve("whole.png");
    try (Mat m = gradient(64, 64)) {
      assertTrue(imwrite(whole.toString(), m));
    }
    return Files.readAllBytes(whole);
  }

  private static void assertReadFails(Path f, String why) {
    GpenException e = assertThrows(GpenException.class, () -> Images.read(f));
    assertEquals("cannot read image " + f + ": " + why, e.getMessage());
  }

  // ---- listing ----

  @Test
  void listsImageFilesSortedSkippingOthersAndHidden() throws IOException {
    for (String name :
        List.of(
            "b.png",
            "a.JPG",
            "c.jpeg",
            "d.bmp",
            "e.TIF",
            "f.tiff",
            "g.webp",
            "notes.txt",
            "png",
            ".hidden.png",
            "._a.jpg")) {
      Files.writeString(dir.resolve(name), "x");
    }
    Files.createDirectory(dir.resolve("folder.png"));
    Path sub = Files.createDirectory(dir.resolve("sub"));
    Files.writeString(sub.resolve("inner.png"), "x");
    Path hiddenSub = Files.createDirectory(dir.resolve(".cache"));
    Files.writeString(hiddenSub.resolve("cached.png"), "x");

    List<String> flat = names(dir, Images.list(dir));
    assertEquals(List.of("a.JPG", "b.png", "c.jpeg", "d.bmp", "e.TIF", "f.tiff", "g.webp"), flat);
    List<String> deep = names(dir, Images.list(dir, true));
    assertEquals(
        List.of("a.JPG", "b.png", "c.jpeg", "d.bmp", "e.TIF", "f.tiff", "g.webp", "sub/inner.png"),
        deep);
  }

  @Test
  void listingAFolderWithoutImagesNamesIt() throws IOException {
    Files.writeString(dir.resolve("readme.txt"), "x");
    GpenException e = assertThrows(GpenException.class, () -> Images.list(dir));
    assertTrue(
        e.getMessage().startsWith("cannot list images in " + dir + ": no .png, .jpg"),
        e.getMessage());
    assertThrows(GpenException.class, () -> Images.list(dir, true));
  }

  @Test
  void listingAMissingFolderOrAFile() throws IOException {
    Path missing = dir.resolve("missing");
    assertEquals(
        "cannot list images in " + missing + ": folder not found",
        assertThrows(GpenException.class, () -> Images.list(missing)).getMessage());
    Path file = Files.writeString(dir.resolve("file.png"), "x");
    assertEquals(
        "cannot list images in " + file + ": not a folder",
        assertThrows(GpenException.class, () -> Images.list(file)).getMessage());
  }

  // ---- writing ----

  @Test
  void pngWriteRoundTripsExactlyAndLeavesNoTemporaryFile() throws IOException {
    Path f = dir.resolve("out/result.png");
    try (Mat m = gradient(20, 10)) {
      Images.write(f, m);
      try (Image back = Images.read(f)) {
        assertArrayEquals(samples(m), samples(back.bgr()));
      }
    }
    try (Stream<Path> s = Files.list(f.getParent())) {
      assertEquals(List.of(f), s.toList());
    }
  }

  @Test
  void alphaIsWrittenBack() {
    Path f = dir.resolve("with-alpha.png");
    try (Image img = new Image(mat(CV_8UC3, 1, 2, 1, 2, 3, 4, 5, 6), mat(CV_8UC1, 1, 2, 9, 250))) {
      Images.write(f, img);
    }
    try (Mat stored = imread(f.toString(), IMREAD_UNCHANGED);
        Image back = Images.read(f)) {
      assertEquals(4, stored.channels());
      assertArrayEquals(new int[] {1, 2, 3, 9, 4, 5, 6, 250}, samples(stored));
      assertArrayEquals(new int[] {9, 250}, samples(back.alpha().orElseThrow()));
    }
  }

  @Test
  void jpegQualityIsPassedToTheEncoder() throws IOException {
    Path low = dir.resolve("low.jpg");
    Path high = dir.resolve("high.jpg");
    try (Mat m = gradient(64, 64);
        Mat a = new Mat(64, 64, CV_8UC1, new Scalar(128));
        Image img = new Image(m.clone(), a.clone())) {
      Images.write(low, m, 5);
      Images.write(high, img, 98);
    }
    assertTrue(Files.size(low) < Files.size(high), "quality 5 must give a smaller file");
    try (Mat stored = imread(high.toString(), IMREAD_UNCHANGED)) {
      assertEquals(3, stored.channels(), "JPEG cannot hold alpha: written without it");
    }
    try (Mat one = new Mat(1, 1, CV_8UC3, new Scalar(0))) {
      assertThrows(IllegalArgumentException.class, () -> Images.write(low, one, 101));
    }
  }

  @Test
  void unknownExtensionIsRefusedNamingTheFile() {
    Path f = dir.resolve("result.xyz");
    try (Mat m = gradient(2, 2)) {
      GpenException e = assertThrows(GpenException.class, () -> Images.write(f, m));
      assertTrue(
          e.getMessage().startsWith("cannot write " + f + ": unknown image type"), e.getMessage());
    }
    assertFalse(Files.exists(f));
  }

  @Test
  void unwritableDestinationNamesTheFile() throws IOException {
    // a regular file used as the folder: fails even for root, unlike a read-only folder
    Path notAFolder = Files.writeString(dir.resolve("plain"), "x");
    Path f = notAFolder.resolve("result.png");
    try (Mat m = gradient(2, 2)) {
      GpenException e = assertThrows(GpenException.class, () -> Images.write(f, m));
      assertTrue(e.getMessage().contains(notAFolder.toString()), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
  }

  @Test
  void encoderFailureNamesTheFile() {
    // /proc refuses new files even for root, so OpenCV's imwrite itself reports failure
    Path proc = Path.of("/proc");
    assumeTrue(Files.isDirectory(proc.resolve("self")), "needs Linux /proc");
    Path f = proc.resolve("gpen-image-test.png");
    try (Mat m = gradient(2, 2)) {
      GpenException e = assertThrows(GpenException.class, () -> Images.write(f, m));
      assertEquals(
          "cannot write " + f + ": OpenCV could not encode or save the image", e.getMessage());
    }
  }

  @Test
  void imageRefusesPlanesThatDoNotFit() {
    try (Mat bgr = gradient(2, 2);
        Mat small = new Mat(1, 2, CV_8UC1, new Scalar(0));
        Mat gray = new Mat(2, 2, CV_8UC1, new Scalar(0))) {
      assertThrows(IllegalArgumentException.class, () -> new Image(bgr, small));
      assertThrows(IllegalArgumentException.class, () -> new Image(gray, null));
    }
  }

  // ---- conversions ----

  @Test
  void conversions() {
    try (Mat bgr = mat(CV_8UC3, 1, 2, 1, 2, 3, 4, 5, 6);
        Mat rgb = Images.swapRedBlue(bgr);
        Mat gray = mat(CV_8UC1, 1, 2, 7, 200);
        Mat grayBgr = Images.grayToBgr(gray);
        Mat big = Images.resize(bgr, 4, 3, INTER_NEAREST);
        Mat source = gradient(8, 6);
        Mat linear = Images.resize(source, 4, 3, INTER_LINEAR)) {
      assertArrayEquals(new int[] {3, 2, 1, 6, 5, 4}, samples(rgb));
      assertArrayEquals(new int[] {7, 7, 7, 200, 200, 200}, samples(grayBgr));
      assertEquals(4, big.cols());
      assertEquals(3, big.rows());
      assertArrayEquals(
          new int[] {1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6}, Arrays.copyOf(samples(big), 12));
      assertEquals(4, linear.cols());
      assertEquals(3, linear.rows());
      // halving with bilinear interpolation averages each 2x2 block (pixel centres fall between)
      int[] src = samples(source);
      int expected = (src[0] + src[3] + src[8 * 3] + src[8 * 3 + 3] + 2) / 4;
      assertEquals(expected, samples(linear)[0]);
    }
  }

  // ---- helpers ----

  /** A small matrix of the given type filled row-major with {@code values}. */
  static Mat mat(int type, int rows, int cols, int... values) {
    Mat m = new Mat(rows, cols, type);
    int channels = m.channels();
    assertEquals(rows * cols * channels, values.length);
    if (m.depth() == 0) {
      UByteIndexer ix = m.createIndexer();
      for (int i = 0; i < values.length; i++) {
        ix.put(i / (cols * channels), (i / channels) % cols, i % channels, values[i]);
      }
      ix.close();
    } else {
      UShortIndexer ix = m.createIndexer();
      for (int i = 0; i < values.length; i++) {
        ix.put(i / (cols * channels), (i / channels) % cols, i % channels, values[i]);
      }
      ix.close();
    }
    return m;
  }

  /** A BGR image whose samples all differ a little from their neighbours. */
  static Mat gradient(int width, int height) {
    Mat m = new Mat(height, width, CV_8UC3);
    UByteIndexer ix = m.createIndexer();
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        ix.put(y, x, 0, (x * 255) / Math.max(1, width - 1));
        ix.put(y, x, 1, (y * 255) / Math.max(1, height - 1));
        ix.put(y, x, 2, (x * 37 + y * 11) & 0xFF);
      }
    }
    ix.close();
    return m;
  }

  /** All 8-bit samples, row-major, channels interleaved. */
  static int[] samples(Mat m) {
    assertEquals(0, m.depth(), "8-bit matrix expected");
    int channels = m.channels();
    int[] out = new int[m.rows() * m.cols() * channels];
    try (UByteIndexer ix = m.createIndexer()) {
      int i = 0;
      for (int y = 0; y < m.rows(); y++) {
        for (int x = 0; x < m.cols(); x++) {
          for (int c = 0; c < channels; c++) {
            out[i++] = ix.get(y, x, c);
          }
        }
      }
    }
    return out;
  }

  private static BufferedImage indexed(IndexColorModel palette) {
    BufferedImage img = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_INDEXED, palette);
    img.getRaster().setSample(0, 0, 0, 1);
    img.getRaster().setSample(1, 0, 0, 2);
    img.getRaster().setSample(2, 0, 0, 0);
    return img;
  }

  private static byte[] jpeg(Mat m) {
    try (m;
        BytePointer buf = new BytePointer()) {
      assertTrue(imencode(".jpg", m, buf));
      byte[] out = new byte[(int) buf.limit()];
      buf.get(out);
      return out;
    }
  }

  /** Inserts an APP1 Exif segment holding only an orientation tag after the JPEG's SOI marker. */
  private static byte[] withExifOrientation(byte[] jpeg, int orientation) {
    byte[] app1 = {
      (byte) 0xFF,
      (byte) 0xE1,
      0,
      34, // marker, length of what follows including these 2 bytes
      'E',
      'x',
      'i',
      'f',
      0,
      0,
      'M',
      'M',
      0,
      42,
      0,
      0,
      0,
      8, // big-endian TIFF header, first IFD at offset 8
      0,
      1, // one entry
      0x01,
      0x12,
      0,
      3,
      0,
      0,
      0,
      1,
      0,
      (byte) orientation,
      0,
      0, // Orientation, SHORT, count 1
      0,
      0,
      0,
      0 // no next IFD
    };
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, 2);
    out.write(app1, 0, app1.length);
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }

  private static List<String> names(Path root, List<Path> files) {
    return files.stream().map(p -> root.relativize(p).toString()).toList();
  }
}
