package io.gpen.image;

import static io.gpen.image.ImagesTest.gradient;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gpen.GpenException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Images encoded in memory are the bytes {@link Images#write} writes to files of that type. */
class ImagesEncodeTest {
  @TempDir Path dir;

  private static byte[] bytes(BytePointer p) {
    try (p) {
      byte[] b = new byte[(int) p.limit()];
      p.get(b);
      return b;
    }
  }

  @Test
  void encodedBytesAreThoseWrittenToAFile() throws IOException {
    try (Mat bgr = gradient(37, 23);
        Mat grey = new Mat();
        Image withAlpha = new Image(gradient(37, 23), new Mat(23, 37, CV_8UC1, Scalar.all(90)))) {
      opencv_imgproc.cvtColor(bgr, grey, opencv_imgproc.COLOR_BGR2GRAY);
      Images.write(dir.resolve("bgr.png"), bgr);
      Images.write(dir.resolve("grey.png"), grey);
      Images.write(dir.resolve("alpha.png"), withAlpha);
      Images.write(dir.resolve("photo.jpg"), bgr, 95);
      assertArrayEquals(
          Files.readAllBytes(dir.resolve("bgr.png")), bytes(Images.encode(bgr, ".png")));
      assertArrayEquals(
          Files.readAllBytes(dir.resolve("grey.png")), bytes(Images.encode(grey, ".png")));
      assertArrayEquals(
          Files.readAllBytes(dir.resolve("alpha.png")), bytes(Images.encode(withAlpha, ".png")));
      assertArrayEquals(
          Files.readAllBytes(dir.resolve("photo.jpg")), bytes(Images.encode(bgr, ".jpg", 95)));
      GpenException unknown = assertThrows(GpenException.class, () -> Images.encode(bgr, ".xyz"));
      assertEquals(
          "cannot encode an image as '.xyz': unknown image type (use .png, .jpg, .bmp, .tif or .webp)",
          unknown.getMessage());
    }
  }
}
