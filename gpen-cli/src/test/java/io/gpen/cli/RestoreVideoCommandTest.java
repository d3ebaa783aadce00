package io.gpen.cli;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.image.Images;
import io.gpen.video.TestClips;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gpen restore} on videos, and on a folder that mixes photos and videos. */
class RestoreVideoCommandTest {
  @TempDir Path dir;

  private static CliRun restore(Path input, Path output, String... more) {
    String[] base = {
      "restore",
      "-w",
      SharedData.require("golden/gpen64.pth").toString(),
      "--detector_weights",
      SharedData.require("models/retinaface_mobilenet0.25.pth").toString(),
      "--input",
      input.toString(),
      "--output",
      output.toString()
    };
    String[] args = new String[base.length + more.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(more, 0, args, base.length, more.length);
    return CliRun.of(args);
  }

  @Test
  void aFolderOfPhotosAndVideosRestoresBoth() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("in"));
    try (Mat photo = imread(SharedData.require("faces/Solvay_conference_1927.png").toString());
        Mat part = new Mat(photo, new Rect(580, 60, 140, 160))) {
      Images.write(folder.resolve("solvay.png"), part);
    }
    TestClips.write(folder.resolve("clip.mp4"), TestClips.Scene.PAN, true);
    Path out = dir.resolve("out");
    CliRun run =
        restore(folder, out, "--no_smoothing", "--start", "0.5", "--duration", "1", "--crf", "30");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.err().contains("restored 1 image(s), 2 face(s)"), run.err());
    assertTrue(
        run.err()
            .contains(
                out.resolve("clip_GPEN.mp4") + ": 10 frames (10 with faces, 1 face track(s))"),
        run.err());
    assertTrue(run.err().contains("(libopenh264, constant quantiser 30)"), run.err());
    assertTrue(run.err().contains("restored 1 video(s)"), run.err());
    assertTrue(Files.isRegularFile(out.resolve("solvay_GPEN.png")));
    TestClips.Contents video = TestClips.read(out.resolve("clip_GPEN.mp4"));
    assertEquals(10, video.frames());
    assertTrue(
        video.audioPackets().size() > 40,
        "sound kept: " + video.audioPackets().size() + " packets");
  }

  @Test
  void videoOptionsAreCheckedUnderTheirFlags() {
    Path clip = TestClips.write(dir.resolve("clip.mp4"), TestClips.Scene.PAN, false);
    CliRun codec = restore(clip, dir.resolve("out"), "--video_codec", "nope");
    assertEquals(1, codec.exitCode());
    assertTrue(
        codec
            .err()
            .strip()
            .startsWith("gpen restore: error: --video_codec 'nope' is not a video encoder"),
        codec.err());
    assertEquals(
        "gpen restore: error: --crf must be between 0 and 63, got 99",
        restore(clip, dir.resolve("out"), "--crf", "99").err().strip());
    assertEquals(
        "gpen restore: error: --duration must be above 0 seconds, got 0.0",
        restore(clip, dir.resolve("out"), "--duration", "0").err().strip());
    assertEquals(
        "gpen restore: error: --detect_every must be at least 1, got 0",
        restore(clip, dir.resolve("out"), "--detect_every", "0").err().strip());
    CliRun truncated =
        restore(TestClips.truncated(clip, dir.resolve("cut.mp4"), 0.5), dir.resolve("out"));
    assertEquals(1, truncated.exitCode());
    assertTrue(
        truncated
            .err()
            .strip()
            .endsWith(
                "gpen restore: error: cannot read video "
                    + dir.resolve("cut.mp4")
                    + ": not a video FFmpeg reads, or truncated (moov atom not found: Invalid data found when processing input)"),
        truncated.err());
  }

  /** Videos are pasted under the face parser's mask as photos are. */
  @Test
  void videosTakeTheParsersMask() throws Exception {
    Path clip = TestClips.write(dir.resolve("clip.mp4"), TestClips.Scene.PAN, false);
    String parser = SharedData.require("golden/parsenet_small.pth").toString();
    CliRun parsed =
        restore(clip, dir.resolve("parsed"), "--parse_weights", parser, "--duration", "0.3");
    assertEquals(0, parsed.exitCode(), parsed.err());
    assertTrue(parsed.err().contains("ParseNet"), parsed.err());
    CliRun boxed = restore(clip, dir.resolve("boxed"), "--mask", "box", "--duration", "0.3");
    assertEquals(0, boxed.exitCode(), boxed.err());
    // the encoder is deterministic (the same frames give the same bytes), so bytes that differ are
    // frames that differ
    assertEquals(
        0, restore(clip, dir.resolve("boxed2"), "--mask", "box", "--duration", "0.3").exitCode());
    assertEquals(
        -1,
        Files.mismatch(dir.resolve("boxed/clip_GPEN.mp4"), dir.resolve("boxed2/clip_GPEN.mp4")));
    assertTrue(
        Files.mismatch(dir.resolve("parsed/clip_GPEN.mp4"), dir.resolve("boxed/clip_GPEN.mp4"))
            >= 0,
        "the parser's mask changes the frames");
    assertEquals(3, TestClips.read(dir.resolve("parsed/clip_GPEN.mp4")).frames());
  }

  /**
   * With --use_sr every frame is super-resolved as a photo's background and the faces are restored
   * on the frame enlarged to that size: the video comes out twice as large, its frame count and
   * rate kept.
   */
  @Test
  void superResolvedVideosAreScaleTimesLarger() throws Exception {
    CliRun sr = restoredAtTwiceTheSize(TestClips.Scene.PAN, "clip");
    assertTrue(sr.err().contains("RRDBNet x2"), sr.err());
    assertTrue(sr.err().contains("-> clip_GPEN.mp4 at 320x240"), sr.err());
    assertTrue(sr.err().contains("3 frames (3 with faces"), sr.err());
  }

  /** A video without faces is still super-resolved with --use_sr, not copied at its own size. */
  @Test
  void aSuperResolvedVideoWithoutFacesComesOutEnlarged() throws Exception {
    CliRun sr = restoredAtTwiceTheSize(TestClips.Scene.NO_FACE, "empty");
    assertTrue(
        sr.err()
            .contains(
                "no face found in "
                    + dir.resolve("empty.mp4")
                    + "; its frames are written super-resolved"),
        sr.err());
  }

  /**
   * Restores the first 0.3 s (3 frames) of a 160x120 clip of {@code scene} with --use_sr and the
   * golden x2 network into sr/, and checks that {@code <name>_GPEN.mp4} came out at 320x240 with
   * the frames and rate kept.
   */
  private CliRun restoredAtTwiceTheSize(TestClips.Scene scene, String name) throws Exception {
    Path clip = TestClips.write(dir.resolve(name + ".mp4"), scene, false);
    String rrdb = SharedData.require("golden/rrdb_x2_small.pth").toString();
    CliRun sr =
        restore(clip, dir.resolve("sr"), "--use_sr", "--sr_weights", rrdb, "--duration", "0.3");
    assertEquals(0, sr.exitCode(), sr.err());
    TestClips.Contents out = TestClips.read(dir.resolve("sr/" + name + "_GPEN.mp4"));
    assertEquals(List.of(3, 320, 240), List.of(out.frames(), out.width(), out.height()));
    assertEquals(10.0, out.fps(), 1e-9);
    return sr;
  }
}
