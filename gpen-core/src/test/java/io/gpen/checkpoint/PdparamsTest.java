package io.gpen.checkpoint;

import static io.gpen.checkpoint.CheckpointFixtures.assertFails;
import static io.gpen.checkpoint.CheckpointFixtures.ndarray;
import static io.gpen.checkpoint.CheckpointFixtures.ramp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.gpen.checkpoint.PickleWriter.Build;
import io.gpen.checkpoint.PickleWriter.Call;
import io.gpen.checkpoint.PickleWriter.Global;
import io.gpen.checkpoint.PickleWriter.Persistent;
import io.gpen.checkpoint.PickleWriter.Raw;
import io.gpen.checkpoint.PickleWriter.Tuple;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PaddlePaddle .pdparams files: pickles of NumPy arrays, made by the test-side writer. */
class PdparamsTest {
  @TempDir Path dir;

  private Path write(String name, Object root) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, PickleWriter.pickle(root));
    return file;
  }

  @Test
  void everyNumpyTypeRoundTripsAndTheNameTableIsLeftOut() throws IOException {
    Map<String, TensorData> expected = new LinkedHashMap<>();
    for (DType type : DType.values()) {
      if (type != DType.BFLOAT16) {
        expected.put("a_" + type, ramp(type, 3, 2));
      }
    }
    expected.put("scalar", ramp(DType.FLOAT32, new long[0]));
    Map<String, Object> root = new LinkedHashMap<>();
    expected.forEach((k, t) -> root.put(k, ndarray(t)));
    root.put("StructuredToParameterName@@", Map.of("a_FLOAT32", "create_parameter_0.w_0"));
    Path file = write("model.pdparams", root);

    assertEquals(Checkpoints.Format.PICKLE, Checkpoints.detect(file));
    StateDict sd = Checkpoints.read(file);
    assertEquals(List.copyOf(expected.keySet()), List.copyOf(sd.tensors().keySet()));
    expected.forEach((k, t) -> assertEquals(t, sd.get(k), k));
    assertEquals("pickle of NumPy arrays (PaddlePaddle .pdparams), state dict", sd.description());
  }

  @Test
  void fortranOrderIsMadeRowMajor() throws IOException {
    // [[1, 2, 3], [4, 5, 6]] stored column by column
    ByteBuffer raw = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : new float[] {1, 4, 2, 5, 3, 6}) {
      raw.putFloat(v);
    }
    Path file =
        write("f.pdparams", Map.of("w", ndarray("f4", new long[] {2, 3}, true, raw.array())));
    TensorData w = Checkpoints.read(file).get("w");
    assertArrayEquals(new long[] {2, 3}, w.shape());
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, w.toFloatArray());
  }

  @Test
  void protocolTwoBytesThroughCodecsEncode() throws IOException {
    // Python 3 writes bytes in protocol 2 as _codecs.encode(<latin-1 text>, 'latin1')
    TensorData t = ramp(DType.UINT8, 4);
    byte[] raw = CheckpointFixtures.bytes(t);
    Object encoded =
        Call.of(
            new Global("_codecs", "encode"),
            new String(raw, StandardCharsets.ISO_8859_1),
            "latin1");
    Path file = write("p2.pdparams", Map.of("w", ndarray("u1", new long[] {4}, false, encoded)));
    assertEquals(t, Checkpoints.read(file).get("w"));
  }

  @Test
  void trainingCheckpointOfStateDicts() throws IOException {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("g", Map.of("w", ndarray(ramp(DType.FLOAT32, 2))));
    root.put("d", Map.of("w", ndarray(ramp(DType.FLOAT32, 3))));
    root.put("g_ema", Map.of("w", ndarray(ramp(DType.FLOAT32, 4))));
    Path file = write("000100.pdparams", root);
    assertEquals(ramp(DType.FLOAT32, 4), Checkpoints.read(file).get("w"));
    assertEquals(ramp(DType.FLOAT32, 3), Checkpoints.read(file, "d").get("w"));
  }

  @Test
  void numpyScalarsAreNumbers() throws IOException {
    Object f8 =
        new Build(
            Call.of(new Global("numpy", "dtype"), "f8", false, true),
            Tuple.of(3, "<", null, null, null, -1, -1, 0));
    Object i8 =
        new Build(
            Call.of(new Global("numpy", "dtype"), "i8", false, true),
            Tuple.of(3, "<", null, null, null, -1, -1, 0));
    Global scalar = new Global("numpy._core.multiarray", "scalar");
    Map<String, Object> root = new LinkedHashMap<>();
    root.put(
        "loss",
        Call.of(
            scalar,
            f8,
            ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.125).array()));
    root.put("iter", Call.of(scalar, i8, PickleWriter.le64(-42)));
    Map<?, ?> read = (Map<?, ?>) Checkpoints.readObject(write("scalars.pkl", root));
    assertEquals(0.125, read.get("loss"));
    assertEquals(-42L, read.get("iter"));
  }

  @Test
  void unsupportedNumpyType() throws IOException {
    Path file = write("c.pdparams", Map.of("w", ndarray("c8", new long[] {1}, false, new byte[8])));
    assertFails(file, "array 'w' has unsupported numpy dtype 'c8'", () -> Checkpoints.read(file));

    Path big =
        write(
            "be.pdparams",
            Map.of(
                "w",
                new Build(
                    Call.of(
                        new Global("numpy.core.multiarray", "_reconstruct"),
                        new Global("numpy", "ndarray"),
                        Tuple.of(0),
                        new byte[] {'b'}),
                    Tuple.of(
                        1,
                        Tuple.of(1),
                        new Build(
                            Call.of(new Global("numpy", "dtype"), "f4", false, true),
                            Tuple.of(3, ">", null, null, null, -1, -1, 0)),
                        false,
                        new byte[4]))));
    assertFails(
        big, "array 'w' is big-endian, which is not supported", () -> Checkpoints.read(big));
  }

  @Test
  void arrayDataOfTheWrongLength() throws IOException {
    Path file =
        write("short.pdparams", Map.of("w", ndarray("f4", new long[] {2, 2}, false, new byte[12])));
    assertFails(file, "array 'w' holds 12 bytes, its shape needs 16", () -> Checkpoints.read(file));
  }

  @Test
  void truncatedPickles() throws IOException {
    byte[] full = PickleWriter.pickle(Map.of("w", ndarray(ramp(DType.FLOAT32, 64))));
    Path insideData = dir.resolve("inside.pdparams");
    Files.write(insideData, Arrays.copyOf(full, full.length - 100));
    assertFails(
        insideData,
        "truncated: a 256-byte value runs past the end of the pickle data",
        () -> Checkpoints.read(insideData));
    // cut just before STOP: the pickle ends between two opcodes
    Path beforeStop = dir.resolve("stop.pdparams");
    Files.write(beforeStop, Arrays.copyOf(full, full.length - 1));
    assertFails(
        beforeStop, "truncated: the pickle data ends early", () -> Checkpoints.read(beforeStop));
  }

  @Test
  void forbiddenObjects() throws IOException {
    Path file =
        write(
            "evil.pdparams",
            Map.of("w", Call.of(new Global("subprocess", "check_output"), List.of("id"))));
    assertFails(
        file,
        "refuses to load Python object 'subprocess.check_output'",
        () -> Checkpoints.read(file));

    // protocol 4 names globals with STACK_GLOBAL, protocol 0 with INST
    byte[] stackGlobal =
        concat(
            new byte[] {(byte) 0x80, 4, (byte) 0x8c, 2, 'o', 's', (byte) 0x8c, 6},
            "system".getBytes(StandardCharsets.US_ASCII),
            new byte[] {(byte) 0x93, '.'});
    Path p4 = dir.resolve("p4.pkl");
    Files.write(p4, stackGlobal);
    assertFails(p4, "refuses to load Python object 'os.system'", () -> Checkpoints.readObject(p4));
    Path inst =
        write(
            "inst.pkl",
            new Raw(
                concat(new byte[] {'('}, "ibuiltins\neval\n".getBytes(StandardCharsets.US_ASCII))));
    assertFails(
        inst, "refuses to load Python object 'builtins.eval'", () -> Checkpoints.readObject(inst));

    // numpy reconstruction of anything but a plain ndarray
    Path sub =
        write(
            "sub.pdparams",
            Map.of(
                "w",
                Call.of(
                    new Global("numpy.core.multiarray", "_reconstruct"),
                    new Global("numpy", "dtype"),
                    Tuple.of(0),
                    new byte[] {'b'})));
    assertFails(
        sub,
        "refuses to reconstruct anything but a plain numpy.ndarray",
        () -> Checkpoints.read(sub));
  }

  @Test
  void persistentIdsBelongToTorchFilesOnly() throws IOException {
    Path file = write("pid.pdparams", Map.of("w", new Persistent(Tuple.of("storage", "x"))));
    assertFails(file, "unexpected persistent reference", () -> Checkpoints.read(file));
  }

  @Test
  void hugeLengthDoesNotAllocate() throws IOException {
    // BINBYTES claiming 2 GiB - 1 in a 10-byte file
    Path file = dir.resolve("huge.pkl");
    Files.write(
        file,
        new byte[] {(byte) 0x80, 2, 'B', (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, 0, 0, '.'});
    assertFails(
        file,
        "truncated: a 2147483647-byte value runs past the end",
        () -> Checkpoints.readObject(file));
  }

  @Test
  void corruptOpcodes() throws IOException {
    Path file = dir.resolve("bad.pkl");
    Files.write(file, new byte[] {(byte) 0x80, 2, (byte) 0xff, '.'});
    assertNotNull(
        assertFails(file, "corrupt pickle data", () -> Checkpoints.readObject(file)).getCause(),
        "the cause is kept for debugging");
    Path empty = dir.resolve("popempty.pkl");
    Files.write(empty, new byte[] {(byte) 0x80, 2, 't', '.'});
    assertFails(empty, "corrupt pickle data", () -> Checkpoints.readObject(empty));
  }

  private static byte[] concat(byte[]... parts) {
    int n = Arrays.stream(parts).mapToInt(p -> p.length).sum();
    ByteBuffer b = ByteBuffer.allocate(n);
    for (byte[] p : parts) {
      b.put(p);
    }
    return b.array();
  }
}
