package io.gpen.workflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.BadParameter;
import io.gpen.data.Degradation;
import io.gpen.data.DegradationConfig;
import io.gpen.data.FaceDataset;
import io.gpen.data.TestFaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FolderDegradation} from Java: the pairs of {@link Degradation#applyEightBit}, whatever the
 * threads.
 */
class FolderDegradationTest {
  @TempDir Path dir;

  @Test
  void writesThePairsOfTheSeededDegradationWithAnyThreads() throws IOException {
    Path input = TestFaces.folder(dir.resolve("in"), 2);
    TestFaces.draw(input.resolve("sub/photo.jpg"), 90, 70, 5);
    Files.writeString(input.resolve("zz.png"), "not an image");
    RecordingListener listener = new RecordingListener();
    FolderDegradation.Result one =
        FolderDegradation.run(
            FolderDegradation.Options.builder(input, dir.resolve("one"))
                .size(64)
                .seed(9)
                .threads(1)
                .build(),
            listener);
    FolderDegradation.Result two =
        FolderDegradation.run(
            FolderDegradation.Options.builder(input, dir.resolve("two"))
                .size(64)
                .seed(9)
                .threads(2)
                .build(),
            WorkflowListener.SILENT);
    assertEquals(3, one.degraded());
    assertEquals(1, one.skipped());
    assertEquals(List.of(4L), listener.progressTotals);
    assertEquals(1, listener.warnings.size());
    assertTrue(
        listener.warnings.get(0).startsWith("skipped cannot read image"),
        listener.warnings.toString());

    FaceDataset data = FaceDataset.open(input, 64);
    Degradation degradation =
        new Degradation(DegradationConfig.REFERENCE.withFlipProb(0).withGrayProb(0));
    List<String> names = List.of("face00.png", "face01.png", "sub/photo.png");
    for (int i = 0; i < names.size(); i++) {
      try (Mat hq = data.read(i);
          Degradation.Pair pair = degradation.applyEightBit(hq, degradation.draw(9, 0, i))) {
        assertArrayEquals(
            Bytes.of(pair.lq()), Bytes.of(one.lqDir().resolve(names.get(i))), names.get(i));
        assertArrayEquals(
            Bytes.of(pair.gt()), Bytes.of(one.hqDir().resolve(names.get(i))), names.get(i));
      }
      assertArrayEquals(
          Files.readAllBytes(one.lqDir().resolve(names.get(i))),
          Files.readAllBytes(two.lqDir().resolve(names.get(i))),
          names.get(i));
    }
  }

  @Test
  void badArgumentsNameTheLibrarysParameters() {
    Path input = TestFaces.folder(dir.resolve("in"), 1);
    assertEquals(
        "size must be 1 to 4096, got 0",
        assertThrows(
                BadParameter.class,
                () -> FolderDegradation.Options.builder(input, dir).size(0).build())
            .getMessage());
    assertEquals(
        "threads must be at least 1, got 0",
        assertThrows(
                BadParameter.class,
                () -> FolderDegradation.Options.builder(input, dir).threads(0).build())
            .getMessage());
    BadParameter inside =
        assertThrows(
            BadParameter.class,
            () ->
                FolderDegradation.run(
                    FolderDegradation.Options.builder(input, input.resolve("pairs")).build(),
                    WorkflowListener.SILENT));
    assertTrue(
        inside
            .getMessage()
            .startsWith("output " + input.resolve("pairs") + " is inside input " + input + ": "),
        inside.getMessage());
  }
}
