package io.gpen.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.onnx.OnnxRestorer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ModelExport} from Java: the golden 64 px generator as an ONNX model ONNX Runtime runs. */
class ModelExportTest {
  @TempDir Path dir;

  @Test
  void writesTheModelAndItsDescription() throws IOException {
    Path weights = SharedData.require("golden/gpen64.pth");
    RecordingListener listener = new RecordingListener();
    ModelExport.Result result =
        ModelExport.run(
            ModelExport.Options.builder(weights.toString(), dir.resolve("GPEN"))
                .fixedBatch(2)
                .build(),
            listener);
    assertEquals(result.model(), listener.info.get(0));
    assertTrue(result.model().contains("size=64"), result.model());
    assertEquals(dir.resolve("GPEN/model.onnx"), result.files().modelFile());
    assertEquals(Files.size(result.files().modelFile()), result.files().bytes());
    assertTrue(result.files().sha256().matches("[0-9a-f]{64}"), result.files().sha256());
    assertTrue(Files.readString(result.files().infoFile()).contains(result.files().sha256()));
    try (OnnxRestorer restorer = OnnxRestorer.open(result.files().modelFile(), "cpu", 1, 1)) {
      assertEquals(64, restorer.size());
      assertEquals(2, restorer.fixedBatch());
    }
  }
}
