package io.gpen.checkpoint;

import static io.gpen.checkpoint.CheckpointFixtures.assertFails;
import static io.gpen.checkpoint.CheckpointFixtures.cut;
import static io.gpen.checkpoint.CheckpointFixtures.ramp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The project's own format: safetensors, written and read back. */
class SafetensorsTest {
  @TempDir Path dir;

  private static Map<String, TensorData> everyType() {
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    // deliberately not in alphabetical order: insertion order is kept
    for (DType type : DType.values()) {
      tensors.put("z_" + type.name().toLowerCase(), ramp(type, 2, 3));
    }
    tensors.put("a_scalar", ramp(DType.FLOAT32, new long[0]));
    tensors.put("m_empty", ramp(DType.INT64, 0, 3));
    return tensors;
  }

  @Test
  void roundTripKeepsOrderTypesShapesAndMetadata() throws IOException {
    Map<String, TensorData> tensors = everyType();
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("size", "512");
    metadata.put("note", "quotes \" and \\ and \u00e9 and \n newline");
    Path file = dir.resolve("model.safetensors");
    Safetensors.write(file, tensors, metadata);

    StateDict sd = Safetensors.read(file);
    assertEquals(List.copyOf(tensors.keySet()), List.copyOf(sd.tensors().keySet()));
    tensors.forEach((k, t) -> assertEquals(t, sd.get(k), k));
    assertEquals(metadata, sd.metadata());
    assertEquals(Checkpoints.Format.SAFETENSORS, Checkpoints.detect(file));
    StateDict viaEntryPoint = Checkpoints.read(file);
    assertEquals("safetensors, state dict", viaEntryPoint.description());
    assertEquals(metadata, viaEntryPoint.metadata());
    assertEquals(tensors, ((Map<?, ?>) Checkpoints.readObject(file)));

    // the data starts 8-byte aligned after a space-padded header, and nothing else was left behind
    long headerLength =
        ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, headerLength % 8);
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList());
    }
  }

  @Test
  void readsTheLayoutOfOtherWriters() throws IOException {
    // unpadded header, metadata after the tensors, data in another order than the header
    String header =
        "{\"b\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[8,16]},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"__metadata__\":{\"format\":\"pt\"}}";
    ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    data.putFloat(1.5f).putFloat(-2f).putInt(7).putInt(-9);
    Path file = dir.resolve("other.safetensors");
    Files.write(file, file(header, data.array()));
    StateDict sd = Safetensors.read(file);
    assertEquals(List.of("b", "a"), List.copyOf(sd.tensors().keySet()));
    assertEquals(TensorData.ofFloats(new long[] {2}, 1.5f, -2f), sd.get("a"));
    assertEquals(DType.INT32, sd.get("b").dtype());
    assertEquals(
        List.of(7f, -9f), List.of(sd.get("b").toFloatArray()[0], sd.get("b").toFloatArray()[1]));
    assertEquals(Map.of("format", "pt"), sd.metadata());
  }

  @Test
  void trainingCheckpointParts() throws IOException {
    Map<String, Map<String, TensorData>> parts = new LinkedHashMap<>();
    parts.put("g", Map.of("conv.weight", ramp(DType.FLOAT32, 2)));
    parts.put("d", Map.of("conv.weight", ramp(DType.FLOAT32, 3)));
    parts.put("g_ema", Map.of("conv.weight", ramp(DType.FLOAT32, 4)));
    parts.put(
        "g_optim",
        Map.of(
            "state.0.exp_avg",
            ramp(DType.FLOAT32, 2),
            "state.0.step",
            ramp(DType.INT64, new long[0])));
    Path file = dir.resolve("000100.safetensors");
    Safetensors.writeParts(file, parts, Map.of("iteration", "100"));

    StateDict all = Safetensors.read(file);
    assertEquals(Safetensors.TRAINING_FORMAT, all.metadata().get("format"));
    assertEquals("100", all.metadata().get("iteration"));
    assertEquals(List.of("g", "d", "g_ema", "g_optim"), List.copyOf(all.partNames()));
    assertEquals(Set.of("state.0.exp_avg", "state.0.step"), all.part("g_optim").tensors().keySet());

    StateDict ema = Checkpoints.read(file);
    assertEquals("safetensors, part 'g_ema'", ema.description());
    assertEquals(Map.of("conv.weight", ramp(DType.FLOAT32, 4)), ema.tensors());
    assertEquals(ramp(DType.FLOAT32, 3), Checkpoints.read(file, "d").get("conv.weight"));
    assertFails(
        file, "has no part 'x' (parts: g, d, g_ema, g_optim)", () -> Checkpoints.read(file, "x"));

    parts.remove("g_ema");
    Safetensors.writeParts(file, parts, Map.of());
    assertFails(
        file,
        "holds several state dicts (g, d, g_optim); choose one of them",
        () -> Checkpoints.read(file));
    Safetensors.writeParts(file, Map.of("g", parts.get("g")), Map.of());
    assertEquals(ramp(DType.FLOAT32, 2), Checkpoints.read(file).get("conv.weight"));
  }

  @Test
  void aPlainFileHasNoParts() throws IOException {
    Path file = dir.resolve("plain.safetensors");
    Safetensors.write(file, Map.of("g_ema.w", ramp(DType.FLOAT32, 2)), Map.of());
    assertFails(
        file,
        "is a single state dict, it has no part 'g_ema'",
        () -> Checkpoints.read(file, "g_ema"));
    assertEquals(Set.of("g_ema.w"), Checkpoints.read(file).tensors().keySet());
  }

  @Test
  void writerRefusesNamesItCannotStore() {
    Path file = dir.resolve("x.safetensors");
    TensorData t = ramp(DType.FLOAT32, 1);
    assertThrows(
        IllegalArgumentException.class,
        () -> Safetensors.write(file, Map.of("__metadata__", t), Map.of()));
    assertThrows(
        IllegalArgumentException.class,
        () -> Safetensors.writeParts(file, Map.of("g.x", Map.of("w", t)), Map.of()));
    assertThrows(
        IllegalArgumentException.class,
        () -> Safetensors.writeParts(file, Map.of("g", Map.of("w", t)), Map.of("format", "pt")));
    assertTrue(Files.notExists(file));
  }

  @Test
  void tensorsOfSeveralMegabytesAreReadWhole() throws IOException {
    // larger than the 1 MiB read per call, and not a multiple of it
    Map<String, TensorData> tensors = Map.of("big", ramp(DType.INT8, 3 * (1 << 20) + 5));
    Path file = dir.resolve("big.safetensors");
    Safetensors.write(file, tensors, Map.of());
    assertEquals(tensors.get("big"), Safetensors.read(file).get("big"));
  }

  // ---- failures ---------------------------------------------------------------------------------

  @Test
  void truncatedFiles() throws IOException {
    Path file = dir.resolve("full.safetensors");
    Safetensors.write(file, everyType(), Map.of());
    Path data = cut(file, dir.resolve("data.safetensors"), 3);
    // the last tensor with bytes is the scalar
    assertFails(
        data, "truncated: tensor 'a_scalar' ends at data byte", () -> Safetensors.read(data));
    Path header = dir.resolve("header.safetensors");
    Files.write(header, Arrays.copyOf(Files.readAllBytes(file), 40));
    assertFails(header, "truncated: the safetensors header needs", () -> Checkpoints.read(header));
  }

  @Test
  void corruptHeaders() throws IOException {
    byte[] data = new byte[8];
    Path file = dir.resolve("bad.safetensors");
    Files.write(file, file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]", data));
    assertFails(file, "corrupt safetensors header (", () -> Checkpoints.read(file));
    Files.write(
        file, file("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[8],\"data_offsets\":[0,8]}}", data));
    assertFails(file, "tensor 'a' has unsupported dtype 'F8_E4M3'", () -> Checkpoints.read(file));
    Files.write(
        file, file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", data));
    assertFails(file, "tensor 'a' spans 8 bytes, its shape needs 12", () -> Checkpoints.read(file));
    Files.write(
        file, file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", data));
    assertFails(
        file, "tensor 'a' shape holds something other than a count", () -> Checkpoints.read(file));
    Files.write(
        file,
        file(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
            data));
    assertFails(
        file, "corrupt safetensors header (Duplicate field 'a')", () -> Checkpoints.read(file));
    Files.write(file, file("{\"__metadata__\":{\"size\":512}}", data));
    assertFails(file, "metadata 'size' is not a string", () -> Checkpoints.read(file));
    Files.write(
        file, file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}} x", data));
    assertFails(file, "corrupt safetensors header (", () -> Checkpoints.read(file));
  }

  /** A safetensors file with exactly this header text and data. */
  private static byte[] file(String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + h.length + data.length)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(h.length)
        .put(h)
        .put(data)
        .array();
  }
}
