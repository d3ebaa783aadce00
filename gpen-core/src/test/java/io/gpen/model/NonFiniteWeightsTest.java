package io.gpen.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import io.gpen.SharedData;
import io.gpen.checkpoint.Checkpoints;
import io.gpen.checkpoint.TensorData;
import io.gpen.checkpoint.TorchFiles;
import io.gpen.image.ModelIo;
import io.gpen.nn.Tensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights holding NaN or infinity: refused at load with the tensors and counts named, loaded where
 * allowed, and then caught at the output instead of becoming a black image.
 */
class NonFiniteWeightsTest {
  @TempDir Path dir;

  /** The golden generator with 3 NaN in one tensor and 1 NaN and 2 infinities in another. */
  private Path damagedGolden() throws IOException {
    Map<String, TensorData> tensors =
        new LinkedHashMap<>(Checkpoints.read(SharedData.require("golden/gpen64.pth")).tensors());
    tensors.put(
        "generator.convs.0.conv.weight",
        with(tensors.get("generator.convs.0.conv.weight"), Float.NaN, Float.NaN, Float.NaN));
    tensors.put(
        "ecd0.0.0.weight",
        with(
            tensors.get("ecd0.0.0.weight"),
            Float.POSITIVE_INFINITY,
            Float.NaN,
            Float.NEGATIVE_INFINITY));
    Path file = dir.resolve("damaged.pth");
    TorchFiles.writeStateDict(file, tensors, false);
    return file;
  }

  /** A copy of a float tensor whose first elements are {@code values}. */
  private static TensorData with(TensorData t, float... values) {
    ByteBuffer b = ByteBuffer.allocate(t.data().remaining()).order(ByteOrder.LITTLE_ENDIAN);
    b.put(t.data()).flip();
    for (int i = 0; i < values.length; i++) {
      b.putFloat(4 * i, values[i]);
    }
    return new TensorData(t.dtype(), t.shape(), b);
  }

  @Test
  void nonFiniteWeightsAreRefusedWithTheirTensorsAndCounts() throws IOException {
    Path file = damagedGolden();
    GpenException e =
        assertThrows(
            GpenException.class,
            () -> ModelFiles.loadGenerator(file, null, ModelFiles.Overrides.NONE));
    // tensors in the model's order: the decoder is registered before the encoder
    assertEquals(
        file
            + ": 2 tensors hold non-finite values: generator.convs.0.conv.weight (3 NaN),"
            + " ecd0.0.0.weight (1 NaN, 2 infinite) (--allow_nonfinite loads it anyway)",
        e.getMessage());
  }

  @Test
  void allowedNonFiniteWeightsLoadAndTheRestorationSaysSo() throws IOException {
    Path file = damagedGolden();
    ModelFiles.LoadedGenerator loaded =
        ModelFiles.loadGenerator(file, null, ModelFiles.Overrides.NONE.allowingNonFinite(true));
    assertTrue(
        loaded
            .note()
            .endsWith(
                "; 2 tensors hold non-finite values: generator.convs.0.conv.weight"
                    + " (3 NaN), ecd0.0.0.weight (1 NaN, 2 infinite) (allowed)"),
        loaded.note());
    try (FullGenerator g = loaded.model();
        PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      Tensor out = g.forward(torch.zeros(1, 3, 64, 64)).image();
      float[] chw = Tensors.toFloats(out);
      GpenException e =
          assertThrows(GpenException.class, () -> ModelIo.fromModelOutput(chw, 0, 64));
      assertTrue(
          e.getMessage().startsWith("the model produced 12288 non-finite values"), e.getMessage());
      assertFalse(e.getMessage().contains("\n"));
    }
  }

  @Test
  void theDiscriminatorLoaderChecksToo() throws IOException {
    Map<String, TensorData> tensors =
        new LinkedHashMap<>(Checkpoints.read(SharedData.require("golden/disc64.pth")).tensors());
    tensors.put("final_linear.1.bias", with(tensors.get("final_linear.1.bias"), Float.NaN));
    Path file = dir.resolve("disc.pth");
    TorchFiles.writeStateDict(file, tensors, true);
    GpenException e =
        assertThrows(
            GpenException.class,
            () -> ModelFiles.loadDiscriminator(file, null, ModelFiles.Overrides.NONE));
    assertEquals(
        file
            + ": 1 tensor holds non-finite values: final_linear.1.bias (1 NaN)"
            + " (--allow_nonfinite loads it anyway)",
        e.getMessage());
    ModelFiles.loadDiscriminator(file, null, ModelFiles.Overrides.NONE.allowingNonFinite(true))
        .close();
  }
}
