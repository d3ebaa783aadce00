package io.gpen.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import io.gpen.Performance;
import io.gpen.SharedData;
import io.gpen.bench.PeakMemory;
import io.gpen.face.FaceDetectors;
import io.gpen.video.FacePipeline;
import io.gpen.video.Smoothing;
import io.gpen.video.TestClips;
import io.gpen.video.VideoReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link VideoRestoration} on clips the tests make (a shared FFHQ face, a sine tone), with the
 * golden 64 px generator and the shared MobileNet RetinaFace.
 */
class VideoRestorationTest {
  @TempDir Path dir;
  private ModelSpec model;
  private String detectorWeights;

  @BeforeEach
  void models() {
    model = ModelSpec.libtorch(SharedData.require("golden/gpen64.pth").toString());
    detectorWeights = SharedData.require("models/retinaface_mobilenet0.25.pth").toString();
  }

  private VideoRestoration.Options.Builder options(Path input) {
    return VideoRestoration.Options.builder(model, input, dir.resolve("out"))
        .detector(FaceDetectors.Kind.RETINAFACE, detectorWeights);
  }

  @Test
  void restoresEveryFrameAndKeepsSizeRateFramesAndSound() throws IOException {
    Path clip = TestClips.write(dir.resolve("clip.mp4"), TestClips.Scene.PAN, true);
    RecordingListener listener = new RecordingListener();
    VideoRestoration.Result result =
        VideoRestoration.run(options(clip).batchSize(4).build(), listener);

    VideoRestoration.Video video = result.videos().get(0);
    Path output = dir.resolve("out/clip_GPEN.mp4");
    assertEquals(output, video.output());
    assertFalse(video.copied());
    FacePipeline.Stats stats = video.stats();
    assertEquals(20, stats.frames());
    assertEquals(20, stats.framesWithFaces());
    assertEquals(20, stats.faces());
    assertEquals(1, stats.tracks());
    assertEquals(List.of(20L), listener.progressTotals);
    assertEquals(20, listener.stepped);
    assertEquals(List.of(result.model(), result.detector()), listener.info.subList(0, 2));
    assertTrue(
        listener
            .info
            .get(2)
            .contains(
                "160x120, 10.000 fps, 20 frames, sound aac copied -> clip_GPEN.mp4"
                    + " (libopenh264, constant quantiser 23)"),
        listener.info.get(2));

    TestClips.Contents in = TestClips.read(clip);
    TestClips.Contents out = TestClips.read(output);
    assertEquals(List.of(20, 160, 120), List.of(out.frames(), out.width(), out.height()));
    assertEquals(10.0, out.fps(), 1e-9);
    assertTrue(in.sameSound(out), "sound packets copied byte for byte");
    try (VideoReader before = VideoReader.open(clip);
        VideoReader after = VideoReader.open(output);
        VideoReader.Frame a = next(before);
        VideoReader.Frame b = next(after);
        Mat mask = new Mat()) {
      // the face (and its paste margin) lies within columns 0-150 and rows 0-120 of the first
      // frame: the
      // rest is as it was, but for the encoding; the face is not
      try (Rect right = new Rect(150, 0, 10, 120);
          Mat aRight = new Mat(a.bgr(), right);
          Mat bRight = new Mat(b.bgr(), right);
          Rect face = new Rect(50, 30, 60, 60);
          Mat aFace = new Mat(a.bgr(), face);
          Mat bFace = new Mat(b.bgr(), face)) {
        assertTrue(
            opencv_core.norm(aRight, bRight, opencv_core.NORM_L1, mask) / (10 * 120 * 3) < 3);
        assertTrue(opencv_core.norm(aFace, bFace, opencv_core.NORM_L1, mask) / (60 * 60 * 3) > 20);
      }
    }
    assertEquals(List.of("clip_GPEN.mp4"), names(dir.resolve("out")));
  }

  @Test
  void smoothingReducesFlickerOnAStaticCamera() {
    Path clip = TestClips.write(dir.resolve("still.mp4"), TestClips.Scene.STATIC, false);
    FacePipeline.Stats off =
        VideoRestoration.run(
                options(clip).smoothing(Smoothing.OFF).build(), WorkflowListener.SILENT)
            .videos()
            .get(0)
            .stats();
    FacePipeline.Stats on =
        VideoRestoration.run(options(clip).build(), WorkflowListener.SILENT)
            .videos()
            .get(0)
            .stats();
    System.out.printf(
        "flicker in the faces of a static-camera clip: %.3f without smoothing, %.3f with"
            + " (input %.3f)%n",
        off.flicker(), on.flicker(), on.inputFlicker());
    assertEquals(20, off.framesWithFaces());
    assertEquals(20, on.framesWithFaces());
    assertTrue(
        on.flicker() < 0.8 * off.flicker(),
        "flicker " + on.flicker() + " smoothed, " + off.flicker() + " not");
  }

  @Test
  void aVideoWithoutFacesIsCopiedWithAWarning() {
    Path clip = TestClips.write(dir.resolve("empty.mp4"), TestClips.Scene.NO_FACE, true);
    RecordingListener listener = new RecordingListener();
    VideoRestoration.Video video =
        VideoRestoration.run(options(clip).build(), listener).videos().get(0);
    Path output = dir.resolve("out/empty_GPEN.mp4");
    assertTrue(video.copied());
    assertEquals(0, video.stats().framesWithFaces());
    assertEquals(
        List.of("no face found in " + clip + "; copied unchanged to " + output), listener.warnings);
    assertTrue(TestClips.read(clip).sameSound(TestClips.read(output)));
    try (VideoReader before = VideoReader.open(clip);
        VideoReader after = VideoReader.open(output)) {
      for (int i = 0; i < TestClips.FRAMES; i++) {
        try (VideoReader.Frame a = next(before);
            VideoReader.Frame b = next(after);
            Mat mask = new Mat()) {
          assertEquals(
              0,
              opencv_core.norm(a.bgr(), b.bgr(), opencv_core.NORM_INF, mask),
              "frame " + i + " not re-encoded");
        }
      }
    }
  }

  @Test
  void aVideoWithoutSoundAndAPartOfOne() {
    Path quiet = TestClips.write(dir.resolve("quiet.mkv"), TestClips.Scene.STATIC, false);
    VideoRestoration.Video video =
        VideoRestoration.run(options(quiet).build(), WorkflowListener.SILENT).videos().get(0);
    assertEquals(dir.resolve("out/quiet_GPEN.mp4"), video.output());
    TestClips.Contents out = TestClips.read(video.output());
    assertEquals(20, out.frames());
    assertTrue(out.audioPackets().isEmpty());

    Path clip = TestClips.write(dir.resolve("clip.mp4"), TestClips.Scene.PAN, true);
    VideoRestoration.Video part =
        VideoRestoration.run(options(clip).part(0.55, 0.8).build(), WorkflowListener.SILENT)
            .videos()
            .get(0);
    assertEquals(8, part.stats().frames());
    assertEquals(8, TestClips.read(part.output()).frames());
  }

  @Test
  void aTruncatedVideoFailsInOneLineAndLeavesNoOutput() throws IOException {
    Path videos = Files.createDirectories(dir.resolve("videos"));
    Path broken =
        TestClips.truncated(
            TestClips.write(dir.resolve("whole.mkv"), TestClips.Scene.STATIC, true),
            videos.resolve("broken.mkv"),
            0.6);
    GpenException e =
        assertThrows(
            GpenException.class,
            () -> VideoRestoration.run(options(broken).build(), WorkflowListener.SILENT));
    assertTrue(
        e.getMessage()
            .startsWith("cannot read video " + broken + ": truncated or corrupt after frame "),
        e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
    assertEquals(List.of(), names(dir.resolve("out")), "nothing half-written, no temporary file");

    // in a folder it is skipped and the others are restored
    TestClips.write(videos.resolve("good.mp4"), TestClips.Scene.PAN, false);
    RecordingListener listener = new RecordingListener();
    VideoRestoration.Result result = VideoRestoration.run(options(videos).build(), listener);
    assertEquals(1, result.skipped());
    assertEquals(List.of("skipped " + e.getMessage()), listener.warnings);
    assertEquals(List.of("good_GPEN.mp4"), names(dir.resolve("out")));
  }

  @Test
  @Performance
  void memoryStaysFlatOnALongVideo() {
    Path clip = TestClips.write(dir.resolve("long.mp4"), TestClips.Scene.PAN, true, 400, 4);
    long[] resident = new long[2];
    WorkflowListener sampling =
        new WorkflowListener() {
          @Override
          public Progress progress(long total, String unit) {
            return new Progress() {
              private long done;

              @Override
              public void stepBy(long frames) {
                done += frames;
                if (done == 100) {
                  resident[0] = PeakMemory.residentBytes();
                }
                resident[1] = PeakMemory.residentBytes();
              }

              @Override
              public void stepTo(long frames) {}

              @Override
              public void close() {}
            };
          }
        };
    VideoRestoration.Video video =
        VideoRestoration.run(options(clip).batchSize(4).build(), sampling).videos().get(0);
    assertEquals(400, video.stats().frames());
    long growth = resident[1] - resident[0];
    System.out.printf(
        "resident memory %d MB at frame 100, %d MB at frame 400 (640x480)%n",
        resident[0] >> 20, resident[1] >> 20);
    // a frame of 640x480 is 0.9 MB: one kept per frame would add 270 MB over these 300 frames
    assertTrue(
        growth < 48L << 20, "resident memory grew by " + (growth >> 20) + " MB over 300 frames");
  }

  private static VideoReader.Frame next(VideoReader reader) {
    VideoReader.Item item;
    while ((item = reader.next()) instanceof VideoReader.AudioPacket) {
      item.close();
    }
    return (VideoReader.Frame) item;
  }

  private static List<String> names(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
