package io.gpen.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gpen.util.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format, read and written: an 8-byte little-endian header length, a JSON header
 * giving each tensor's {@code dtype}, {@code shape} and {@code data_offsets} (plus an optional
 * {@code __metadata__} map of strings), then the raw little-endian data. This is the project's own
 * checkpoint format.
 *
 * <p>A training checkpoint ({@link #writeParts}) keeps several state dicts in one file under name
 * prefixes ({@code g.}, {@code d.}, {@code g_ema.}, ...) with {@code "format": "gpen-train"} in its
 * metadata; {@link StateDict#part} takes one of them back out.
 */
public final class Safetensors {
  /** The metadata {@code format} value of a training checkpoint written by {@link #writeParts}. */
  public static final String TRAINING_FORMAT = "gpen-train";

  /** The metadata key naming the kind of file. */
  public static final String FORMAT_KEY = "format";

  static final String LABEL = "safetensors";

  /** The reference implementation's limit; a longer header is a corrupt length. */
  private static final long MAX_HEADER = 100_000_000;

  private static final String METADATA = "__metadata__";

  /** Bytes read from the file per call. */
  private static final int CHUNK = 1 << 20;

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private Safetensors() {}

  /**
   * Reads every tensor of a safetensors file, in header order, with its metadata.
   *
   * @throws io.gpen.GpenException naming the file when it is missing, truncated or malformed
   */
  public static StateDict read(Path file) {
    return Checkpoints.guard(
        file,
        () -> {
          Checkpoints.checkFile(file);
          return readChecked(file);
        });
  }

  static StateDict readChecked(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) {
        throw new BadCheckpoint("truncated: no safetensors header");
      }
      long headerLength = readFully(ch, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
      if (headerLength < 2 || headerLength > MAX_HEADER) {
        throw new BadCheckpoint("corrupt safetensors header length " + headerLength);
      }
      if (8 + headerLength > size) {
        throw new BadCheckpoint(
            "truncated: the safetensors header needs "
                + headerLength
                + " bytes, the file holds "
                + (size - 8));
      }
      ByteBuffer header = readFully(ch, 8, (int) headerLength);
      JsonNode root;
      try {
        root = JSON.readTree(header.array());
      } catch (JsonProcessingException e) {
        throw new BadCheckpoint("corrupt safetensors header (" + e.getOriginalMessage() + ")", e);
      }
      if (root == null || !root.isObject()) {
        throw new BadCheckpoint("corrupt safetensors header (not a JSON object)");
      }
      long dataStart = 8 + headerLength;
      long dataSize = size - dataStart;
      Map<String, String> metadata = new LinkedHashMap<>();
      List<Entry> entries = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (field.getKey().equals(METADATA)) {
          readMetadata(field.getValue(), metadata);
        } else {
          entries.add(entry(field.getKey(), field.getValue(), dataSize));
        }
      }
      checkLayout(entries, dataSize);
      Map<String, TensorData> tensors = new LinkedHashMap<>();
      for (Entry e : entries) {
        ByteBuffer data = readFully(ch, dataStart + e.start(), (int) (e.end() - e.start()));
        tensors.put(e.name(), new TensorData(e.dtype(), e.shape(), data));
      }
      return new StateDict(file, LABEL, tensors, metadata);
    }
  }

  /** A tensor as the header describes it; its data is {@code [start, end)} of the data section. */
  private record Entry(String name, DType dtype, long[] shape, long start, long end) {}

  /**
   * The tensors must cover the data section exactly, without gaps or overlaps, as the reference
   * implementation requires: then the buffers read are never more than the file holds, whatever the
   * header says.
   */
  private static void checkLayout(List<Entry> entries, long dataSize) {
    List<Entry> byStart = new ArrayList<>(entries);
    byStart.sort(Comparator.comparingLong(Entry::start).thenComparingLong(Entry::end));
    long expected = 0;
    String previous = null;
    for (Entry e : byStart) {
      if (e.start() != expected) {
        String what =
            "tensor '" + PythonObjects.printable(e.name()) + "' starts at data byte " + e.start();
        throw new BadCheckpoint(
            "corrupt safetensors header ("
                + what
                + (previous == null ? ", not 0" : ", where '" + previous + "' ends at " + expected)
                + ")");
      }
      expected = e.end();
      previous = PythonObjects.printable(e.name());
    }
    if (expected != dataSize) {
      throw new BadCheckpoint(
          "corrupt safetensors file (the tensors cover "
              + expected
              + " of its "
              + dataSize
              + " data bytes)");
    }
  }

  private static void readMetadata(JsonNode node, Map<String, String> into) {
    if (!node.isObject()) {
      throw new BadCheckpoint("corrupt safetensors header (__metadata__ is not an object)");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw new BadCheckpoint(
            "corrupt safetensors header (metadata '"
                + PythonObjects.printable(e.getKey())
                + "' is not a string)");
      }
      into.put(e.getKey(), e.getValue().textValue());
    }
  }

  private static Entry entry(String name, JsonNode entry, long dataSize) {
    String what = "tensor '" + PythonObjects.printable(name) + "'";
    if (!entry.isObject() || !entry.path("dtype").isTextual()) {
      throw new BadCheckpoint("corrupt safetensors header (" + what + " has no dtype)");
    }
    String dtypeName = entry.get("dtype").textValue();
    DType dtype =
        Arrays.stream(DType.values())
            .filter(t -> t.safetensorsName().equals(dtypeName))
            .findFirst()
            .orElseThrow(
                () ->
                    new BadCheckpoint(
                        what
                            + " has unsupported dtype '"
                            + PythonObjects.printable(dtypeName)
                            + "'"));
    long[] shape = naturals(entry.get("shape"), what + " shape");
    long[] offsets = naturals(entry.get("data_offsets"), what + " data_offsets");
    if (offsets.length != 2 || offsets[1] < offsets[0]) {
      throw new BadCheckpoint("corrupt safetensors header (" + what + " data_offsets)");
    }
    long bytes;
    try {
      bytes = Math.multiplyExact(PythonObjects.numel(shape), dtype.byteSize());
    } catch (ArithmeticException e) {
      throw new BadCheckpoint(what + " has an impossible shape", e);
    }
    if (offsets[1] - offsets[0] != bytes) {
      throw new BadCheckpoint(
          "corrupt safetensors header ("
              + what
              + " spans "
              + (offsets[1] - offsets[0])
              + " bytes, its shape needs "
              + bytes
              + ")");
    }
    if (offsets[1] > dataSize) {
      throw new BadCheckpoint(
          "truncated: "
              + what
              + " ends at data byte "
              + offsets[1]
              + ", the file holds "
              + dataSize);
    }
    if (bytes > Integer.MAX_VALUE - 8) {
      throw new BadCheckpoint(what + " is larger than 2 GiB, which is not supported");
    }
    return new Entry(name, dtype, shape, offsets[0], offsets[1]);
  }

  private static long[] naturals(JsonNode node, String what) {
    if (node == null || !node.isArray()) {
      throw new BadCheckpoint("corrupt safetensors header (" + what + " is not a list)");
    }
    long[] out = new long[node.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = node.get(i);
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
        throw new BadCheckpoint(
            "corrupt safetensors header (" + what + " holds something other than a count)");
      }
      out[i] = v.longValue();
    }
    return out;
  }

  private static ByteBuffer readFully(FileChannel ch, long position, int count) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(count);
    while (buf.position() < count) {
      // at most CHUNK per call: the JDK reads into a heap buffer through a temporary direct buffer
      // of the request's size, which it then keeps for the thread
      buf.limit(Math.min(count, buf.position() + CHUNK));
      if (ch.read(buf, position + buf.position()) < 0) {
        throw new BadCheckpoint("truncated: the file ends early");
      }
    }
    return buf.flip();
  }

  /**
   * Writes tensors in the given order, with string metadata (may be empty), through a temporary
   * file so that a reader never sees half a file.
   *
   * @throws IllegalArgumentException for an empty name or the reserved name {@code __metadata__}
   * @throws io.gpen.GpenException naming the file when it cannot be written
   */
  public static void write(
      Path file, Map<String, TensorData> tensors, Map<String, String> metadata) {
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject(METADATA);
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
      String name = e.getKey();
      if (name.isEmpty() || name.equals(METADATA)) {
        throw new IllegalArgumentException("tensor name '" + name + "' cannot be stored");
      }
      TensorData t = e.getValue();
      ObjectNode entry = header.putObject(name);
      entry.put("dtype", t.dtype().safetensorsName());
      ArrayNode shape = entry.putArray("shape");
      for (long s : t.shape()) {
        shape.add(s);
      }
      ArrayNode offsets = entry.putArray("data_offsets");
      offsets.add(offset);
      offset += t.data().remaining();
      offsets.add(offset);
    }
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(header);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode a safetensors header", e);
    }
    // pad the header with spaces so that the data starts 8-byte aligned, as the reference writer
    // does
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    head.flip();
    AtomicFiles.write(
        file,
        temp -> {
          try (FileChannel ch =
              FileChannel.open(
                  temp,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE,
                  StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, head);
            for (TensorData t : tensors.values()) {
              writeFully(ch, t.data());
            }
          }
        });
  }

  /**
   * Writes a training checkpoint: each part's tensors under the prefix {@code <part>.}, with {@code
   * "format": "gpen-train"} first in the metadata. A part without tensors leaves no trace in the
   * file.
   *
   * @param parts part name (non-empty, no dot) to its tensors, e.g. {@code g}, {@code d}, {@code
   *     g_ema}, {@code g_optim}
   * @param metadata further metadata (may be empty); a {@code format} entry must be "gpen-train"
   * @throws IllegalArgumentException for a bad part name or a conflicting {@code format}
   */
  public static void writeParts(
      Path file,
      Map<String, ? extends Map<String, TensorData>> parts,
      Map<String, String> metadata) {
    String format = metadata.getOrDefault(FORMAT_KEY, TRAINING_FORMAT);
    if (!format.equals(TRAINING_FORMAT)) {
      throw new IllegalArgumentException(
          "a training checkpoint cannot have format '" + format + "'");
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put(FORMAT_KEY, TRAINING_FORMAT);
    meta.putAll(metadata);
    Map<String, TensorData> all = new LinkedHashMap<>();
    parts.forEach(
        (part, tensors) -> {
          if (part.isEmpty() || part.contains(".")) {
            throw new IllegalArgumentException("bad part name '" + part + "'");
          }
          tensors.forEach((name, t) -> all.put(part + "." + name, t));
        });
    write(file, all, meta);
  }

  private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  /** Whether a file's first bytes look like a safetensors header. */
  static boolean looksLike(byte[] head, int n) {
    if (n < 9 || head[8] != '{') {
      return false;
    }
    // a header length below 4 GiB: the upper four bytes are zero, which no pickle or zip starts
    // with
    return head[4] == 0 && head[5] == 0 && head[6] == 0 && head[7] == 0;
  }
}
