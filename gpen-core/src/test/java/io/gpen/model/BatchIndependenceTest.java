package io.gpen.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gpen.SharedData;
import io.gpen.nn.Precision;
import io.gpen.nn.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The fast path restores a face to the same bits whatever batch it comes in (golden 64 px model, a
 * batch of 5 against each face alone), so that restoring a photo's faces in batches writes the
 * files of restoring them one by one.
 */
class BatchIndependenceTest {
  @ParameterizedTest
  @EnumSource(Precision.class)
  void aBatchGivesEachFaceItsImageAloneBitForBit(Precision precision) {
    torch.manual_seed(3);
    try (PointerScope scope = new PointerScope();
        FullGenerator g =
            ModelFiles.loadGenerator(
                    SharedData.require("golden/gpen64.pth"), null, ModelFiles.Overrides.NONE)
                .model();
        GeneratorInference fast = new GeneratorInference(g, precision)) {
      Tensor x = torch.rand(5, 3, 64, 64).mul_(Tensors.scalar(2)).sub_(Tensors.scalar(1));
      Tensor batch = fast.forward(x);
      for (int b = 0; b < 5; b++) {
        Tensor alone = fast.forward(x.narrow(0, b, 1).contiguous());
        assertEquals(
            0.0,
            Tensors.maxAbsDiff(batch.narrow(0, b, 1), alone),
            "face " + b + " of 5, " + precision);
      }
    }
  }
}
