package io.gpen.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reads the real checkpoints under ../shared (made by PyTorch and by the Paddle layout). */
class RealCheckpointsTest {
  private static Path golden;
  private static Path models;

  @BeforeAll
  static void needsSharedData() {
    golden = SharedData.require("golden");
    models = SharedData.require("models");
  }

  @Test
  void zipStateDictOfTheGenerator() {
    Path file = golden.resolve("gpen64.pth");
    assertEquals(Checkpoints.Format.TORCH_ZIP, Checkpoints.detect(file));
    StateDict sd = Checkpoints.read(file);
    assertEquals(106, sd.size());
    assertEquals("PyTorch checkpoint (zip format), state dict", sd.description());
    TensorData w = sd.get("generator.style.1.weight");
    assertEquals(DType.FLOAT32, w.dtype());
    assertArrayEquals(new long[] {512, 512}, w.shape());
    assertArrayEquals(new long[] {512, 2048}, sd.get("final_linear.0.weight").shape());
    // file order is kept: the mapping network comes first, final_linear last
    assertEquals("generator.style.1.weight", sd.tensors().keySet().iterator().next());
    assertTrue(
        sd.tensors().keySet().stream()
            .reduce((a, b) -> b)
            .orElseThrow()
            .startsWith("final_linear"));
    // the golden weights were perturbed away from initialisation: not all zero, all finite
    float[] v = w.toFloatArray();
    double sumSq = 0;
    for (float x : v) {
      assertTrue(Float.isFinite(x));
      sumSq += x * x;
    }
    assertTrue(sumSq > 0);
  }

  @Test
  void zipStateDictOfTheDiscriminator() {
    StateDict sd = Checkpoints.read(golden.resolve("disc64.pth"));
    assertEquals(36, sd.size());
    assertArrayEquals(new long[] {64, 3, 1, 1}, sd.get("convs.0.0.weight").shape());
    assertArrayEquals(new long[] {1}, sd.get("final_linear.1.bias").shape());
  }

  @Test
  void plainDictOfTensors() {
    StateDict io = Checkpoints.read(golden.resolve("gpen64_io.pth"));
    assertArrayEquals(new long[] {2, 3, 64, 64}, io.get("input").shape());
    assertArrayEquals(new long[] {2, 10, 512}, io.get("latent").shape());
    assertArrayEquals(new long[] {}, io.get("r1").shape());
    assertEquals(1, io.get("r1").numel());
    float[] input = io.get("input").toFloatArray();
    for (float x : input) {
      assertTrue(x >= -1f && x <= 1f, "input lies in [-1, 1]");
    }
  }

  @Test
  void pdparamsHoldTheSameTensorsAsTheTorchFile() {
    Path pd = golden.resolve("gpen64.pdparams");
    assertEquals(Checkpoints.Format.PICKLE, Checkpoints.detect(pd));
    StateDict paddle = Checkpoints.read(pd);
    StateDict torch = Checkpoints.read(golden.resolve("gpen64.pth"));
    assertTrue(!paddle.contains("StructuredToParameterName@@"), "name table left out");
    int shared = 0;
    for (Map.Entry<String, TensorData> e : paddle.tensors().entrySet()) {
      TensorData t = torch.get(e.getKey());
      if (t != null) {
        assertEquals(t, e.getValue(), e.getKey());
        shared++;
      }
    }
    // this golden file keeps every tensor, blur kernels included
    assertEquals(torch.size(), shared);
    assertEquals(torch.size(), paddle.size());
  }

  @Test
  void legacyRetinaFace() {
    Path file = models.resolve("retinaface_mobilenet0.25.pth");
    assertEquals(Checkpoints.Format.TORCH_LEGACY, Checkpoints.detect(file));
    StateDict sd = Checkpoints.read(file);
    assertEquals("PyTorch checkpoint (legacy format), state dict", sd.description());
    TensorData w = sd.get("body.stage1.0.0.weight");
    assertEquals(DType.FLOAT32, w.dtype());
    assertArrayEquals(new long[] {8, 3, 3, 3}, w.shape());
  }

  @Test
  void legacyMobileFaceNetWithInt64Counters() {
    StateDict sd = Checkpoints.read(models.resolve("mobilefacenet.pt"));
    TensorData counter =
        sd.tensors().entrySet().stream()
            .filter(e -> e.getKey().endsWith("num_batches_tracked"))
            .map(Map.Entry::getValue)
            .findFirst()
            .orElseThrow();
    assertEquals(DType.INT64, counter.dtype());
    assertEquals(0, counter.dim());
    assertTrue(counter.toFloatArray()[0] >= 0);
    assertArrayEquals(new long[] {64, 3, 3, 3}, sd.get("conv1.0.weight").shape());
  }
}
