package io.gpen.video;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.BadParameter;
import io.gpen.face.DetectedFace;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FaceTrackerTest {
  private static final double FPS = 25;

  /** A 100 px face with its box at (x, y), landmarks where a frontal face has them, plus noise. */
  private static DetectedFace face(double x, double y, Random noise, double sigma) {
    double[] points = {
      x + 30, y + 40, x + 70, y + 40, x + 50, y + 60, x + 35, y + 80, x + 65, y + 80
    };
    for (int i = 0; i < points.length; i++) {
      points[i] += noise == null ? 0 : sigma * noise.nextGaussian();
    }
    return new DetectedFace(x, y, x + 100, y + 100, 0.99, points);
  }

  @Test
  void withoutSmoothingTheLandmarksAreThoseDetected() {
    FaceTracker tracker = new FaceTracker(Smoothing.OFF);
    Random noise = new Random(1);
    for (int i = 0; i < 10; i++) {
      DetectedFace detected = face(100, 100, noise, 2);
      List<FaceTracker.Tracked> faces = tracker.update(List.of(detected), i / FPS);
      assertEquals(detected, faces.get(0).face());
    }
  }

  @Test
  void smoothingSteadiesAStillFace() {
    double raw = jitter(Smoothing.OFF);
    double smoothed = jitter(Smoothing.DEFAULT);
    assertTrue(
        smoothed < 0.25 * raw,
        "frame-to-frame landmark change: raw " + raw + ", smoothed " + smoothed);
  }

  /** The mean frame-to-frame change of the left eye of a still face detected with 2 px of noise. */
  private static double jitter(Smoothing smoothing) {
    FaceTracker tracker = new FaceTracker(smoothing);
    Random noise = new Random(3);
    double sum = 0;
    double previous = Double.NaN;
    for (int i = 0; i < 100; i++) {
      double x =
          tracker.update(List.of(face(100, 100, noise, 2)), i / FPS).get(0).face().landmarkX(0);
      if (i >= 10) {
        sum += Math.abs(x - previous);
      }
      previous = x;
    }
    return sum / 90;
  }

  @Test
  void smoothingFollowsAMovingFaceClosely() {
    FaceTracker tracker = new FaceTracker(Smoothing.DEFAULT);
    double worst = 0;
    for (int i = 0; i < 50; i++) {
      double x = 100 + 2 * i; // half a face size per second
      DetectedFace smoothed = tracker.update(List.of(face(x, 100, null, 0)), i / FPS).get(0).face();
      if (i >= 10) {
        worst = Math.max(worst, Math.abs(smoothed.landmarkX(0) - (x + 30)));
      }
    }
    assertTrue(worst < 2.0, "lag behind a face moving 2 px a frame: " + worst + " px");
  }

  @Test
  void tracksFollowOverlapAndEndWhenAFaceIsLost() {
    FaceTracker tracker = new FaceTracker(Smoothing.DEFAULT);
    List<FaceTracker.Tracked> first =
        tracker.update(List.of(face(0, 0, null, 0), face(300, 0, null, 0)), 0);
    assertEquals(List.of(0, 1), first.stream().map(FaceTracker.Tracked::track).toList());
    // listed the other way round and moved a little: same tracks, in track order
    List<FaceTracker.Tracked> second =
        tracker.update(List.of(face(305, 0, null, 0), face(5, 0, null, 0)), 0.04);
    assertEquals(List.of(0, 1), second.stream().map(FaceTracker.Tracked::track).toList());
    assertTrue(second.get(0).face().x1() < 10 && second.get(1).face().x1() > 300);
    // one face jumps (no overlap): a new track, not dragged from the old place
    List<FaceTracker.Tracked> third =
        tracker.update(List.of(face(5, 0, null, 0), face(600, 0, null, 0)), 0.08);
    assertEquals(List.of(0, 2), third.stream().map(FaceTracker.Tracked::track).toList());
    assertEquals(600, third.get(1).face().x1(), 1e-9);
    assertEquals(3, tracker.tracksStarted());
    // frames without detection hold the latest faces
    assertEquals(third, tracker.current());
    assertTrue(tracker.update(List.of(), 0.12).isEmpty());
  }

  @Test
  void overlapIsIntersectionOverUnion() {
    assertEquals(1.0, FaceTracker.overlap(face(0, 0, null, 0), face(0, 0, null, 0)), 1e-12);
    assertEquals(
        50.0 * 100 / (2 * 100 * 100 - 50 * 100),
        FaceTracker.overlap(face(0, 0, null, 0), face(50, 0, null, 0)),
        1e-12);
    assertEquals(0.0, FaceTracker.overlap(face(0, 0, null, 0), face(100, 0, null, 0)), 1e-12);
  }

  @Test
  void settingsAreChecked() {
    assertEquals(
        "minCutoff must be above 0 Hz, got 0.0",
        assertThrows(BadParameter.class, () -> new Smoothing(0, 1)).getMessage());
    assertTrue(Smoothing.DEFAULT.on());
    assertTrue(!Smoothing.OFF.on());
    assertArrayEquals(
        new double[] {1, 2}, new OneEuroFilter(Smoothing.OFF).filter(new double[] {1, 2}, 0, 1));
  }
}
