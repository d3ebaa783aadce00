package io.gpen.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gpen.model.FastPathTest;
import io.gpen.model.FullGenerator;
import io.gpen.model.GpenConfig;
import io.gpen.model.ModelFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link OnnxExport} writes: the model's signature and metadata, model.json, fixed batch
 * sizes.
 */
class OnnxExportTest {
  static FullGenerator model;

  @TempDir Path dir;

  @BeforeAll
  static void build() {
    torch.manual_seed(3);
    model = new FullGenerator(GpenConfig.of(64, 1, 0.25));
    FastPathTest.perturb(model);
  }

  @AfterAll
  static void release() {
    model.close();
  }

  @Test
  void exportWritesTheModelAndItsDescription() throws IOException, OrtException {
    Path checkpoint = dir.resolve("weights.safetensors");
    ModelFiles.saveGenerator(model, checkpoint);

    OnnxExport.Result r = OnnxExport.export(model, dir.resolve("GPEN"), checkpoint, 0);

    assertEquals(dir.resolve("GPEN/model.onnx"), r.modelFile());
    assertEquals(Files.size(r.modelFile()), r.bytes());
    assertEquals(sha256(r.modelFile()), r.sha256());
    JsonNode json = new ObjectMapper().readTree(r.infoFile().toFile());
    assertEquals("gpen-onnx", json.get("format").asText());
    assertEquals("model.onnx", json.get("model_file").asText());
    assertEquals(r.sha256(), json.get("sha256").asText());
    assertEquals(r.bytes(), json.get("bytes").asLong());
    assertEquals(64, json.get("size").asInt());
    assertEquals(1, json.get("channel_multiplier").asInt());
    assertEquals(0.25, json.get("narrow").asDouble());
    assertEquals("image", json.get("input").get("name").asText());
    assertEquals("[\"N\",3,64,64]", json.get("input").get("shape").toString());
    assertEquals("[\"N\",3,64,64]", json.get("output").get("shape").toString());
    assertEquals(17, json.get("opset").asInt());
    assertEquals(
        checkpoint.toAbsolutePath().toString(), json.get("source").get("checkpoint").asText());
    assertEquals(sha256(checkpoint), json.get("source").get("sha256").asText());

    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s =
        env.createSession(r.modelFile().toString(), new OrtSession.SessionOptions())) {
      assertEquals(
          Map.of(
              "format",
              "gpen-onnx",
              "size",
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
          s.getMetadata().getCustomMetadata());
      assertArrayEquals(
          new long[] {-1, 3, 64, 64},
          ((TensorInfo) s.getInputInfo().get("image").getInfo()).getShape());
      assertArrayEquals(
          new long[] {-1, 3, 64, 64},
          ((TensorInfo) s.getOutputInfo().get("output").getInfo()).getShape());
    }
  }

  @Test
  void fixedBatchModelsRunFacesInRunsOfTheirBatch() {
    Path dynamic = dir.resolve("dynamic.onnx");
    Path single = dir.resolve("single.onnx");
    Path pairs = dir.resolve("pairs.onnx");
    OnnxExport.writeModel(model, dynamic, 0);
    OnnxExport.writeModel(model, single, "x", 1);
    OnnxExport.writeModel(model, pairs, 2);
    float[] faces = new float[3 * 3 * 64 * 64];
    Random random = new Random(5);
    for (int i = 0; i < faces.length; i++) {
      faces[i] = random.nextFloat() * 2 - 1;
    }
    float[] expected;
    try (OnnxRestorer r = OnnxRestorer.open(dynamic, "cpu", 1, 3)) {
      assertEquals(0, r.fixedBatch());
      expected = r.forward(faces, 3);
    }
    try (OnnxRestorer r = OnnxRestorer.open(single, "cpu", 1, 3)) {
      assertEquals(1, r.fixedBatch());
      assertEquals("x", r.inputName());
      assertTrue(r.description().contains("input 'x' [1, 3, 64, 64]"), r.description());
      assertArrayEquals(expected, r.forward(faces, 3), 1e-5f);
    }
    // three faces through a batch of two: the second run is padded
    try (OnnxRestorer r = OnnxRestorer.open(pairs, "cpu", 1, 1)) {
      assertEquals(2, r.fixedBatch());
      assertArrayEquals(expected, r.forward(faces, 3), 1e-5f);
    }
  }

  static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
