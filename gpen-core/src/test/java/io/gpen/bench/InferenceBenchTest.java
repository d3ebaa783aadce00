package io.gpen.bench;

import static io.gpen.TextAssertions.assertContainsAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.BadParameter;
import io.gpen.api.Engine;
import io.gpen.model.ModelFiles;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link InferenceBench} from Java on a random 64 px model. */
class InferenceBenchTest {
  private static final BenchModel SMALL =
      new BenchModel(
          null, null, new ModelFiles.Overrides(64, 1, 0.25), "cpu", 0, BenchModel.ForwardPass.FAST);

  @Test
  void timesLibtorchAndReportsEveryFigure() {
    InferenceBench.Result result =
        InferenceBench.run(InferenceBench.Options.builder(SMALL).iterations(2).warmup(0).build());
    assertEquals(64, result.config().size());
    assertEquals("random weights", result.weights());
    assertNull(result.onnx());
    assertEquals(2, result.libtorch().timings().count());
    assertTrue(result.libtorch().engine().contains("fast path"), result.libtorch().engine());
    String report = result.report();
    assertContainsAll(
        report, "machine", "size=64", "engine      libtorch", "median", "faces/s", "GFLOP/s");
  }

  @Test
  void theReferencePassIsLibtorchsAlone() {
    BenchModel reference =
        new BenchModel(
            null, null, ModelFiles.Overrides.NONE, "cpu", 0, BenchModel.ForwardPass.REFERENCE);
    Set<Engine> onnx = EnumSet.of(Engine.ONNX);
    BadParameter e =
        assertThrows(
            BadParameter.class,
            () -> InferenceBench.Options.builder(reference).engines(onnx).build());
    assertEquals(
        "referencePath times libtorch's reference forward pass; it does not apply to engines onnx",
        e.getMessage());
    assertEquals(
        "iterations must be at least 1, got 0",
        assertThrows(
                BadParameter.class,
                () -> InferenceBench.Options.builder(SMALL).iterations(0).build())
            .getMessage());
  }
}
