package io.gpen.data;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/** Small face-like test images: real FFHQ faces from ../shared when present, else drawn ones. */
public final class TestFaces {
  private TestFaces() {}

  /**
   * Writes {@code n} images (n ≤ 10) into {@code dir}: copies of {@code
   * ../shared/faces/ffhq256/0000i.png} when that folder exists, otherwise drawn pictures.
   */
  public static Path folder(Path dir, int n) {
    Path ffhq = SharedData.root().resolve("faces/ffhq256");
    try {
      Files.createDirectories(dir);
      for (int i = 0; i < n; i++) {
        Path source = ffhq.resolve(String.format("%05d.png", i));
        Path target = dir.resolve(String.format("face%02d.png", i));
        if (Files.isRegularFile(source)) {
          Files.copy(source, target);
        } else {
          draw(target, 96, 80, i);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  /**
   * Draws a picture with smooth regions, edges and fine texture (so that blur, noise and JPEG all
   * change it), different for every {@code seed}; the format follows the file name.
   */
  public static void draw(Path file, int width, int height, int seed) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Random rng = new Random(seed);
    try (Mat m =
        new Mat(
            height,
            width,
            CV_8UC3,
            new Scalar(rng.nextInt(200), rng.nextInt(200), rng.nextInt(200), 0))) {
      for (int k = 0; k < 6; k++) {
        try (Point c = new Point(rng.nextInt(width), rng.nextInt(height));
            Scalar colour = new Scalar(rng.nextInt(256), rng.nextInt(256), rng.nextInt(256), 0)) {
          opencv_imgproc.circle(m, c, 5 + rng.nextInt(width / 3), colour, -1, 8, 0);
        }
      }
      try (BytePointer px = m.data()) {
        for (long i = 0; i < (long) width * height * 3; i += 7) {
          int v = (px.get(i) & 0xFF) + rng.nextInt(41) - 20;
          px.put(i, (byte) Math.max(0, Math.min(255, v)));
        }
      }
      try (Size k = new Size(3, 3)) {
        opencv_imgproc.GaussianBlur(m, m, k, 0.6);
      }
      assertTrue(imwrite(file.toString(), m), "cannot write test image " + file);
    }
  }
}
