package io.gpen.face;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.api.FaceRestorer;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.parse.FaceParser;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

class FaceEnhancerTest {
  static final int W = 480;
  static final int H = 360;

  /** A restorer made up for a test: nothing to describe or to free. */
  abstract static class MadeUpRestorer implements FaceRestorer {
    @Override
    public String description() {
      return "made up for a test";
    }

    @Override
    public void close() {}
  }

  /** Gives back each aligned face unchanged. */
  static FaceRestorer identity(int size) {
    return new MadeUpRestorer() {
      @Override
      public int size() {
        return size;
      }

      @Override
      public List<Mat> restore(List<Mat> faces) {
        List<Mat> out = new ArrayList<>();
        for (Mat f : faces) {
          assertEquals(size, f.cols());
          assertEquals(size, f.rows());
          out.add(f.clone());
        }
        return out;
      }
    };
  }

  /** Gives back face k painted in the grey level levels[k]. */
  static FaceRestorer painter(int size, int... levels) {
    return new MadeUpRestorer() {
      @Override
      public int size() {
        return size;
      }

      @Override
      public List<Mat> restore(List<Mat> faces) {
        assertEquals(levels.length, faces.size(), "one batch with every face");
        List<Mat> out = new ArrayList<>();
        for (int k = 0; k < faces.size(); k++) {
          out.add(new Mat(size, size, CV_8UC3, Scalar.all(levels[k])));
        }
        return out;
      }
    };
  }

  /**
   * A face whose landmarks sit where the template puts them in a side×side crop, rotated by {@code
   * degrees} about the crop's centre and placed with its top-left corner at (x, y).
   */
  static DetectedFace face(double x, double y, int side, double degrees) {
    double[] t = FaceTemplate.forSize(side);
    double c = Math.cos(Math.toRadians(degrees));
    double s = Math.sin(Math.toRadians(degrees));
    double[] p = new double[t.length];
    for (int i = 0; i < t.length; i += 2) {
      double u = t[i] - side / 2.0;
      double v = t[i + 1] - side / 2.0;
      p[i] = x + side / 2.0 + c * u - s * v;
      p[i + 1] = y + side / 2.0 + s * u + c * v;
    }
    return new DetectedFace(x, y, x + side, y + side, 0.99, p);
  }

  /**
   * A smooth photo: 128 + 50·sin(2πx/48)·cos(2πy/40) + a gentle ramp, per channel shifted. Its
   * curvature is at most about 50·(2π/40)² ≈ 1.2 levels per pixel², so one bilinear resampling
   * (error ≤ h²/8·|f''| with h ≤ 1 photo pixel) moves it by under 0.2 levels.
   */
  static Mat smoothPhoto() {
    Mat m = new Mat(H, W, CV_8UC3);
    try (UByteIndexer ix = m.createIndexer()) {
      for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) {
          for (int ch = 0; ch < 3; ch++) {
            double v =
                128
                    + 50
                        * Math.sin(2 * Math.PI * (x + 7 * ch) / 48)
                        * Math.cos(2 * Math.PI * y / 40)
                    + 0.05 * (x - y);
            ix.put(y, x, ch, (int) Math.round(v));
          }
        }
      }
    }
    return m;
  }

  @Test
  void anIdentityRestorerLeavesThePhotoAlmostUnchanged() {
    // a big face (no small-face smoothing) and a small, rotated, overlapping one (smoothed)
    List<DetectedFace> faces = List.of(face(60, 40, 220, 0), face(250, 150, 90, 20));
    try (Mat photo = smoothPhoto();
        FaceEnhancer enhancer = new FaceEnhancer(identity(256), 1.0);
        FaceEnhancer.Result r = enhancer.enhance(photo, faces)) {
      assertEquals(2, r.faces().size());
      assertEquals(W, r.image().cols());
      assertEquals(H, r.image().rows());
      int outside = 0;
      int inside = 0;
      int maxInside = 0;
      try (UByteIndexer in = photo.createIndexer();
          UByteIndexer out = r.image().createIndexer();
          FloatIndexer mask = r.mask().createIndexer()) {
        for (int y = 0; y < H; y++) {
          for (int x = 0; x < W; x++) {
            float m = mask.get(y, x);
            assertTrue(m >= 0 && m <= 1.0001f, "mask " + m);
            for (int ch = 0; ch < 3; ch++) {
              int d = Math.abs(in.get(y, x, ch) - out.get(y, x, ch));
              if (m == 0) {
                outside++;
                assertTrue(d <= 2, "outside the faces at " + x + "," + y + ": " + d);
              } else {
                inside++;
                maxInside = Math.max(maxInside, d);
              }
            }
          }
        }
      }
      assertTrue(outside > 0.3 * 3 * W * H && inside > 0.2 * 3 * W * H, outside + " / " + inside);
      // Inside: two bilinear resamplings (< 0.2 each on this photo), the 3×3 binomial smoothing of
      // the small face (its variance of 1/2 crop pixel² per axis, at 256/90 crop pixels per photo
      // pixel, moves a curvature of 1.2 by about 0.1), and three roundings to 8 bits (0.5 each).
      assertTrue(maxInside <= 3, "largest change inside the faces: " + maxInside);
    }
  }

  @Test
  void overlappingFacesAreComposedByTheStrongerMask() {
    // B sits inside A's full-strength area: A's mask is 1 there, B's never more, so A stays.
    // C overlaps A's feathered edge only: at C's centre C is stronger and wins.
    DetectedFace a = face(40, 40, 200, 0);
    DetectedFace b = face(110, 110, 60, 0);
    DetectedFace c = face(190, 60, 200, 10);
    try (Mat photo = new Mat(H, W, CV_8UC3, Scalar.all(100));
        FaceEnhancer enhancer = new FaceEnhancer(painter(128, 20, 60, 230), 1.0);
        FaceEnhancer.Result r = enhancer.enhance(photo, List.of(a, b, c));
        UByteIndexer out = r.image().createIndexer()) {
      assertEquals(20, out.get(140, 140, 1), "B, inside A, keeps A");
      assertEquals(20, out.get(140, 70, 0), "A where C does not reach");
      assertEquals(230, out.get(160, 290, 2), "C at its centre");
      assertEquals(100, out.get(H - 3, W - 3, 0), "the photo away from all faces");
    }
  }

  /** Gives back {@code face} (a copy) for every face. */
  static FaceRestorer fixed(Mat face) {
    return new MadeUpRestorer() {
      @Override
      public int size() {
        return face.cols();
      }

      @Override
      public List<Mat> restore(List<Mat> faces) {
        List<Mat> out = new ArrayList<>();
        for (int k = 0; k < faces.size(); k++) {
          out.add(face.clone());
        }
        return out;
      }
    };
  }

  @Test
  void theParsersMaskComesFromTheRawRestorationAndIsWarpedBackWithIt() {
    // a small face (smoothed before pasting) blended at alpha 0.25: the mask must be the parse of
    // the restoration as the model gave it, not of what is pasted
    int size = 64;
    try (FaceParser parser = FaceParser.load(SharedData.require("golden/parsenet_small.pth"));
        Image ffhq = Images.read(SharedData.require("faces/ffhq256/00000.png"));
        Mat restoredFace = Images.resize(ffhq.bgr(), size, size, opencv_imgproc.INTER_LINEAR);
        Mat photo = smoothPhoto();
        FaceEnhancer enhancer = new FaceEnhancer(fixed(restoredFace), 0.25, parser);
        FaceEnhancer.Result r = enhancer.enhance(photo, List.of(face(100, 80, size, 0)));
        Mat expected = parser.pasteMask(restoredFace, size);
        Mat pasted = new Mat(r.image(), new Rect(100, 80, size, size)).clone();
        Mat pastedMask = parser.pasteMask(pasted, size);
        FloatIndexer want = expected.createIndexer();
        FloatIndexer other = pastedMask.createIndexer();
        FloatIndexer got = r.mask().createIndexer()) {
      double maxDiff = 0;
      double fromPasted = 0;
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          maxDiff = Math.max(maxDiff, Math.abs(want.get(y, x) - got.get(80 + y, 100 + x)));
          fromPasted = Math.max(fromPasted, Math.abs(other.get(y, x) - got.get(80 + y, 100 + x)));
        }
      }
      assertTrue(maxDiff < 1e-4, "the raw restoration's mask, shifted into place: " + maxDiff);
      assertTrue(fromPasted > 0.05, "a mask of the pasted face would differ: " + fromPasted);
      assertEquals(0f, got.get(10, 10), "nothing far from the face");
    }
  }

  @Test
  void alphaBlendsTheRestorationWithTheAlignedFace() {
    try (Mat photo = new Mat(H, W, CV_8UC3, Scalar.all(100));
        FaceEnhancer enhancer = new FaceEnhancer(painter(128, 200), 0.25);
        FaceEnhancer.Result r = enhancer.enhance(photo, List.of(face(100, 80, 200, 0)));
        UByteIndexer out = r.image().createIndexer()) {
      assertEquals(125, out.get(180, 200, 0), "0.25·200 + 0.75·100");
    }
  }

  @Test
  void withoutUsableFacesThePhotoComesBackUnchanged() {
    double[] same = new double[10];
    java.util.Arrays.fill(same, 50);
    DetectedFace degenerate = new DetectedFace(40, 40, 60, 60, 0.95, same);
    try (Mat photo = smoothPhoto();
        FaceEnhancer enhancer = new FaceEnhancer(painter(64), 1.0);
        FaceEnhancer.Result none = enhancer.enhance(photo, List.of());
        FaceEnhancer.Result bad = enhancer.enhance(photo, List.of(degenerate))) {
      for (FaceEnhancer.Result r : List.of(none, bad)) {
        assertEquals(
            0,
            org.bytedeco.opencv.global.opencv_core.norm(
                photo, r.image(), org.bytedeco.opencv.global.opencv_core.NORM_INF, new Mat()));
        assertTrue(r.faces().isEmpty());
      }
      assertEquals(1, bad.skipped());
    }
  }

  @Test
  void theMaskIsTheReferenceRectangleScaledWithTheModel() {
    try (Mat m512 = FaceEnhancer.buildMask(512);
        Mat m256 = FaceEnhancer.buildMask(256);
        FloatIndexer a = m512.createIndexer();
        FloatIndexer b = m256.createIndexer()) {
      assertEquals(1.0, a.get(256, 256), 1e-6);
      assertEquals(0.0, a.get(0, 0), 1e-6);
      assertEquals(0.0, a.get(256, 2), 1e-4);
      // the blurred edge: half strength at the border line of the ones (26 px in)
      assertEquals(0.5, a.get(256, 26), 0.05);
      assertEquals(1.0, a.get(256, 60), 1e-4);
      // at 256 everything sits at half the distance
      assertEquals(a.get(256, 26), b.get(128, 13), 0.05);
      assertEquals(1.0, b.get(128, 128), 1e-6);
    }
  }

  /** Composing in bands of rows gives the same bytes as composing the whole photo at once. */
  @Test
  void composingInBandsIsComposingAtOnce() {
    int w = 97;
    int h = 61;
    try (Mat photo = new Mat(h, w, CV_8UC3);
        Mat faces = new Mat(h, w, CV_8UC3);
        Mat mask = new Mat(h, w, org.bytedeco.opencv.global.opencv_core.CV_32F)) {
      try (UByteIndexer p = photo.createIndexer();
          UByteIndexer f = faces.createIndexer();
          FloatIndexer m = mask.createIndexer()) {
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            for (int c = 0; c < 3; c++) {
              p.put(y, x, c, (7 * x + 3 * y + 50 * c) % 256);
              f.put(y, x, c, (11 * x + 5 * y + 90 * c) % 256);
            }
            m.put(y, x, ((x * y) % 17) / 16f);
          }
        }
      }
      try (Mat whole = FaceEnhancer.compose(photo, faces, mask, w * h);
          Mat banded = FaceEnhancer.compose(photo, faces, mask, 5 * w + 3)) {
        assertEquals(
            0,
            org.bytedeco.opencv.global.opencv_core.norm(
                whole, banded, org.bytedeco.opencv.global.opencv_core.NORM_INF, new Mat()));
        // not a copy of either input
        assertTrue(
            org.bytedeco.opencv.global.opencv_core.norm(
                    whole, photo, org.bytedeco.opencv.global.opencv_core.NORM_INF, new Mat())
                > 0);
      }
    }
  }
}
