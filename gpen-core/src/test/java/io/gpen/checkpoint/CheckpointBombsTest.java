package io.gpen.checkpoint;

import static io.gpen.checkpoint.CheckpointFixtures.REBUILD_V2;
import static io.gpen.checkpoint.CheckpointFixtures.assertFails;
import static io.gpen.checkpoint.CheckpointFixtures.tuple;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.checkpoint.CheckpointFixtures.TorchFile;
import io.gpen.checkpoint.PickleWriter.Call;
import io.gpen.checkpoint.PickleWriter.Global;
import io.gpen.checkpoint.PickleWriter.OrderedDict;
import io.gpen.checkpoint.PickleWriter.Persistent;
import io.gpen.checkpoint.PickleWriter.Raw;
import io.gpen.checkpoint.PickleWriter.Tuple;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files that declare far more than they hold: each is refused with one line naming the numbers,
 * before the memory it declares is allocated (the test thread's allocations are measured).
 */
class CheckpointBombsTest {
  /** More than any refusal needs, far less than any bomb here declares. */
  private static final long ALLOWED_ALLOCATION = 64L << 20;

  @TempDir Path dir;

  @Test
  void deflatedZerosBeyondAHundredTimesTheFileAreAZipBomb() throws IOException {
    // a real bomb: 100 MiB of zeros deflate to about 100 KB; the pickle declares them as floats
    int mib = 100;
    Path file = dir.resolve("bomb.pth");
    Files.write(file, torchZip(mib * (1L << 20) / 4, zeros(mib), ZipEntry.DEFLATED));
    long size = Files.size(file);
    assertTrue(size < 200_000, "the bomb is small on disk: " + size);
    refusedWithoutAllocating(
        file, "entry 'archive/data/0' declares " + mib * (1L << 20) + " bytes from ");
    refusedWithoutAllocating(
        file,
        "the archive would inflate to more than 100 times the file's "
            + size
            + " bytes (a zip bomb?)");
  }

  @Test
  void anEntryDeclaringGigabytesOfDeflatedZerosIsRefusedBeforeInflating() throws IOException {
    // the bomb: 1.8 GB of zeros deflated to a little data (here: 1 MiB of zeros whose
    // directory entry says 1.8 GB, which is what inflating would meet)
    byte[] zip = torchZip(450_000_000L, zeros(1), ZipEntry.DEFLATED);
    declareSizes(zip, "archive/data/0", -1, 1_800_000_000L);
    Path file = Files.write(dir.resolve("gigabytes.pth"), zip);
    refusedWithoutAllocating(file, "entry 'archive/data/0' declares 1800000000 bytes from ");
  }

  @Test
  void aDeflatedStorageLongerThanThePickleDeclaresIsRefused() throws IOException {
    // the pickle and the directory say 8 floats; the deflated stream holds 1 MiB
    byte[] zip = torchZip(8, zeros(1), ZipEntry.DEFLATED);
    declareSizes(zip, "archive/data/0", -1, 32);
    Path file = Files.write(dir.resolve("longer.pth"), zip);
    refusedWithoutAllocating(
        file, "entry 'archive/data/0' inflates to more than the 32 bytes it declares");

    // where the directory tells the truth, the sizes disagree before anything is inflated
    Path honest = Files.write(dir.resolve("honest.pth"), torchZip(8, zeros(1), ZipEntry.DEFLATED));
    refusedWithoutAllocating(
        honest, "storage '0' holds 1048576 bytes where the pickle declares 32");
  }

  @Test
  void aStoredEntryDeclaringMoreThanTheFileIsRefused() throws IOException {
    byte[] zip = torchZip(500_000_000L, new byte[32], ZipEntry.STORED);
    declareSizes(zip, "archive/data/0", 2_000_000_000L, 2_000_000_000L);
    Path file = Files.write(dir.resolve("stored.pth"), zip);
    refusedWithoutAllocating(
        file,
        "entry 'archive/data/0' declares 2000000000 bytes of data, the file holds " + zip.length);

    // a stored entry whose sizes disagree
    byte[] odd = torchZip(16, new byte[32], ZipEntry.STORED);
    declareSizes(odd, "archive/data/0", -1, 64);
    Path oddFile = Files.write(dir.resolve("odd.pth"), odd);
    refusedWithoutAllocating(
        oddFile, "stored entry 'archive/data/0' declares 64 bytes but holds 32");
  }

  @Test
  void aDeflatedStorageShorterThanItDeclaresIsTruncated() throws IOException {
    byte[] zip = torchZip(16, new byte[32], ZipEntry.DEFLATED);
    declareSizes(zip, "archive/data/0", -1, 64);
    Path file = Files.write(dir.resolve("short.pth"), zip);
    refusedWithoutAllocating(
        file, "truncated: entry 'archive/data/0' ends after 32 of its 64 bytes");
  }

  @Test
  void viewsRepeatingOneElementAreRefusedBeforeTheCopy() throws IOException {
    // one float viewed as 20000 x 20000 with strides 0: a 1.6 GB copy from a 4-byte storage
    TorchFile torch = TorchFile.zip();
    String key = torch.storage(DType.FLOAT32, new byte[4]);
    Path file = dir.resolve("expanded.pth");
    torch.write(
        file, Map.of("w", torch.tensor(key, 0, new long[] {20000, 20000}, new long[] {0, 0})));
    refusedWithoutAllocating(
        file,
        "tensor 'w': strided views would copy 1600000000 bytes from the file's 4 bytes of tensor data"
            + " (views repeating elements)");

    // a few expanded views of a small buffer are what PyTorch saves for expand(): still read
    torch = TorchFile.zip();
    key = torch.storage(DType.FLOAT32, new byte[4]);
    torch.write(file, Map.of("w", torch.tensor(key, 0, new long[] {64, 64}, new long[] {0, 0})));
    assertTrue(Checkpoints.read(file).get("w").numel() == 64 * 64);
  }

  @Test
  void legacyStorageDeclaringTerabytesIsRefused() throws IOException {
    TorchFile torch = TorchFile.legacy();
    String key = torch.storage(DType.FLOAT32, new byte[16]);
    Object huge =
        Call.of(
            REBUILD_V2,
            new Persistent(
                Tuple.of(
                    "storage", new Global("torch", "FloatStorage"), key, "cpu", 1L << 40, null)),
            0,
            tuple(new long[] {4}),
            tuple(new long[] {1}),
            false,
            new OrderedDict(Map.of(), null));
    byte[] bytes = torch.legacyBytes(Map.of("w", huge));
    // the count before the data says the same as the pickle
    int countAt = bytes.length - 16 - 8;
    ByteBuffer.wrap(bytes, countAt, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
    Path file = Files.write(dir.resolve("huge.pt"), bytes);
    refusedWithoutAllocating(
        file, "truncated: storage '" + key + "' needs " + (4L << 40) + " bytes, only 16 remain");
  }

  @Test
  void pickledLengthsBeyondTheFileAreRefused() throws IOException {
    // BINBYTES8, BINUNICODE8 and LONG4 with lengths of a terabyte, and a 5000-digit protocol-0 int
    byte[][] pickles = {
      {(byte) 0x80, 4, (byte) 0x8e, 0, 0, 0, 0, 0, 1, 0, 0, '.'},
      {(byte) 0x80, 4, (byte) 0x8d, 0, 0, 0, 0, 0, 1, 0, 0, '.'},
      {(byte) 0x80, 2, (byte) 0x8b, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, '.'},
    };
    String[] lengths = {"1099511627776", "1099511627776", "2147483647"};
    for (int i = 0; i < pickles.length; i++) {
      Path file = Files.write(dir.resolve("length" + i + ".pkl"), pickles[i]);
      refusedWithoutAllocating(
          file, "truncated: a " + lengths[i] + "-byte value runs past the end");
    }
    Path digits =
        Files.write(
            dir.resolve("digits.pkl"),
            PickleWriter.pickle(
                new Raw(("L" + "9".repeat(5000) + "L\n").getBytes(StandardCharsets.US_ASCII))));
    refusedWithoutAllocating(
        digits, "corrupt pickle data (an integer of 5000 digits, Python writes at most 4300)");
  }

  @Test
  void safetensorsWhoseTensorsOverlapOrLeaveGapsAreRefused() throws IOException {
    byte[] data = new byte[1 << 16];
    // two tensors over the same 64 KiB: each would be a separate buffer of the whole data
    Path file =
        Files.write(
            dir.resolve("overlap.safetensors"),
            safetensors(
                "{\"a\":{\"dtype\":\"U8\",\"shape\":[65536],\"data_offsets\":[0,65536]},"
                    + "\"b\":{\"dtype\":\"U8\",\"shape\":[65536],\"data_offsets\":[0,65536]}}",
                data));
    refusedWithoutAllocating(
        file,
        "corrupt safetensors header (tensor 'b' starts at data byte 0, where 'a' ends at 65536)");
    Path gap =
        Files.write(
            dir.resolve("gap.safetensors"),
            safetensors(
                "{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[8,16]}}", new byte[16]));
    refusedWithoutAllocating(
        gap, "corrupt safetensors header (tensor 'a' starts at data byte 8, not 0)");
    Path tail =
        Files.write(
            dir.resolve("tail.safetensors"),
            safetensors(
                "{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]}}", new byte[4096]));
    refusedWithoutAllocating(
        tail, "corrupt safetensors file (the tensors cover 8 of its 4096 data bytes)");
    Path header =
        Files.write(
            dir.resolve("header.safetensors"),
            ByteBuffer.allocate(16)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(1L << 31)
                .put("{}      ".getBytes(StandardCharsets.US_ASCII))
                .array());
    refusedWithoutAllocating(header, "corrupt safetensors header length 2147483648");
  }

  /** Reads {@code file} and checks the one-line refusal and that little memory was taken. */
  private static void refusedWithoutAllocating(Path file, String fragment) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    Executable read = () -> Checkpoints.read(file);
    assertFails(file, fragment, read);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertTrue(
        allocated < ALLOWED_ALLOCATION,
        "refusing " + file.getFileName() + " allocated " + allocated + " bytes");
  }

  private static byte[] zeros(int mib) {
    return new byte[mib << 20];
  }

  /**
   * A torch zip file whose state dict holds one float tensor 'w' of {@code numel} elements, its
   * storage entry holding {@code data} stored or deflated.
   */
  private static byte[] torchZip(long numel, byte[] data, int method) throws IOException {
    Object tensor =
        Call.of(
            REBUILD_V2,
            new Persistent(
                Tuple.of("storage", new Global("torch", "FloatStorage"), "0", "cpu", numel)),
            0,
            tuple(new long[] {numel}),
            tuple(new long[] {1}),
            false,
            new OrderedDict(Map.of(), null));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      put(
          zip,
          "archive/data.pkl",
          PickleWriter.pickle(new OrderedDict(Map.of("w", tensor), null)),
          ZipEntry.STORED);
      put(zip, "archive/data/0", data, method);
    }
    return bytes.toByteArray();
  }

  private static void put(ZipOutputStream zip, String name, byte[] data, int method)
      throws IOException {
    ZipEntry e = new ZipEntry(name);
    e.setMethod(method);
    if (method == ZipEntry.STORED) {
      e.setSize(data.length);
      CRC32 crc = new CRC32();
      crc.update(data);
      e.setCrc(crc.getValue());
    }
    zip.putNextEntry(e);
    zip.write(data);
    zip.closeEntry();
  }

  /**
   * Rewrites what the central directory says of an entry's compressed and uncompressed sizes
   * ({@code -1} keeps one); ZipFile takes sizes from the directory.
   */
  static void declareSizes(byte[] zip, String name, long compressed, long size) {
    ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
    int end = zip.length - 22;
    while (b.getInt(end) != 0x06054b50) {
      end--;
    }
    int p = b.getInt(end + 16);
    while (b.getInt(p) == 0x02014b50) {
      int nameLength = b.getShort(p + 28) & 0xffff;
      String entry = new String(zip, p + 46, nameLength, StandardCharsets.UTF_8);
      if (entry.equals(name)) {
        if (compressed >= 0) {
          b.putInt(p + 20, (int) compressed);
        }
        if (size >= 0) {
          b.putInt(p + 24, (int) size);
        }
        return;
      }
      p += 46 + nameLength + (b.getShort(p + 30) & 0xffff) + (b.getShort(p + 32) & 0xffff);
    }
    throw new IllegalArgumentException("no entry " + name);
  }

  private static byte[] safetensors(String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + h.length + data.length)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(h.length)
        .put(h)
        .put(data)
        .array();
  }
}
