package io.gpen.bench;

import static io.gpen.TextAssertions.assertContainsAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.BadParameter;
import io.gpen.face.FaceDetectors;
import io.gpen.video.TestClips;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link VideoBench} from Java: a random 64 px model on test clips. */
class VideoBenchTest {
  @TempDir Path dir;

  @Test
  void timesTheWholeVideo() {
    Path clip = TestClips.write(dir.resolve("clip.mp4"), TestClips.Scene.PAN, true);
    VideoBench.Result result =
        VideoBench.run(
            VideoBench.Options.builder(BenchFixtures.smallRandomModel(), clip)
                .detector(FaceDetectors.Kind.RETINAFACE, BenchFixtures.retinaFaceWeights())
                .batchSize(2)
                .build());
    assertEquals(20, result.stats().frames());
    assertEquals(20, result.stats().faces());
    assertTrue(result.framesPerSecond() > 0);
    String report = result.report();
    assertContainsAll(
        report,
        "model       GPEN size=64",
        ", cpu, fp32, ",
        "video       clip.mp4, 160x120, 10.000 fps, 20 frames," + " 20 faces in 20 frames",
        "frames/s",
        "encoding with libopenh264");
    assertFalse(report.contains("parse"), report);
    assertFalse(report.contains("super-resolution"), report);
  }

  @Test
  void theParseMaskAndTheSuperResolutionAreTimedInTheWholeVideo() {
    Path clip = TestClips.write(dir.resolve("three.mp4"), TestClips.Scene.PAN, false, 3, 1);
    VideoBench.Result result =
        VideoBench.run(
            VideoBench.Options.builder(BenchFixtures.smallRandomModel(), clip)
                .detector(FaceDetectors.Kind.RETINAFACE, BenchFixtures.retinaFaceWeights())
                .parseMask(true)
                .superResolution(2, 0)
                .build());
    assertEquals(3, result.stats().frames());
    assertEquals(3, result.stats().faces(), "the faces are found on the enlarged frames too");
    assertEquals(2, result.scale());
    String report = result.report();
    assertContainsAll(
        report,
        "parser      ParseNet (stem 64, down [128, 256, 256, 256], 10 body blocks",
        "upscaler    RRDBNet x2 (32 features, 23 blocks, growth 32), random weights",
        "video       three.mp4, 160x120 -> 320x240, 10.000 fps, 3 frames",
        "(decoding, super-resolution x2, detection, tracking, restoration, parse mask, paste-back,");
  }

  @Test
  void anUnknownScaleIsRefused() {
    VideoBench.Options.Builder options =
        VideoBench.Options.builder(BenchFixtures.smallRandomModel(), dir.resolve("any.mp4"))
            .superResolution(3, 0);
    BadParameter e = assertThrows(BadParameter.class, options::build);
    assertEquals("srScale must be 1, 2 or 4, got 3", e.getMessage());
  }
}
