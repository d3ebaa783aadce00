package io.gpen.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.api.FaceRestorer;
import io.gpen.face.DetectedFace;
import io.gpen.face.FaceDetector;
import io.gpen.face.FaceEnhancer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FacePipeline} with a stand-in detector and restorer: batching across frames, order,
 * failures.
 */
class FacePipelineTest {
  @TempDir Path dir;

  /** Finds one face, where the panning clip's face is at its first frame, in every frame. */
  private static final class OneFace implements FaceDetector {
    int calls;

    @Override
    public List<DetectedFace> detect(Mat bgr) {
      calls++;
      return List.of(
          new DetectedFace(
              40, 20, 110, 100, 0.99, new double[] {62, 50, 88, 50, 75, 65, 64, 82, 86, 82}));
    }

    @Override
    public String description() {
      return "one face";
    }

    @Override
    public void close() {}
  }

  /**
   * Gives each face back unchanged at 64 px, and records the batches; fails on call {@code failOn}.
   */
  private static final class Unchanged implements FaceRestorer {
    final List<Integer> batches = new ArrayList<>();
    final int failOn;

    Unchanged(int failOn) {
      this.failOn = failOn;
    }

    @Override
    public int size() {
      return 64;
    }

    @Override
    public List<Mat> restore(List<Mat> faces) {
      batches.add(faces.size());
      if (batches.size() == failOn) {
        throw new IllegalStateException("restorer failed");
      }
      return faces.stream().map(Mat::clone).toList();
    }

    @Override
    public String description() {
      return "unchanged";
    }

    @Override
    public void close() {}
  }

  @Test
  void facesOfConsecutiveFramesAreRestoredTogetherAndEverythingStaysInOrder() {
    Path clip = TestClips.write(dir.resolve("clip.mp4"), TestClips.Scene.PAN, true);
    Path out = dir.resolve("out.mp4");
    OneFace detector = new OneFace();
    Unchanged restorer = new Unchanged(-1);
    FacePipeline.Stats stats;
    List<Long> progress = new ArrayList<>();
    try (FaceEnhancer enhancer = new FaceEnhancer(restorer, 1.0);
        VideoReader reader = VideoReader.open(clip);
        VideoWriter writer = VideoWriter.create(out, reader, VideoWriter.Encoding.DEFAULT)) {
      stats =
          new FacePipeline(
                  detector, restorer, enhancer, new FacePipeline.Settings(6, 3, Smoothing.DEFAULT))
              .run(reader, writer, progress::add);
    }
    // 20 frames, one face each: batches of 6 faces from 6 frames, then the 2 left at the end
    assertEquals(List.of(6, 6, 6, 2), restorer.batches);
    // detection on frames 0, 3, 6, ..., 18; the faces held in between
    assertEquals(7, detector.calls);
    assertEquals(
        new FacePipeline.Stats(20, 20, 20, 1, stats.flicker(), stats.inputFlicker()), stats);
    assertEquals(20, progress.size());
    TestClips.Contents in = TestClips.read(clip);
    TestClips.Contents written = TestClips.read(out);
    assertEquals(20, written.frames());
    assertTrue(in.sameSound(written));
  }

  @Test
  void aFailingStageStopsTheOthersAndItsErrorIsThrownAsItWas() {
    Path clip = TestClips.write(dir.resolve("clip.mp4"), TestClips.Scene.PAN, true);
    OneFace detector = new OneFace();
    Unchanged restorer = new Unchanged(3);
    try (FaceEnhancer enhancer = new FaceEnhancer(restorer, 1.0);
        VideoReader reader = VideoReader.open(clip);
        VideoWriter writer =
            VideoWriter.create(dir.resolve("out.mp4"), reader, VideoWriter.Encoding.DEFAULT)) {
      FacePipeline pipeline =
          new FacePipeline(
              detector, restorer, enhancer, new FacePipeline.Settings(2, 1, Smoothing.OFF));
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> pipeline.run(reader, writer, n -> {}));
      assertEquals("restorer failed", e.getMessage());
    }
    assertEquals(3, restorer.batches.size());
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      assertFalse(
          t.getName().startsWith("gpen-video-") && t.isAlive(), t.getName() + " still runs");
    }
  }

  @Test
  void aFailingEncoderIsReported() {
    Path clip = TestClips.write(dir.resolve("clip.mp4"), TestClips.Scene.PAN, false);
    Path larger = TestClips.write(dir.resolve("larger.mp4"), TestClips.Scene.PAN, false, 2, 2);
    Unchanged restorer = new Unchanged(-1);
    try (FaceEnhancer enhancer = new FaceEnhancer(restorer, 1.0);
        VideoReader reader = VideoReader.open(clip);
        VideoReader other = VideoReader.open(larger);
        VideoWriter writer =
            VideoWriter.create(dir.resolve("out.mp4"), other, VideoWriter.Encoding.DEFAULT)) {
      FacePipeline pipeline =
          new FacePipeline(
              new OneFace(),
              restorer,
              enhancer,
              new FacePipeline.Settings(1, 1, Smoothing.DEFAULT));
      // the writer takes 320x240 frames: the encoding thread fails on the first one
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> pipeline.run(reader, writer, n -> {}));
      assertTrue(
          e.getMessage().startsWith("frame must be CV_8UC3 320x240, got 160x120"), e.getMessage());
    }
  }
}
