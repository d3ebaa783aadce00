package io.gpen.checkpoint;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import io.gpen.checkpoint.PickleWriter.Build;
import io.gpen.checkpoint.PickleWriter.Call;
import io.gpen.checkpoint.PickleWriter.Global;
import io.gpen.checkpoint.PickleWriter.OrderedDict;
import io.gpen.checkpoint.PickleWriter.Persistent;
import io.gpen.checkpoint.PickleWriter.Tuple;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.function.Executable;

/**
 * Test support: makes PyTorch (zip and legacy layouts) and PaddlePaddle checkpoint files the way
 * {@code torch.save} and {@code paddle.save} lay them out, from {@link PickleWriter} values.
 */
final class CheckpointFixtures {
  private CheckpointFixtures() {}

  static final Global REBUILD_V2 = new Global("torch._utils", "_rebuild_tensor_v2");

  /** Collects the storages of one torch file and writes it. */
  static final class TorchFile {
    private final boolean legacy;
    private final Map<String, byte[]> storages = new LinkedHashMap<>();
    private final Map<String, DType> types = new LinkedHashMap<>();

    /** The content of the zip layout's byteorder entry. */
    String byteOrder = "little";

    /** Keys listed after the real ones in a legacy file, for damaged files. */
    final List<String> extraKeys = new ArrayList<>();

    private TorchFile(boolean legacy) {
      this.legacy = legacy;
    }

    static TorchFile zip() {
      return new TorchFile(false);
    }

    static TorchFile legacy() {
      return new TorchFile(true);
    }

    /** Adds a storage of raw little-endian elements; returns its key. */
    String storage(DType type, byte[] data) {
      // legacy files use numeric addresses as keys, zip files 0, 1, 2, ...
      String key =
          legacy
              ? Long.toString(94088765740352L + 4096L * storages.size())
              : Integer.toString(storages.size());
      storages.put(key, data);
      types.put(key, type);
      return key;
    }

    /**
     * A tensor viewing a storage: {@code _rebuild_tensor_v2(storage, offset, size, stride, ...)}.
     */
    Object tensor(String key, long offset, long[] size, long[] stride) {
      return Call.of(
          REBUILD_V2,
          storageRef(key, null),
          offset,
          tuple(size),
          tuple(stride),
          false,
          new OrderedDict(Map.of(), null));
    }

    /** A contiguous tensor with its own storage. */
    Object tensor(TensorData t) {
      String key = storage(t.dtype(), bytes(t));
      return tensor(key, 0, t.shape(), StridedCopy.rowMajorStrides(t.shape()));
    }

    /** The persistent id of a storage; {@code view} is the legacy view metadata or null. */
    Persistent storageRef(String key, Tuple view) {
      DType type = types.get(key);
      long numel = storages.get(key).length / type.byteSize();
      Global storageType = new Global("torch", storageName(type));
      List<Object> pid = new ArrayList<>(List.of("storage", storageType, key, "cpu", numel));
      if (legacy) {
        pid.add(view);
      }
      return new Persistent(new Tuple(pid));
    }

    /** Writes {@code root} as {@code torch.save} would. */
    void write(Path file, Object root) throws IOException {
      Files.write(file, legacy ? legacyBytes(root) : zipBytes("archive", root));
    }

    byte[] zipBytes(String prefix, Object root) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
        stored(zip, prefix + "/data.pkl", PickleWriter.pickle(root));
        stored(zip, prefix + "/byteorder", byteOrder.getBytes(StandardCharsets.US_ASCII));
        for (Map.Entry<String, byte[]> s : storages.entrySet()) {
          stored(zip, prefix + "/data/" + s.getKey(), s.getValue());
        }
        stored(zip, prefix + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
      }
      return bytes.toByteArray();
    }

    byte[] legacyBytes(Object root) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(PickleWriter.pickle(new BigInteger("1950a86a20f9469cfc6c", 16)));
      out.writeBytes(PickleWriter.pickle(1001));
      Map<String, Object> sysInfo = new LinkedHashMap<>();
      sysInfo.put("protocol_version", 1001);
      sysInfo.put("little_endian", true);
      sysInfo.put("type_sizes", Map.of("short", 2, "int", 4, "long", 4));
      out.writeBytes(PickleWriter.pickle(sysInfo));
      out.writeBytes(PickleWriter.pickle(root));
      List<Object> keys = new ArrayList<>(storages.keySet());
      keys.addAll(extraKeys);
      out.writeBytes(PickleWriter.pickle(keys));
      for (Map.Entry<String, byte[]> s : storages.entrySet()) {
        out.writeBytes(PickleWriter.le64(s.getValue().length / types.get(s.getKey()).byteSize()));
        out.writeBytes(s.getValue());
      }
      return out.toByteArray();
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
      ZipEntry e = new ZipEntry(name);
      e.setMethod(ZipEntry.STORED);
      e.setSize(data.length);
      CRC32 crc = new CRC32();
      crc.update(data);
      e.setCrc(crc.getValue());
      zip.putNextEntry(e);
      ((OutputStream) zip).write(data);
      zip.closeEntry();
    }
  }

  /**
   * Runs {@code action} and checks that it fails with a one-line {@link GpenException} that names
   * {@code file} and contains {@code fragment}.
   */
  static GpenException assertFails(Path file, String fragment, Executable action) {
    GpenException e = assertThrows(GpenException.class, action);
    String m = e.getMessage();
    assertTrue(m.startsWith(file + ": "), "names the file: " + m);
    assertTrue(m.contains(fragment), "mentions '" + fragment + "': " + m);
    assertFalse(m.contains("\n") || m.contains("\r"), "one line: " + m);
    return e;
  }

  /** Writes {@code src} without its last {@code drop} bytes to {@code dst}. */
  static Path cut(Path src, Path dst, int drop) throws IOException {
    byte[] b = Files.readAllBytes(src);
    Files.write(dst, Arrays.copyOf(b, b.length - drop));
    return dst;
  }

  static String storageName(DType type) {
    return switch (type) {
      case FLOAT32 -> "FloatStorage";
      case FLOAT64 -> "DoubleStorage";
      case FLOAT16 -> "HalfStorage";
      case BFLOAT16 -> "BFloat16Storage";
      case INT64 -> "LongStorage";
      case INT32 -> "IntStorage";
      case INT16 -> "ShortStorage";
      case INT8 -> "CharStorage";
      case UINT8 -> "ByteStorage";
      case BOOL -> "BoolStorage";
    };
  }

  /**
   * A NumPy array as NumPy pickles it: {@code _reconstruct(ndarray, (0,), b'b')} then BUILD with
   * {@code (1, shape, dtype, is_fortran, rawdata)}.
   */
  static Object ndarray(String code, long[] shape, boolean fortran, Object raw) {
    Object dtype =
        new Build(
            Call.of(new Global("numpy", "dtype"), code, false, true),
            Tuple.of(3, code.endsWith("1") ? "|" : "<", null, null, null, -1, -1, 0));
    Object empty =
        Call.of(
            new Global("numpy.core.multiarray", "_reconstruct"),
            new Global("numpy", "ndarray"),
            Tuple.of(0),
            "b".getBytes(StandardCharsets.US_ASCII));
    return new Build(empty, Tuple.of(1, tuple(shape), dtype, fortran, raw));
  }

  /** A row-major array with the elements of {@code t}. */
  static Object ndarray(TensorData t) {
    return ndarray(numpyCode(t.dtype()), t.shape(), false, bytes(t));
  }

  static String numpyCode(DType type) {
    return switch (type) {
      case FLOAT32 -> "f4";
      case FLOAT64 -> "f8";
      case FLOAT16 -> "f2";
      case INT64 -> "i8";
      case INT32 -> "i4";
      case INT16 -> "i2";
      case INT8 -> "i1";
      case UINT8 -> "u1";
      case BOOL -> "b1";
      case BFLOAT16 -> throw new IllegalArgumentException("numpy has no bfloat16");
    };
  }

  static Tuple tuple(long[] values) {
    return new Tuple(Arrays.stream(values).boxed().map(v -> (Object) v).toList());
  }

  static byte[] bytes(TensorData t) {
    ByteBuffer b = t.data();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  /** A tensor of the given type whose element i is i (as that type), little-endian. */
  static TensorData ramp(DType type, long... shape) {
    int n = Math.toIntExact(PythonObjects.numel(shape));
    ByteBuffer b = ByteBuffer.allocate(n * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      switch (type) {
        case FLOAT32 -> b.putFloat(i + 0.5f);
        case FLOAT64 -> b.putDouble(i + 0.25);
        case FLOAT16 -> b.putShort(halfOf(i));
        case BFLOAT16 -> b.putShort((short) (Float.floatToIntBits(i) >>> 16));
        case INT64 -> b.putLong(i * 1_000_000_007L);
        case INT32 -> b.putInt(i * 1000 - 7);
        case INT16 -> b.putShort((short) (i - 3));
        case INT8 -> b.put((byte) (i - 3));
        case UINT8 -> b.put((byte) (200 + i));
        case BOOL -> b.put((byte) (i % 2));
      }
    }
    return new TensorData(type, shape, b.flip());
  }

  /** Integers 0..2047 as IEEE binary16 (exact in that range). */
  private static short halfOf(int i) {
    if (i == 0) {
      return 0;
    }
    int exp = 31 - Integer.numberOfLeadingZeros(i);
    int mant = (i << (10 - exp)) & 0x3ff;
    return (short) (((exp + 15) << 10) | mant);
  }
}
