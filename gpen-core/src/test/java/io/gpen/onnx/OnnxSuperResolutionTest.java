package io.gpen.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gpen.SharedData;
import io.gpen.api.Restorer;
import io.gpen.checkpoint.Checkpoints;
import io.gpen.checkpoint.StateDict;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.model.FastPathTest;
import io.gpen.model.FullGenerator;
import io.gpen.model.GoldenSuperResolutionTest;
import io.gpen.model.GpenConfig;
import io.gpen.model.ModelFiles;
import io.gpen.nn.Tensors;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ONNX graph of the golden {@code FullGenerator_SR} (32→64), run by ONNX Runtime: exported with
 * its drawn noise as inputs and given libtorch's draws, it computes the reference forward pass to
 * 1e-4; exported as users get it, it draws the noise itself (RandomNormalLike), is exact where the
 * drawn layers' noise weights are zero, and gives draws of which the golden image is a typical one.
 * See {@link GoldenSuperResolutionTest} for why the golden image itself cannot be matched.
 */
class OnnxSuperResolutionTest {
  static final double TOLERANCE = OnnxParityTest.TOLERANCE;
  static final String[] DRAWN = {"generator.convs.6", "generator.convs.7"};

  static StateDict io;
  static FullGenerator generator;

  @TempDir Path dir;

  @BeforeAll
  static void load() {
    io = Checkpoints.read(SharedData.require("golden/wild_io.pth"));
    generator =
        ModelFiles.loadGenerator(
                SharedData.require("golden/gpen_sr32to64.pth"), null, ModelFiles.Overrides.NONE)
            .model();
  }

  @AfterAll
  static void release() {
    if (generator != null) {
      generator.close();
    }
  }

  @Test
  void givenLibtorchsNoiseTheGraphComputesTheReferenceForwardPass() throws OrtException {
    Path file = dir.resolve("noise-inputs.onnx");
    OnnxExport.writeModel(generator, file, OnnxExport.INPUT_NAME, 0, true);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard();
        OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions())) {
      assertEquals(3, session.getInputInfo().size());
      assertArrayEquals(
          new long[] {-1, 64, 64, 64},
          ((TensorInfo) session.getInputInfo().get("generator.convs.6.noise").getInfo())
              .getShape());
      Tensor input = Tensors.fromData(io.get("sr_gen_input"));
      for (int batch : new int[] {2, 1}) {
        Tensor x = input.narrow(0, 0, batch);
        torch.manual_seed(9);
        Tensor expected = generator.forward(x).image();
        // the reference draws convs.6's noise, then convs.7's, each N(0,1) of [B,64,64,64]
        torch.manual_seed(9);
        Map<String, float[]> feeds = new LinkedHashMap<>();
        feeds.put(OnnxExport.INPUT_NAME, Tensors.toFloats(x));
        for (String layer : DRAWN) {
          feeds.put(
              layer + GeneratorGraph.NOISE_INPUT_SUFFIX,
              Tensors.toFloats(torch.randn(batch, 64, 64, 64)));
        }
        float[] actual = run(env, session, feeds, batch);
        double diff =
            OnnxParityTest.maxAbsDiff(actual, Tensors.toFloats(expected), 0, actual.length);
        System.out.printf(
            "SR 32->64 ONNX Runtime vs libtorch, same noise, batch of %d: max |diff| %.3g%n",
            batch, diff);
        assertTrue(diff <= TOLERANCE, "batch of " + batch + " differs by " + diff);
      }
    }
  }

  /** A random model whose noise is added rather than concatenated, two resolutions up. */
  @Test
  void addedNoiseModelMatchesLibtorch() throws OrtException {
    torch.manual_seed(23);
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard();
        FullGenerator g = new FullGenerator(new GpenConfig(16, 256, 4, 2, 0.25, false, 64))) {
      FastPathTest.perturb(g);
      Path file = dir.resolve("added.onnx");
      OnnxExport.writeModel(g, file, OnnxExport.INPUT_NAME, 0, true);
      Tensor x = torch.rand(2, 3, 16, 16).mul_(Tensors.scalar(2)).sub_(Tensors.scalar(1));
      torch.manual_seed(24);
      float[] expected = Tensors.toFloats(g.forward(x).image());
      // finer than the 16×16 input: convs.4 and convs.5 at 32×32, convs.6 and convs.7 at 64×64,
      // 128 channels each (512·0.25 and 256·2·0.25), drawn in that order
      torch.manual_seed(24);
      Map<String, float[]> feeds = new LinkedHashMap<>();
      feeds.put(OnnxExport.INPUT_NAME, Tensors.toFloats(x));
      feeds.put("generator.convs.4.noise", Tensors.toFloats(torch.randn(2, 128, 32, 32)));
      feeds.put("generator.convs.5.noise", Tensors.toFloats(torch.randn(2, 128, 32, 32)));
      feeds.put("generator.convs.6.noise", Tensors.toFloats(torch.randn(2, 128, 64, 64)));
      feeds.put("generator.convs.7.noise", Tensors.toFloats(torch.randn(2, 128, 64, 64)));
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      try (OrtSession session =
          env.createSession(file.toString(), new OrtSession.SessionOptions())) {
        assertEquals(feeds.keySet(), session.getInputInfo().keySet());
        float[] actual = run(env, session, feeds, 2);
        double diff = OnnxParityTest.maxAbsDiff(actual, expected, 0, actual.length);
        System.out.printf(
            "SR 16->64 (added noise) ONNX Runtime vs libtorch: max |diff| %.3g%n", diff);
        assertTrue(diff <= TOLERANCE, "differs by " + diff);
      }
    }
  }

  @Test
  void exportedGraphDrawsItsNoise() throws OrtException {
    Path file = dir.resolve("model.onnx");
    OnnxExport.writeModel(generator, file, 0);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard();
        OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions())) {
      assertEquals(
          Map.of(
              "format",
              "gpen-onnx",
              "size",
              "32",
              "out_size",
              "64",
              "channel_multiplier",
              "1",
              "narrow",
              "0.25",
              "style_dim",
              "512",
              "n_mlp",
              "8",
              "isconcat",
              "true"),
          session.getMetadata().getCustomMetadata());
      assertEquals(1, session.getInputInfo().size());
      assertArrayEquals(
          new long[] {-1, 3, 32, 32},
          ((TensorInfo) session.getInputInfo().get("image").getInfo()).getShape());
      assertArrayEquals(
          new long[] {-1, 3, 64, 64},
          ((TensorInfo) session.getOutputInfo().get("output").getInfo()).getShape());
      Tensor input = Tensors.fromData(io.get("sr_gen_input"));
      Map<String, float[]> feeds = Map.of(OnnxExport.INPUT_NAME, Tensors.toFloats(input));
      // fresh noise on every run
      assertTrue(
          OnnxParityTest.maxAbsDiff(
                  run(env, session, feeds, 2), run(env, session, feeds, 2), 0, 2 * 3 * 64 * 64)
              > 0.01);
      TensorVector draws = new TensorVector();
      for (int k = 0; k < 32; k++) {
        draws.push_back(Tensors.fromFloats(run(env, session, feeds, 2), 2, 3, 64, 64));
      }
      double[] z =
          GoldenSuperResolutionTest.zScores(
              torch.stack(draws, 0), Tensors.fromData(io.get("sr_gen_output")));
      System.out.printf(
          "SR 32->64 golden image vs 32 ONNX Runtime draws: mean |z| %.3f, max |z| %.3f%n",
          z[0], z[1]);
      assertTrue(z[0] > 0.65 && z[0] < 0.95, "mean |z| " + z[0]);
      assertTrue(z[1] < 8, "max |z| " + z[1]);
    }
  }

  @Test
  void withoutDrawnNoiseTheExportedGraphIsExact() throws OrtException {
    torch.manual_seed(2);
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard();
        FullGenerator g = quietGoldenModel()) {
      Path file = dir.resolve("quiet.onnx");
      OnnxExport.writeModel(g, file, 0);
      Tensor input = Tensors.fromData(io.get("sr_gen_input"));
      float[] expected = Tensors.toFloats(g.forward(input).image());
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      try (OrtSession session =
          env.createSession(file.toString(), new OrtSession.SessionOptions())) {
        float[] actual =
            run(env, session, Map.of(OnnxExport.INPUT_NAME, Tensors.toFloats(input)), 2);
        double diff = OnnxParityTest.maxAbsDiff(actual, expected, 0, actual.length);
        assertTrue(diff <= TOLERANCE, "differs by " + diff);
      }
    }
  }

  /** The golden 32→64 model with the drawn layers' noise weights zeroed: it draws nothing. */
  private static FullGenerator quietGoldenModel() {
    FullGenerator g =
        ModelFiles.loadGenerator(
                SharedData.require("golden/gpen_sr32to64.pth"), null, ModelFiles.Overrides.NONE)
            .model();
    try (NoGradGuard noGrad = new NoGradGuard()) {
      g.generator().convs().get(6).noise().weight().zero_();
      g.generator().convs().get(7).noise().weight().zero_();
    }
    return g;
  }

  /**
   * The ONNX restorer reads the larger output side from the model: with the drawn layers' noise
   * weights zeroed, it restores faces as the libtorch restorer does (32 px in, 64 px out).
   */
  @Test
  void onnxRestorerGivesTheDecodersSide() {
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      FullGenerator g = quietGoldenModel(); // the libtorch restorer below owns it
      Path file = dir.resolve("quiet.onnx");
      OnnxExport.writeModel(g, file, 0);
      try (Image face = Images.read(SharedData.require("faces/ffhq256/00001.png"));
          OnnxRestorer onnx = OnnxRestorer.open(file, "cpu", 0, 2);
          Restorer libtorch = Restorer.builder().batchSize(2).build(g)) {
        assertEquals(64, onnx.size());
        assertEquals(32, onnx.inputSize());
        assertTrue(onnx.description().contains("output 64x64"), onnx.description());
        java.util.List<Mat> got = onnx.restore(java.util.List.of(face.bgr(), face.bgr()));
        java.util.List<Mat> want = libtorch.restore(java.util.List.of(face.bgr()));
        assertEquals(64, got.get(1).cols());
        assertEquals(64, got.get(1).rows());
        try (Mat diff = new Mat()) {
          org.bytedeco.opencv.global.opencv_core.absdiff(got.get(1), want.get(0), diff);
          double[] max = new double[1];
          org.bytedeco.opencv.global.opencv_core.minMaxLoc(
              diff.reshape(1), null, max, null, null, null);
          // the two engines' float sums differ in the last bits: at most one level after rounding
          assertTrue(max[0] <= 1, "ONNX and libtorch restorations differ by " + max[0] + " levels");
        }
      }
    }
  }

  @Test
  void exportDescribesBothSizes() throws IOException {
    OnnxExport.Result r = OnnxExport.export(generator, dir.resolve("GPEN"), null, 0);
    JsonNode json = new ObjectMapper().readTree(r.infoFile().toFile());
    assertEquals(32, json.get("size").asInt());
    assertEquals(64, json.get("out_size").asInt());
    assertEquals("[\"N\",3,32,32]", json.get("input").get("shape").toString());
    assertEquals("[\"N\",3,64,64]", json.get("output").get("shape").toString());
  }

  /** One run: the named float inputs, batch first; returns the output [batch,3,64,64]. */
  private static float[] run(
      OrtEnvironment env, OrtSession session, Map<String, float[]> feeds, int batch)
      throws OrtException {
    Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, float[]> f : feeds.entrySet()) {
        long[] shape =
            ((TensorInfo) session.getInputInfo().get(f.getKey()).getInfo()).getShape().clone();
        shape[0] = batch;
        tensors.put(
            f.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(f.getValue()), shape));
      }
      try (OrtSession.Result result = session.run(tensors)) {
        FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
        float[] a = new float[out.remaining()];
        out.get(a);
        assertEquals(
            batch * 3 * 64 * 64,
            a.length,
            Arrays.toString(((OnnxTensor) result.get(0)).getInfo().getShape()));
        return a;
      }
    } finally {
      tensors.values().forEach(OnnxTensor::close);
    }
  }
}
