package io.gpen.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.face.FaceDetectors;
import io.gpen.model.ModelFiles;
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
    BenchModel model =
        new BenchModel(
            null,
            null,
            new ModelFiles.Overrides(64, 1, 0.25),
            "cpu",
            0,
            BenchModel.ForwardPass.FAST);
    VideoBench.Result result =
        VideoBench.run(
            VideoBench.Options.builder(model, clip)
                .detector(
                    FaceDetectors.Kind.RETINAFACE,
                    SharedData.require("models/retinaface_mobilenet0.25.pth").toString())
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
