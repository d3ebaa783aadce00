package io.gpen.server;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;

import io.gpen.api.FaceRestorer;
import io.gpen.face.DetectedFace;
import io.gpen.face.FaceDetector;
import io.gpen.image.Images;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * A stand-in model for the concurrency tests: "restores" a face by inverting it at 64 px, and can
 * be held shut so that requests pile up, or made to fail.
 */
final class GateRestorer implements FaceRestorer {
  final List<Integer> batches = new CopyOnWriteArrayList<>();
  final AtomicBoolean failing = new AtomicBoolean();
  private volatile CountDownLatch gate = new CountDownLatch(0);
  private volatile CountDownLatch entered = new CountDownLatch(1);

  /** From now on calls wait until {@link #open}. */
  void shut() {
    gate = new CountDownLatch(1);
    entered = new CountDownLatch(1);
  }

  void open() {
    gate.countDown();
  }

  /** Waits until a call has reached the gate. */
  void awaitEntered() throws InterruptedException {
    if (!entered.await(30, TimeUnit.SECONDS)) {
      throw new AssertionError("no model call came");
    }
  }

  @Override
  public int size() {
    return 64;
  }

  @Override
  public List<Mat> restore(List<Mat> faces) {
    entered.countDown();
    try {
      if (!gate.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("gate never opened");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    batches.add(faces.size());
    if (failing.get()) {
      throw new IllegalStateException("model failed on purpose");
    }
    return faces.stream()
        .map(
            f -> {
              try (Mat small = Images.resize(f, 64, 64, INTER_AREA)) {
                Mat out = new Mat();
                opencv_core.bitwise_not(small, out);
                return out;
              }
            })
        .toList();
  }

  @Override
  public String description() {
    return "gate restorer (test)";
  }

  @Override
  public void close() {}

  /** A detector that finds nothing (the concurrency tests send aligned faces). */
  static FaceDetector noFaces() {
    return new FaceDetector() {
      @Override
      public List<DetectedFace> detect(Mat bgr) {
        return List.of();
      }

      @Override
      public String description() {
        return "no detector (test)";
      }

      @Override
      public void close() {}
    };
  }
}
