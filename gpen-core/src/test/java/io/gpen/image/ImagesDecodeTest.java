package io.gpen.image;

import static io.gpen.image.ImagesTest.gradient;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Images decoded from memory (uploads) exactly as from files, and the size a header declares. */
class ImagesDecodeTest {
  @TempDir Path dir;

  private static byte[] pixels(Mat m) {
    byte[] b = new byte[(int) (m.total() * m.channels())];
    try (Mat c = m.clone()) {
      c.data().get(b);
    }
    return b;
  }

  @Test
  void decodesBytesAsReadDecodesTheFile() throws IOException {
    Path grey = dir.resolve("grey.png");
    Path alpha = dir.resolve("alpha.png");
    Path jpeg = dir.resolve("colour.jpg");
    try (Mat bgr = gradient(41, 29);
        Mat g = new Mat();
        Mat a = new Mat(29, 41, CV_8UC1, Scalar.all(77));
        MatVector planes = new MatVector(bgr, a);
        Mat bgra = new Mat()) {
      org.bytedeco.opencv.global.opencv_imgproc.cvtColor(
          bgr, g, org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY);
      opencv_core.merge(planes, bgra);
      assertTrue(imwrite(grey.toString(), g));
      assertTrue(imwrite(alpha.toString(), bgra));
      assertTrue(imwrite(jpeg.toString(), bgr));
    }
    for (Path f : new Path[] {grey, alpha, jpeg}) {
      try (Image fromFile = Images.read(f);
          Image fromBytes = Images.decode(Files.readAllBytes(f), "upload", 10_000)) {
        assertEquals(fromFile.sourceChannels(), fromBytes.sourceChannels(), f.toString());
        assertEquals(fromFile.sourceBitDepth(), fromBytes.sourceBitDepth());
        assertArrayEquals(pixels(fromFile.bgr()), pixels(fromBytes.bgr()), f.toString());
        assertEquals(fromFile.alpha().isPresent(), fromBytes.alpha().isPresent());
        if (fromFile.alpha().isPresent()) {
          assertArrayEquals(pixels(fromFile.alpha().get()), pixels(fromBytes.alpha().get()));
        }
      }
    }
  }

  @Test
  void refusesWhatIsNotAnImageOrTooLargeNamingTheSource() throws IOException {
    GpenException empty =
        assertThrows(GpenException.class, () -> Images.decode(new byte[0], "upload a.png", 100));
    assertEquals("cannot read image upload a.png: no bytes", empty.getMessage());
    GpenException text =
        assertThrows(GpenException.class, () -> Images.decode("hello".getBytes(), "upload", 100));
    assertTrue(
        text.getMessage().startsWith("cannot read image upload: not a readable image"),
        text.getMessage());
    Path f = dir.resolve("a.png");
    try (Mat m = gradient(20, 10)) {
      assertTrue(imwrite(f.toString(), m));
    }
    GpenException large =
        assertThrows(
            GpenException.class, () -> Images.decode(Files.readAllBytes(f), "upload", 199));
    assertEquals(
        "cannot read image upload: PNG of 20x10 pixels (200), more than the limit of 199",
        large.getMessage());
  }

  @Test
  void declaresTheSizeWithoutDecoding() throws IOException {
    Path f = dir.resolve("a.png");
    try (Mat m = gradient(33, 17)) {
      assertTrue(imwrite(f.toString(), m));
    }
    byte[] bytes = Files.readAllBytes(f);
    try (BytePointer data = new BytePointer(bytes)) {
      assertEquals(Optional.of(new Images.DeclaredSize("PNG", 33, 17)), Images.declaredSize(data));
      assertEquals(561, Images.declaredSize(data).orElseThrow().pixels());
    }
    // a header alone, declaring 50000 x 50000: the size is known, nothing is decoded
    ByteBuffer header = ByteBuffer.allocate(24).put(bytes, 0, 16).putInt(50_000).putInt(50_000);
    try (BytePointer data = new BytePointer(header.array())) {
      assertEquals(2_500_000_000L, Images.declaredSize(data).orElseThrow().pixels());
    }
    try (BytePointer text = new BytePointer("not an image".getBytes());
        BytePointer none = new BytePointer(0L)) {
      assertEquals(Optional.empty(), Images.declaredSize(text));
      assertEquals(Optional.empty(), Images.declaredSize(none));
    }
    assertEquals(Long.MAX_VALUE, new Images.DeclaredSize("TIFF", Long.MAX_VALUE / 2, 3).pixels());
  }
}
