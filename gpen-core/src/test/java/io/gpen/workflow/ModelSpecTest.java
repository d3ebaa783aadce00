package io.gpen.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gpen.BadParameter;
import io.gpen.SharedData;
import io.gpen.api.Engine;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@link ModelSpec}: the settings of either engine, refused in the library's terms. */
class ModelSpecTest {
  private static final Path MODEL = Path.of("model.onnx");

  @Test
  void anOnnxModelTakesNoCheckpointSettings() {
    BadParameter key = assertThrows(BadParameter.class, () -> ModelSpec.onnx(MODEL).withKey("g"));
    assertEquals(
        "key and the architecture settings apply to checkpoints (engine libtorch), not to ONNX model "
            + MODEL,
        key.getMessage());
    assertThrows(BadParameter.class, () -> ModelSpec.onnx(MODEL).withArchitecture(64, null, null));
    assertEquals(Engine.LIBTORCH, ModelSpec.libtorch("GPEN-BFR-256").withKey("g").engine());
  }

  @Test
  void weightsAreRequired() {
    BadParameter none = assertThrows(BadParameter.class, () -> ModelSpec.of(Engine.LIBTORCH, " "));
    assertEquals(
        "no weights given (a checkpoint file, a model name such as GPEN-BFR-512, or an ONNX model file)",
        none.getMessage());
  }

  @Test
  void unusableSettingsNameTheirParameterBeforeAnyWeightsLoad() {
    String weights = SharedData.require("golden/gpen64.pth").toString();
    assertEquals(
        "batchSize must be at least 1, got 0",
        assertThrows(BadParameter.class, () -> ModelSpec.libtorch(weights).open(0)).getMessage());
    assertEquals(
        "threads must be 0 (every core) or more, got -1",
        assertThrows(BadParameter.class, () -> ModelSpec.libtorch(weights).withThreads(-1).open(1))
            .getMessage());
    assertEquals(
        "device must be cpu, cuda or cuda:N, got 'tpu'",
        assertThrows(
                BadParameter.class, () -> ModelSpec.libtorch(weights).withDevice("tpu").open(1))
            .getMessage());
    assertEquals(
        "device must be cpu, cuda or cuda:N, got 'tpu'",
        assertThrows(BadParameter.class, () -> ModelSpec.onnx(MODEL).withDevice("tpu").open(1))
            .getMessage());
    assertEquals(
        "threads must be 0 (ONNX Runtime's default) or more, got -2",
        assertThrows(BadParameter.class, () -> ModelSpec.onnx(MODEL).withThreads(-2).open(1))
            .getMessage());
  }
}
