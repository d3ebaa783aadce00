package io.gpen.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.face.FaceDetectors;
import io.gpen.video.TestClips;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link VideoBench} from Java: a random 64 px model on a test clip. */
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
    for (String field :
        new String[] {
          "model       GPEN size=64",
          "video       clip.mp4, 160x120, 10.000 fps, 20 frames," + " 20 faces in 20 frames",
          "frames/s",
          "encoding with libopenh264"
        }) {
      assertTrue(report.contains(field), field + " missing from:\n" + report);
    }
  }
}
