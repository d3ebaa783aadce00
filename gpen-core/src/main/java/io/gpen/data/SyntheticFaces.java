package io.gpen.data;

import static org.bytedeco.opencv.global.opencv_imgproc.FILLED;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.ellipse;
import static org.bytedeco.opencv.global.opencv_imgproc.line;

import io.gpen.image.Images;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Drawn, face-like images for a machine that has no face photographs: a head, hair, eyes, brows,
 * nose and mouth placed at GPEN's alignment template (as an aligned crop would have them), with
 * random tones, proportions and a little texture. They let the training, export, inference and
 * evaluation chain run end to end without downloads; they are not a training set.
 */
public final class SyntheticFaces {
  private SyntheticFaces() {}

  /**
   * Writes {@code count} PNG images {@code face_000.png}, ... of {@code size}×{@code size} into
   * {@code dir}; the same seed gives the same images.
   */
  public static List<Path> write(Path dir, int count, int size, long seed) {
    List<Path> files = new ArrayList<>();
    SplittableRandom root = new SplittableRandom(seed);
    for (int i = 0; i < count; i++) {
      Path file = dir.resolve(String.format("face_%03d.png", i));
      try (Mat face = draw(size, root.split())) {
        Images.write(file, face);
      }
      files.add(file);
    }
    return files;
  }

  /** One face, drawn at 256 px (the template's scale) and resized to {@code size}. */
  static Mat draw(int size, SplittableRandom r) {
    int s = 256;
    Mat img = new Mat(s, s, opencv_core.CV_8UC3, tone(r, 40, 200));
    Scalar skin = new Scalar(60 + r.nextInt(80), 110 + r.nextInt(70), 150 + r.nextInt(90), 0);
    Scalar hair = tone(r, 10, 120);
    Scalar dark = new Scalar(30 + r.nextInt(30), 30 + r.nextInt(30), 40 + r.nextInt(40), 0);
    int cx = 128 + r.nextInt(-4, 5);
    int headW = 70 + r.nextInt(15);
    int headH = 92 + r.nextInt(15);
    ellipse(
        img,
        new Point(cx, 118),
        new Size(headW + 12, headH),
        0,
        180,
        360,
        hair,
        FILLED,
        LINE_AA,
        0);
    ellipse(img, new Point(cx, 140), new Size(headW, headH), 0, 0, 360, skin, FILLED, LINE_AA, 0);
    ellipse(img, new Point(cx, 62), new Size(headW + 4, 32), 0, 180, 360, hair, FILLED, LINE_AA, 0);
    // eyes, brows, nose and mouth around the 256-px template points
    int eyeY = 121 + r.nextInt(-3, 4);
    for (int ex : new int[] {101, 155}) {
      ellipse(
          img,
          new Point(ex, eyeY),
          new Size(13, 6),
          0,
          0,
          360,
          new Scalar(235, 235, 235, 0),
          FILLED,
          LINE_AA,
          0);
      ellipse(img, new Point(ex, eyeY), new Size(5, 5), 0, 0, 360, dark, FILLED, LINE_AA, 0);
      line(img, new Point(ex - 14, eyeY - 14), new Point(ex + 14, eyeY - 16), hair, 4, LINE_AA, 0);
    }
    line(img, new Point(cx, 130), new Point(cx - 6, 155), dark, 2, LINE_AA, 0);
    int mouthY = 183 + r.nextInt(-3, 4);
    ellipse(
        img,
        new Point(cx, mouthY),
        new Size(22, 6 + r.nextInt(5)),
        0,
        0,
        180,
        new Scalar(70, 60, 170 + r.nextInt(60), 0),
        3,
        LINE_AA,
        0);
    // a little texture: uniform noise of ±6 levels
    try (Mat noise = new Mat(s, s, opencv_core.CV_8UC3);
        Mat low = new Mat(1, 1, opencv_core.CV_64F, new Scalar(0));
        Mat high = new Mat(1, 1, opencv_core.CV_64F, new Scalar(13))) {
      opencv_core.setRNGSeed(r.nextInt());
      opencv_core.randu(noise, low, high);
      opencv_core.add(img, noise, img);
      img.convertTo(img, -1, 1, -6);
    }
    opencv_imgproc.GaussianBlur(img, img, new Size(3, 3), 0);
    if (size == s) {
      return img;
    }
    Mat out =
        Images.resize(
            img, size, size, size < s ? opencv_imgproc.INTER_AREA : opencv_imgproc.INTER_LINEAR);
    img.close();
    return out;
  }

  private static Scalar tone(SplittableRandom r, int min, int max) {
    return new Scalar(r.nextInt(min, max), r.nextInt(min, max), r.nextInt(min, max), 0);
  }
}
