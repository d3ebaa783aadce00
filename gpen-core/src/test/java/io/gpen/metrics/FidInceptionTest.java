package io.gpen.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.checkpoint.DType;
import io.gpen.checkpoint.Safetensors;
import io.gpen.checkpoint.TensorData;
import io.gpen.nn.Tensors;
import io.gpen.registry.ModelRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The FID InceptionV3 loads pt_inception-style files by their names and gives pool3 features. */
class FidInceptionTest {
  @TempDir static Path dir;
  private static Path weights;
  private static FidInception net;

  /**
   * Writes random weights under every name of the network, plus what the published file holds
   * beside them (the 1008-class {@code fc} and batch-norm counters), which loading must ignore.
   */
  @BeforeAll
  static void writeWeights() {
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    torch.manual_seed(7);
    try (FidInception shape = new FidInception();
        PointerScope scope = new PointerScope()) {
      for (Map.Entry<String, Tensor> e : shape.stateDict().entrySet()) {
        String name = e.getKey();
        long[] s = Tensors.shape(e.getValue());
        Tensor v = torch.randn(s);
        if (name.endsWith("conv.weight")) {
          v = v.mul(new org.bytedeco.pytorch.Scalar(Math.sqrt(2.0 / (s[1] * s[2] * s[3]))));
        } else if (name.endsWith("bn.weight")) {
          v = v.mul(new org.bytedeco.pytorch.Scalar(0.1)).add(new org.bytedeco.pytorch.Scalar(1));
        } else if (name.endsWith("running_var")) {
          v =
              v.abs()
                  .mul(new org.bytedeco.pytorch.Scalar(0.2))
                  .add(new org.bytedeco.pytorch.Scalar(0.9));
        } else {
          v = v.mul(new org.bytedeco.pytorch.Scalar(0.1));
        }
        tensors.put(name, Tensors.toData(v));
        if (name.endsWith("running_var")) {
          String counter = name.replace("running_var", "num_batches_tracked");
          tensors.put(
              counter,
              new TensorData(
                  DType.INT64, new long[0], ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)));
        }
      }
      tensors.put("fc.weight", Tensors.toData(torch.zeros(1008, 2048)));
      tensors.put("fc.bias", Tensors.toData(torch.zeros(1008)));
    }
    weights = dir.resolve("pt_inception.safetensors");
    Safetensors.write(weights, tensors, Map.of());
    net = FidInception.load(weights);
  }

  @AfterAll
  static void release() {
    net.close();
  }

  @Test
  void hasThePublishedArchitecture() {
    try (FidInception net = new FidInception()) {
      Map<String, Tensor> sd = net.stateDict();
      // torchvision's inception_v3 counts 27,161,264 parameters; less AuxLogits (98,560 + 2,459,136
      // + 769,000) and fc (2,049,000) leaves 21,785,568 in 94 BasicConv2d blocks
      long learnable = 0;
      int convs = 0;
      for (Map.Entry<String, Tensor> e : sd.entrySet()) {
        String n = e.getKey();
        if (n.endsWith(".conv.weight")) {
          convs++;
        }
        if (!n.endsWith("running_mean") && !n.endsWith("running_var")) {
          learnable += e.getValue().numel();
        }
      }
      assertEquals(94, convs);
      assertEquals(94 * 5, sd.size());
      assertEquals(21_785_568L, learnable);
      Map<String, long[]> published =
          Map.of(
              "Conv2d_1a_3x3.conv.weight", new long[] {32, 3, 3, 3},
              "Conv2d_4a_3x3.bn.running_var", new long[] {192},
              "Mixed_5b.branch_pool.conv.weight", new long[] {32, 192, 1, 1},
              "Mixed_5d.branch5x5_2.conv.weight", new long[] {64, 48, 5, 5},
              "Mixed_6a.branch3x3.conv.weight", new long[] {384, 288, 3, 3},
              "Mixed_6c.branch7x7_2.conv.weight", new long[] {160, 160, 1, 7},
              "Mixed_6e.branch7x7dbl_2.conv.weight", new long[] {192, 192, 7, 1},
              "Mixed_7a.branch7x7x3_4.conv.weight", new long[] {192, 192, 3, 3},
              "Mixed_7b.branch3x3dbl_3b.conv.weight", new long[] {384, 384, 3, 1},
              "Mixed_7c.branch_pool.conv.weight", new long[] {192, 2048, 1, 1});
      published.forEach(
          (name, shape) -> assertArrayEquals(shape, Tensors.shape(sd.get(name)), name));
    }
  }

  @Test
  void loadsAndGivesPool3Features() {
    try (PointerScope scope = new PointerScope()) {
      Tensor images = torch.rand(2, 3, 64, 80);
      Tensor f = net.features(images);
      assertArrayEquals(new long[] {2, 2048}, Tensors.shape(f));
      float[] v = Tensors.toFloats(f);
      double sum = 0;
      for (float x : v) {
        assertTrue(Float.isFinite(x) && x >= 0, "averages of ReLU outputs: " + x);
        sum += x;
      }
      assertTrue(sum > 0, "not all zero");
      // each image's features do not depend on its batch
      Tensor first = net.features(images.narrow(0, 0, 1));
      assertTrue(Tensors.maxAbsDiff(first, f.narrow(0, 0, 1)) < 1e-4 * f.abs().max().item_double());
      // a different image gives different features
      assertTrue(Tensors.maxAbsDiff(f.narrow(0, 0, 1), f.narrow(0, 1, 1)) > 1e-3);
    }
  }

  @Test
  void featuresFeedTheSetStatistics() {
    try (PointerScope scope = new PointerScope()) {
      Tensor set = net.features(torch.rand(4, 3, 48, 48));
      Tensor other =
          net.features(torch.rand(4, 3, 48, 48).mul(new org.bytedeco.pytorch.Scalar(0.5)));
      FeatureAccumulator whole = FidInception.newAccumulator();
      whole.add(set);
      assertEquals(4, whole.statistics().count());
      assertEquals(FidInception.FEATURES, whole.statistics().features());
      // the distance itself on 64 of the 2048 features, to keep the test fast
      FeatureAccumulator a = new FeatureAccumulator(64, "first 64");
      FeatureAccumulator b = new FeatureAccumulator(64, "first 64");
      FeatureAccumulator c = new FeatureAccumulator(64, "first 64");
      a.add(set.narrow(1, 0, 64));
      b.add(set.narrow(1, 0, 64).narrow(0, 0, 2));
      b.add(set.narrow(1, 0, 64).narrow(0, 2, 2));
      c.add(other.narrow(1, 0, 64));
      assertEquals(0, FrechetDistance.between(a.statistics(), b.statistics()), 1e-9);
      assertTrue(FrechetDistance.between(a.statistics(), c.statistics()) > 1e-3);
    }
  }

  @Test
  void takesBgrImages() {
    Mat a =
        new Mat(40, 30, org.bytedeco.opencv.global.opencv_core.CV_8UC3, new Scalar(10, 20, 30, 0));
    try (PointerScope scope = new PointerScope()) {
      Tensor t = ImageTensors.rgb01(List.of(a, a));
      assertArrayEquals(new long[] {2, 3, 40, 30}, Tensors.shape(t));
      assertEquals(30 / 255f, t.get(0).get(0).get(5).get(7).item_float(), 0);
      assertEquals(20 / 255f, t.get(1).get(1).get(39).get(0).item_float(), 0);
      assertEquals(10 / 255f, t.get(0).get(2).get(0).get(29).item_float(), 0);
    }
  }

  @Test
  void opensByPathOrSkipsWithAReason() {
    ModelRegistry registry = new ModelRegistry(List.of(), dir.resolve("cache"));
    Loaded<FidInception> none = FidInception.open(null, registry);
    assertFalse(none.isLoaded());
    assertTrue(none.skipReason().orElseThrow().contains("FID-InceptionV3"), none.toString());
    Loaded<FidInception> given = FidInception.open(weights.toString(), registry);
    assertTrue(given.isLoaded());
    given.get().close();
  }

  @Test
  void otherFilesFailNamingTheFile() {
    Path gpen = SharedData.require("golden/gpen64.pth");
    FrechetDistanceTest.assertFailsNaming(
        gpen, "does not fit the FID InceptionV3", () -> FidInception.load(gpen));
    Map<String, TensorData> partial =
        new LinkedHashMap<>(io.gpen.checkpoint.Checkpoints.read(weights).tensors());
    partial.remove("Mixed_6b.branch7x7_3.bn.running_mean");
    partial.put("Mixed_7c.branch1x1.conv.weight", TensorData.ofFloats(new long[] {1}, 0f));
    Path broken = dir.resolve("broken.safetensors");
    Safetensors.write(broken, partial, Map.of());
    FrechetDistanceTest.assertFailsNaming(
        broken,
        "1 missing [Mixed_6b.branch7x7_3.bn.running_mean]",
        () -> FidInception.load(broken));
    FrechetDistanceTest.assertFailsNaming(
        broken,
        "Mixed_7c.branch1x1.conv.weight (file [1], model [320, 2048, 1, 1])",
        () -> FidInception.load(broken));
  }
}
