package io.gpen.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.checkpoint.Safetensors;
import io.gpen.checkpoint.TensorData;
import io.gpen.nn.Tensors;
import io.gpen.registry.ModelRegistry;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LPIPS loads alex.pth-style heads and a torchvision AlexNet trunk and measures as the reference.
 */
class LpipsTest {
  @TempDir static Path dir;
  private static Path trunk;
  private static Path heads;
  private static Path firstHeadOnly;

  // torchvision alexnet().features: (index, out, in, kernel)
  private static final int[][] CONVS = {
    {0, 64, 3, 11}, {3, 192, 64, 5}, {6, 384, 192, 3}, {8, 256, 384, 3}, {10, 256, 256, 3}
  };

  @BeforeAll
  static void writeWeights() {
    torch.manual_seed(11);
    Map<String, TensorData> t = new LinkedHashMap<>();
    Map<String, TensorData> h = new LinkedHashMap<>();
    Map<String, TensorData> h0 = new LinkedHashMap<>();
    try (PointerScope scope = new PointerScope()) {
      for (int[] c : CONVS) {
        double std = Math.sqrt(2.0 / (c[2] * c[3] * c[3]));
        t.put(
            "features." + c[0] + ".weight",
            Tensors.toData(torch.randn(c[1], c[2], c[3], c[3]).mul(new Scalar(std))));
        t.put(
            "features." + c[0] + ".bias", Tensors.toData(torch.randn(c[1]).mul(new Scalar(0.05))));
      }
      // the classifier is ignored by name (stand-ins far smaller than the real 9216→4096→4096→1000)
      for (int i : new int[] {1, 4, 6}) {
        t.put("classifier." + i + ".weight", Tensors.toData(torch.randn(4, 3)));
        t.put("classifier." + i + ".bias", Tensors.toData(torch.randn(4)));
      }
      for (int k = 0; k < 5; k++) {
        Tensor w = torch.rand(1, CONVS[k][1], 1, 1).mul(new Scalar(0.1));
        h.put("lin" + k + ".model.1.weight", Tensors.toData(w));
        h0.put("lin" + k + ".model.1.weight", Tensors.toData(k == 0 ? w : w.mul(new Scalar(0))));
      }
    }
    trunk = dir.resolve("alexnet.safetensors");
    heads = dir.resolve("alex.safetensors");
    firstHeadOnly = dir.resolve("alex0.safetensors");
    Safetensors.write(trunk, t, Map.of());
    Safetensors.write(heads, h, Map.of());
    Safetensors.write(firstHeadOnly, h0, Map.of());
  }

  @Test
  void isADistance() {
    try (Lpips lpips = Lpips.load(heads, trunk);
        PointerScope scope = new PointerScope()) {
      Tensor x = torch.rand(3, 3, 64, 72).mul(new Scalar(2)).sub(new Scalar(1));
      Tensor y = torch.rand(3, 3, 64, 72).mul(new Scalar(2)).sub(new Scalar(1));
      Tensor dxy = lpips.distance(x, y);
      assertArrayEquals(new long[] {3}, Tensors.shape(dxy));
      float[] d = Tensors.toFloats(dxy);
      float[] same = Tensors.toFloats(lpips.distance(x, x.clone()));
      float[] swapped = Tensors.toFloats(lpips.distance(y, x));
      for (int i = 0; i < 3; i++) {
        assertTrue(d[i] > 0, "positive: " + d[i]);
        assertEquals(0, same[i], 0, "zero for identical images");
        assertEquals(d[i], swapped[i], 1e-6 * d[i], "symmetric");
      }
      // each pair is measured on its own
      float[] alone = Tensors.toFloats(lpips.distance(x.narrow(0, 1, 1), y.narrow(0, 1, 1)));
      assertEquals(d[1], alone[0], 1e-5 * d[1]);
    }
  }

  /**
   * With only the first head non-zero, LPIPS is the first layer's term, computed here literally:
   * the reference's scaling, AlexNet's 11×11 stride-4 convolution (padding 2) and ReLU, unit
   * vectors along channels (+1e-10), the squared difference weighted by the head, averaged over
   * positions.
   */
  @Test
  void matchesALiteralFirstLayerTerm() {
    int h = 35;
    int w = 39;
    Random r = new Random(3);
    float[] x = new float[3 * h * w];
    float[] y = new float[3 * h * w];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat() * 2 - 1;
      y[i] = Math.max(-1, Math.min(1, x[i] + (float) r.nextGaussian() * 0.3f));
    }
    float got;
    try (Lpips lpips = Lpips.load(firstHeadOnly, trunk);
        PointerScope scope = new PointerScope()) {
      got =
          Tensors.toFloats(
              lpips.distance(Tensors.fromFloats(x, 1, 3, h, w), Tensors.fromFloats(y, 1, 3, h, w)))[
              0];
    }
    io.gpen.checkpoint.StateDict t = io.gpen.checkpoint.Checkpoints.read(trunk);
    float[] weight = t.get("features.0.weight").toFloatArray();
    float[] bias = t.get("features.0.bias").toFloatArray();
    float[] head =
        io.gpen.checkpoint.Checkpoints.read(firstHeadOnly)
            .get("lin0.model.1.weight")
            .toFloatArray();
    double[] shift = {-.030, -.088, -.188};
    double[] scale = {.458, .448, .450};
    int oh = (h + 4 - 11) / 4 + 1;
    int ow = (w + 4 - 11) / 4 + 1;
    double total = 0;
    for (int oy = 0; oy < oh; oy++) {
      for (int ox = 0; ox < ow; ox++) {
        double[] fx = new double[64];
        double[] fy = new double[64];
        double nx = 0;
        double ny = 0;
        for (int o = 0; o < 64; o++) {
          double sx = bias[o];
          double sy = bias[o];
          for (int c = 0; c < 3; c++) {
            for (int ky = 0; ky < 11; ky++) {
              for (int kx = 0; kx < 11; kx++) {
                int iy = oy * 4 - 2 + ky;
                int ix = ox * 4 - 2 + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
                  continue;
                }
                double wt = weight[((o * 3 + c) * 11 + ky) * 11 + kx];
                int p = (c * h + iy) * w + ix;
                sx += wt * (x[p] - shift[c]) / scale[c];
                sy += wt * (y[p] - shift[c]) / scale[c];
              }
            }
          }
          fx[o] = Math.max(0, sx);
          fy[o] = Math.max(0, sy);
          nx += fx[o] * fx[o];
          ny += fy[o] * fy[o];
        }
        nx = Math.sqrt(nx) + 1e-10;
        ny = Math.sqrt(ny) + 1e-10;
        for (int o = 0; o < 64; o++) {
          double d = fx[o] / nx - fy[o] / ny;
          total += head[o] * d * d;
        }
      }
    }
    double expected = total / (oh * ow);
    assertTrue(expected > 1e-3, "a non-trivial term: " + expected);
    assertEquals(expected, got, 1e-5 * expected);
  }

  @Test
  void measuresBgrImages() {
    Random r = new Random(9);
    Mat a = ImageMetricsTest.random(r, 48, 48, 3);
    Mat b = ImageMetricsTest.similar(r, a, 30);
    try (Lpips lpips = Lpips.load(heads, trunk)) {
      double[] d = lpips.distance(List.of(a, b), List.of(b, b));
      assertTrue(d[0] > 0);
      assertEquals(0, d[1], 0);
      try (PointerScope scope = new PointerScope()) {
        Tensor ta = ImageTensors.rgb01(List.of(a)).mul(new Scalar(2)).sub(new Scalar(1));
        Tensor tb = ImageTensors.rgb01(List.of(b)).mul(new Scalar(2)).sub(new Scalar(1));
        // one pair alone runs other convolution kernels than a batch of two (oneDNN picks them by
        // batch size and CPU), which sum in another order: equal to float precision, not bit for
        // bit
        float alone = Tensors.toFloats(lpips.distance(ta, tb))[0];
        assertEquals(alone, d[0], 1e-6 * Math.abs(alone));
      }
    }
  }

  @Test
  void opensByPathOrSkipsWithAReason() {
    ModelRegistry registry = new ModelRegistry(List.of(), dir.resolve("cache"));
    Loaded<Lpips> none = Lpips.open(" ", null, registry);
    assertFalse(none.isLoaded());
    assertTrue(none.skipReason().orElseThrow().contains("LPIPS"), none.toString());
    Loaded<Lpips> given = Lpips.open(heads.toString(), trunk.toString(), registry);
    assertTrue(given.isLoaded());
    given.get().close();
  }

  @Test
  void wrongFilesFailNamingTheFile() {
    FrechetDistanceTest.assertFailsNaming(
        trunk, "LPIPS v0.1 AlexNet linear heads", () -> Lpips.load(trunk, trunk));
    FrechetDistanceTest.assertFailsNaming(
        heads, "10 missing [features.0.weight, features.0.bias", () -> Lpips.load(heads, heads));
    Path gpen = SharedData.require("golden/gpen64.pth");
    FrechetDistanceTest.assertFailsNaming(gpen, "AlexNet trunk", () -> Lpips.load(heads, gpen));
  }
}
