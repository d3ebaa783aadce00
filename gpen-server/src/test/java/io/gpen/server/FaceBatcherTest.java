package io.gpen.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

/**
 * Dynamic batching with a stand-in model that inverts faces: who gets what back, and in which
 * calls.
 */
class FaceBatcherTest {
  private static Mat face(int value) {
    return new Mat(64, 64, opencv_core.CV_8UC3, Scalar.all(value));
  }

  private static int value(Mat m) {
    return (int) opencv_core.mean(m).get(0);
  }

  @Test
  void facesOfConcurrentRequestsShareCallsAndEachGetsItsOwnBack() throws Exception {
    GateRestorer model = new GateRestorer();
    List<Integer> calls = new CopyOnWriteArrayList<>();
    CountDownLatch prepared = new CountDownLatch(8);
    // 8 requests "on their way" until each hands in: the batcher waits for them (up to 10 s)
    try (FaceBatcher batcher =
        new FaceBatcher(
            model,
            8,
            TimeUnit.SECONDS.toNanos(10),
            () -> prepared.getCount() > 0,
            (n, nanos) -> calls.add(n))) {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<Integer>> answers = new ArrayList<>();
      for (int r = 0; r < 8; r++) {
        int value = 10 + 20 * r;
        answers.add(
            pool.submit(
                () -> {
                  try (Mat mine = face(value)) {
                    prepared.countDown();
                    List<Mat> out =
                        batcher.restore(
                            List.of(mine), System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
                    try (Mat restored = out.get(0)) {
                      return value(restored);
                    }
                  }
                }));
      }
      for (int r = 0; r < 8; r++) {
        assertEquals(255 - (10 + 20 * r), answers.get(r).get(60, TimeUnit.SECONDS), "request " + r);
      }
      pool.shutdown();
    }
    assertEquals(8, calls.stream().mapToInt(Integer::intValue).sum());
    assertEquals(List.of(8), calls, "the 8 faces of 8 requests went through in one call");
  }

  @Test
  void aPhotoWithManyFacesSpansCallsOfAtMostMaxBatch() {
    GateRestorer model = new GateRestorer();
    List<Integer> calls = new CopyOnWriteArrayList<>();
    try (FaceBatcher batcher =
        new FaceBatcher(model, 8, 0, () -> false, (n, nanos) -> calls.add(n))) {
      List<Mat> faces = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        faces.add(face(i * 10));
      }
      List<Mat> out = batcher.restore(faces, System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
      for (int i = 0; i < 20; i++) {
        assertEquals(255 - i * 10, value(out.get(i)), "face " + i + " in its place");
      }
      out.forEach(Mat::close);
      faces.forEach(Mat::close);
    }
    assertEquals(List.of(8, 8, 4), calls);
  }

  @Test
  void aRequestOutOfTimeGivesUpAndOthersGoOn() throws Exception {
    GateRestorer model = new GateRestorer();
    try (FaceBatcher batcher = new FaceBatcher(model, 4, 0, () -> false, (n, nanos) -> {});
        Mat a = face(50);
        Mat b = face(60)) {
      model.shut();
      ApiError late =
          assertThrows(
              ApiError.class,
              () ->
                  batcher.restore(
                      List.of(a), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200)));
      assertEquals(503, late.status());
      assertTrue(late.getMessage().contains("timed out"), late.getMessage());
      model.open();
      List<Mat> out = batcher.restore(List.of(b), System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
      assertEquals(195, value(out.get(0)));
      out.forEach(Mat::close);
    }
  }

  @Test
  void aFailedCallOfSeveralRequestsIsRetriedPerRequest() throws Exception {
    // the model fails on any batch holding the "poisoned" face (value 13)
    GateRestorer inverter = new GateRestorer();
    io.gpen.api.FaceRestorer picky =
        new io.gpen.api.FaceRestorer() {
          @Override
          public int size() {
            return 64;
          }

          @Override
          public List<Mat> restore(List<Mat> faces) {
            for (Mat f : faces) {
              if (value(f) == 13) {
                throw new IllegalStateException("poisoned face");
              }
            }
            return inverter.restore(faces);
          }

          @Override
          public String description() {
            return "picky";
          }

          @Override
          public void close() {}
        };
    CountDownLatch prepared = new CountDownLatch(2);
    try (FaceBatcher batcher =
        new FaceBatcher(
            picky,
            4,
            TimeUnit.SECONDS.toNanos(10),
            () -> prepared.getCount() > 0,
            (n, nanos) -> {})) {
      ExecutorService pool = Executors.newFixedThreadPool(2);
      Future<Integer> good =
          pool.submit(
              () -> {
                try (Mat f = face(100)) {
                  prepared.countDown();
                  List<Mat> out =
                      batcher.restore(List.of(f), System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
                  try (Mat r = out.get(0)) {
                    return value(r);
                  }
                }
              });
      Future<Integer> bad =
          pool.submit(
              () -> {
                try (Mat f = face(13)) {
                  prepared.countDown();
                  batcher.restore(List.of(f), System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
                  return -1;
                }
              });
      assertEquals(155, good.get(60, TimeUnit.SECONDS));
      Exception e = assertThrows(Exception.class, () -> bad.get(60, TimeUnit.SECONDS));
      assertTrue(e.getCause().getMessage().contains("poisoned face"), e.toString());
      pool.shutdown();
    }
  }
}
