package io.gpen.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.Performance;
import io.gpen.SharedData;
import io.gpen.bench.PeakMemory;
import io.gpen.image.Image;
import io.gpen.image.Images;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

class RestorerTest {
  static double maxDiff(Mat a, Mat b) {
    try (Mat d = new Mat()) {
      opencv_core.absdiff(a, b, d);
      double[] max = new double[1];
      opencv_core.minMaxLoc(d.reshape(1), null, max, null, null, null);
      return max[0];
    }
  }

  @Test
  void fastPathAndReferencePathGiveTheSameImagesInAnyBatching() {
    Path weights = SharedData.require("golden/gpen64.pth");
    List<Image> faces = new ArrayList<>();
    for (String n : new String[] {"00000", "00001", "00002"}) {
      faces.add(Images.read(SharedData.require("faces/ffhq256/" + n + ".png")));
    }
    List<Mat> inputs = faces.stream().map(Image::bgr).toList();
    try (Restorer fast = Restorer.builder().weights(weights).batchSize(2).build();
        Restorer reference = Restorer.builder().weights(weights).referencePath(true).build()) {
      assertEquals(64, fast.size());
      List<Mat> a = fast.restore(inputs);
      List<Mat> b = reference.restore(inputs);
      for (int i = 0; i < inputs.size(); i++) {
        // float differences of 1e-5 can move a truncated 8-bit value by one level
        assertTrue(maxDiff(a.get(i), b.get(i)) <= 1, "face " + i);
        try (Mat single = fast.restore(inputs.get(i))) {
          assertTrue(maxDiff(a.get(i), single) <= 1, "face " + i + " alone");
        }
      }
      a.forEach(Mat::close);
      b.forEach(Mat::close);
    } finally {
      faces.forEach(Image::close);
    }
  }

  @Test
  void oneRestorerServesSeveralThreadsWithTheImagesOfOne() throws Exception {
    Path weights = SharedData.require("golden/gpen64.pth");
    List<Image> faces = new ArrayList<>();
    for (String n : new String[] {"00000", "00001", "00002", "00003"}) {
      faces.add(Images.read(SharedData.require("faces/ffhq256/" + n + ".png")));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (Restorer shared = Restorer.builder().weights(weights).build()) {
      List<byte[]> alone = new ArrayList<>();
      for (Image f : faces) {
        try (Mat m = shared.restore(f.bgr())) {
          alone.add(bytes(m));
        }
      }
      // each thread restores its own face over and over, all through the one restorer at once
      List<Future<List<byte[]>>> results = new ArrayList<>();
      for (Image f : faces) {
        results.add(
            pool.submit(
                () -> {
                  List<byte[]> got = new ArrayList<>();
                  for (int i = 0; i < 6; i++) {
                    try (Mat m = shared.restore(f.bgr())) {
                      got.add(bytes(m));
                    }
                  }
                  return got;
                }));
      }
      for (int t = 0; t < faces.size(); t++) {
        for (byte[] got : results.get(t).get()) {
          assertArrayEquals(alone.get(t), got, "face " + t + " restored concurrently");
        }
      }
      shared.close();
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> shared.restore(faces.get(0).bgr()));
      assertTrue(e.getMessage().contains("closed"), e.getMessage());
    } finally {
      pool.shutdownNow();
      faces.forEach(Image::close);
    }
  }

  private static byte[] bytes(Mat m) {
    byte[] b = new byte[(int) (m.total() * m.channels())];
    m.data().get(b);
    return b;
  }

  @Test
  @Performance
  void manyRestorationsDoNotGrowMemory() {
    Path weights = SharedData.require("golden/gpen64.pth");
    try (Image face = Images.read(SharedData.require("faces/ffhq256/00000.png"));
        Restorer r = Restorer.builder().weights(weights).batchSize(2).build()) {
      List<Mat> batch = List.of(face.bgr(), face.bgr());
      Runnable round = () -> r.restore(batch).forEach(Mat::close);
      for (int i = 0; i < 10; i++) {
        round.run();
      }
      long before = PeakMemory.residentBytes();
      for (int i = 0; i < 60; i++) {
        round.run();
      }
      long growth = PeakMemory.residentBytes() - before;
      // one leaked forward pass keeps about 2 MB of activations at this size: 60 passes, 120 MB
      assertTrue(
          growth < 48L << 20, "resident memory grew by " + (growth >> 20) + " MB over 120 faces");
    }
  }
}
