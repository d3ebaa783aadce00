package io.gpen.image;

import static io.gpen.image.ImagesTest.gradient;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC4;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_WEBP_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The size an image's header declares, and the pixel limit checked against it before decoding. */
class ImageHeadersTest {
  @TempDir Path dir;

  @ParameterizedTest
  @CsvSource({
    "a.png, 0, PNG",
    "a.jpg, 0, JPEG",
    "a.bmp, 0, BMP",
    "a.tif, 0, TIFF",
    "lossy.webp, 90, WebP",
    "lossless.webp, 101, WebP",
  })
  void everyFormatDeclaresTheSizeOpenCvDecodes(String name, int webpQuality, String format)
      throws IOException {
    for (boolean alpha : new boolean[] {false, true}) {
      Path f = dir.resolve((alpha ? "alpha_" : "") + name);
      try (Mat bgr = gradient(37, 23);
          Mat m = alpha ? withAlpha(bgr) : bgr.clone()) {
        int[] params = webpQuality > 0 ? new int[] {IMWRITE_WEBP_QUALITY, webpQuality} : new int[0];
        assertTrue(imwrite(f.toString(), m, params));
      }
      ImageHeaders.Size size = read(Files.readAllBytes(f));
      assertEquals(new ImageHeaders.Size(format, 37, 23), size, f.getFileName().toString());
      try (Image img = Images.read(f)) {
        assertEquals(37, img.width());
        assertEquals(23, img.height());
      }
    }
  }

  private static Mat withAlpha(Mat bgr) {
    Mat bgra = new Mat(bgr.rows(), bgr.cols(), CV_8UC4, new Scalar(0, 0, 0, 200));
    org.bytedeco.opencv.global.opencv_imgproc.cvtColor(
        bgr, bgra, org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2BGRA);
    return bgra;
  }

  @Test
  void headersWrittenByHandAreRead() {
    // big-endian TIFF, one directory entry of each size type; BigTIFF with LONG8 values
    ByteBuffer tiff = ByteBuffer.allocate(8 + 2 + 2 * 12).order(ByteOrder.BIG_ENDIAN);
    tiff.put(new byte[] {'M', 'M', 0, 42}).putInt(8).putShort((short) 2);
    tiff.putShort((short) 256)
        .putShort((short) 3)
        .putInt(1)
        .putShort((short) 640)
        .putShort((short) 0);
    tiff.putShort((short) 257).putShort((short) 4).putInt(1).putInt(480);
    assertEquals(new ImageHeaders.Size("TIFF", 640, 480), read(tiff.array()));
    ByteBuffer big = ByteBuffer.allocate(16 + 8 + 2 * 20).order(ByteOrder.LITTLE_ENDIAN);
    big.put(new byte[] {'I', 'I', 43, 0, 8, 0, 0, 0}).putLong(16).putLong(2);
    big.putShort((short) 256).putShort((short) 16).putLong(1).putLong(3_000_000_000L);
    big.putShort((short) 257).putShort((short) 16).putLong(1).putLong(3_000_000_000L);
    ImageHeaders.Size huge = read(big.array());
    assertEquals(new ImageHeaders.Size("TIFF", 3_000_000_000L, 3_000_000_000L), huge);
    assertEquals(Long.MAX_VALUE, new ImageHeaders.Size("TIFF", Long.MAX_VALUE / 2, 3).pixels());
    // a top-down BMP declares a negative height; an OS/2 one 16-bit sizes
    ByteBuffer bmp = ByteBuffer.allocate(54).order(ByteOrder.LITTLE_ENDIAN);
    bmp.put(new byte[] {'B', 'M'}).position(14);
    bmp.putInt(40).putInt(300).putInt(-200);
    assertEquals(new ImageHeaders.Size("BMP", 300, 200), read(bmp.array()));
    bmp.putInt(14, 12).putShort(18, (short) 5).putShort(20, (short) 7);
    assertEquals(new ImageHeaders.Size("BMP", 5, 7), read(bmp.array()));
  }

  @Test
  void damagedAndUnknownHeadersGiveNoSize() throws IOException {
    byte[] png = png(16, 16, new byte[0]);
    for (int cut = 0; cut < 24; cut++) {
      assertNull(read(Arrays.copyOf(png, cut)), "PNG cut at " + cut);
    }
    // a JPEG whose first scan comes before any frame header
    assertNull(read(new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xda, 0, 2}));
    assertNull(read("P6\n2 2\n255\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
  }

  @Test
  void aSmallPngDeclaringTwentyThousandSquareIsRefusedBeforeDecoding() throws IOException {
    // a valid 1-bit grey PNG of 20000 x 20000 zeros: about 50 KB on disk, 400 MB once decoded
    int side = 20000;
    int row = 1 + side / 8;
    ByteArrayOutputStream idat = new ByteArrayOutputStream();
    try (DeflaterOutputStream z = new DeflaterOutputStream(idat, new Deflater(9))) {
      byte[] zeros = new byte[row * 100];
      for (int i = 0; i < side / 100; i++) {
        z.write(zeros);
      }
    }
    Path f = Files.write(dir.resolve("bomb.png"), png(side, side, idat.toByteArray()));
    assertTrue(Files.size(f) < 1_000_000, "small on disk: " + Files.size(f));
    GpenException e = assertThrows(GpenException.class, () -> Images.read(f));
    assertEquals(
        "cannot read image "
            + f
            + ": PNG of 20000x20000 pixels (400000000), more than the"
            + " limit of 120000000",
        e.getMessage());
  }

  @Test
  void theLimitIsAParameter() throws IOException {
    Path f = dir.resolve("ten.png");
    try (Mat m = gradient(10, 10)) {
      assertTrue(imwrite(f.toString(), m));
    }
    GpenException e = assertThrows(GpenException.class, () -> Images.read(f, 99));
    assertEquals(
        "cannot read image " + f + ": PNG of 10x10 pixels (100), more than the limit of 99",
        e.getMessage());
    try (Image img = Images.read(f, 100)) {
      assertEquals(10, img.width());
    }
    assertThrows(IllegalArgumentException.class, () -> Images.read(f, 0));
  }

  @Test
  void formatsBeyondTheFiveAreRefused() throws IOException {
    // OpenCV would decode these; their sizes are not checked, so they are not read at all
    for (String name : new String[] {"a.ppm", "a.ras", "a.pfm"}) {
      Path f = dir.resolve(name);
      try (Mat m = gradient(8, 8)) {
        if (name.endsWith(".pfm")) {
          m.convertTo(m, org.bytedeco.opencv.global.opencv_core.CV_32FC3);
        }
        assertTrue(imwrite(f.toString(), m), name);
      }
      GpenException e = assertThrows(GpenException.class, () -> Images.read(f));
      assertEquals(
          "cannot read image "
              + f
              + ": not a readable image (corrupt, truncated or"
              + " unsupported format)",
          e.getMessage());
    }
  }

  private static ImageHeaders.Size read(byte[] bytes) {
    return ImageHeaders.read(ByteBuffer.wrap(bytes));
  }

  /** A grey 1-bit PNG with the given IDAT data. */
  static byte[] png(int width, int height, byte[] idat) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    ByteBuffer ihdr =
        ByteBuffer.allocate(13)
            .putInt(width)
            .putInt(height)
            .put((byte) 1)
            .put((byte) 0)
            .put((byte) 0)
            .put((byte) 0)
            .put((byte) 0);
    chunk(out, "IHDR", ihdr.array());
    chunk(out, "IDAT", idat);
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data)
      throws IOException {
    byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    out.write(ByteBuffer.allocate(4).putInt(data.length).array());
    out.write(t);
    out.write(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }
}
