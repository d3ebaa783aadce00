package io.gpen.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.checkpoint.Safetensors;
import io.gpen.model.ModelFiles;
import io.gpen.nn.Tensors;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ArcFace IR-SE50 has the official names, shapes and size of {@code model_ir_se50.pth}, and a state
 * dict written under those names loads back through {@link FaceEmbedders#load}. The real weights
 * are not available here, so the network carries random weights.
 */
class ArcFaceIrSe50Test {
  /** 43,797,696: the learnable tensors of Backbone(112, 50, 0.6, 'ir_se'), by the count below. */
  static final long OFFICIAL_PARAMETERS = 43_797_696L;

  /**
   * The parameter count from the architecture: stem conv + BN + PReLU; per unit BN, two 3×3
   * convolutions, PReLU, BN and the two SE convolutions (plus a 1×1 conv + BN shortcut where the
   * width changes); output BN2d, Linear(512·7·7, 512) and BN1d.
   */
  static long expectedParameters() {
    long total = 3 * 64 * 9 + 2 * 64 + 64;
    int[][] stages = {{64, 64, 3}, {64, 128, 4}, {128, 256, 14}, {256, 512, 3}};
    for (int[] s : stages) {
      for (int unit = 0; unit < s[2]; unit++) {
        long in = unit == 0 ? s[0] : s[1];
        long d = s[1];
        if (in != d) {
          total += in * d + 2 * d;
        }
        total += 2 * in + in * d * 9 + d + d * d * 9 + 2 * d + 2 * d * (d / 16);
      }
    }
    return total + 2 * 512 + 512L * 7 * 7 * 512 + 512 + 2 * 512;
  }

  @Test
  void officialNamesShapesAndSize(@TempDir Path dir) {
    assertEquals(OFFICIAL_PARAMETERS, expectedParameters());
    try (PointerScope scope = new PointerScope();
        ArcFaceIrSe50 net = new ArcFaceIrSe50()) {
      long count = 0;
      for (Tensor p : net.parameters()) {
        count += p.numel();
        assertFalse(p.requires_grad(), "frozen");
      }
      assertEquals(OFFICIAL_PARAMETERS, count);
      Map<String, Tensor> sd = net.stateDict();
      // 54 batch norms of 5 entries, 100 convolution weights, 25 PReLU weights, the linear weight
      // and bias
      assertEquals(397, sd.size());
      assertShape(sd, "input_layer.0.weight", 64, 3, 3, 3);
      assertShape(sd, "input_layer.2.weight", 64);
      assertShape(sd, "body.0.res_layer.1.weight", 64, 64, 3, 3);
      assertShape(sd, "body.3.shortcut_layer.0.weight", 128, 64, 1, 1);
      assertShape(sd, "body.3.shortcut_layer.1.running_var", 128);
      assertShape(sd, "body.23.res_layer.5.fc1.weight", 32, 512, 1, 1);
      assertShape(sd, "body.23.res_layer.5.fc2.weight", 512, 32, 1, 1);
      assertShape(sd, "output_layer.3.weight", 512, 25088);
      assertShape(sd, "output_layer.4.num_batches_tracked");
      assertFalse(
          sd.keySet().stream().anyMatch(k -> k.startsWith("body.0.shortcut_layer")),
          "an unchanged width subsamples with MaxPool2d(1, 2): nothing to store");
      assertEquals(
          24, sd.keySet().stream().filter(k -> k.endsWith("res_layer.5.fc1.weight")).count());

      Path file = dir.resolve("model_ir_se50.safetensors");
      Safetensors.write(file, ModelFiles.tensorData(net), Map.of());
      Tensor face = torch.rand(1, 3, 112, 112).mul(new Scalar(2)).sub(new Scalar(1));
      try (NoGradGuard noGrad = new NoGradGuard();
          FaceEmbedder loaded = FaceEmbedders.load(file)) {
        assertInstanceOf(ArcFaceIrSe50.class, loaded);
        assertEquals(512, loaded.dimension());
        Tensor expected = net.embed(face);
        Tensor actual = loaded.embed(face);
        assertArrayEquals(new long[] {1, 512}, Tensors.shape(actual));
        assertEquals(0.0, Tensors.maxAbsDiff(expected, actual));
        assertEquals(1.0, torch.linalg_vector_norm(actual).item_double(), 1e-5);
      }
    }
  }

  static void assertShape(Map<String, Tensor> sd, String name, long... shape) {
    assertTrue(sd.containsKey(name), "missing " + name);
    assertArrayEquals(shape, Tensors.shape(sd.get(name)), name);
  }
}
