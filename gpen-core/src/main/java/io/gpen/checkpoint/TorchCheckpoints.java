package io.gpen.checkpoint;

import io.gpen.checkpoint.PythonObjects.PyType;
import io.gpen.checkpoint.PythonObjects.StorageRef;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/** Reads the two layouts {@code torch.save} writes into a tree of plain Java values. */
final class TorchCheckpoints {
  /** The start of a legacy file: protocol-2 pickle of the magic number 0x1950a86a20f9469cfc6c. */
  static final byte[] LEGACY_MAGIC = {
    (byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20,
    0x6a, (byte) 0xa8, 0x50, 0x19, 0x2e
  };

  private static final BigInteger MAGIC_NUMBER = new BigInteger("1950a86a20f9469cfc6c", 16);
  private static final int LEGACY_PROTOCOL_VERSION = 1001;

  private TorchCheckpoints() {}

  /**
   * The zip layout (torch >= 1.6): {@code <prefix>/data.pkl} whose persistent ids name storages
   * stored as {@code <prefix>/data/<key>}.
   */
  static Object readZip(Path file) throws IOException {
    try (ZipFile zip = new ZipFile(file.toFile())) {
      String prefix = prefix(zip);
      if (zip.getEntry(prefix + "constants.pkl") != null) {
        throw new BadCheckpoint(
            "is a TorchScript archive (torch.jit.save), not a checkpoint saved with torch.save");
      }
      ZipEntry order = zip.getEntry(prefix + "byteorder");
      if (order != null) {
        String text = new String(entryBytes(zip, order, order.getSize()), StandardCharsets.US_ASCII);
        if (!text.strip().equals("little")) {
          throw new BadCheckpoint(
              "byte order '" + PythonObjects.printable(text.strip()) + "' is not supported");
        }
      }
      ZipEntry pklEntry = zip.getEntry(prefix + "data.pkl");
      byte[] pkl = entryBytes(zip, pklEntry, pklEntry.getSize());
      Storages storages = new Storages();
      Object root =
          new PickleReader(storages)
              .read(new PickleReader.Input(new ByteArrayInputStream(pkl), pkl.length));
      Map<String, ByteBuffer> cache = new HashMap<>();
      try {
        return PythonObjects.resolve(
            root, ref -> cache.computeIfAbsent(ref.key(), k -> zipStorage(zip, prefix, ref)));
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
    } catch (ZipException e) {
      throw new BadCheckpoint("truncated or corrupt zip archive (" + e.getMessage() + ")", e);
    }
  }

  /** The directory holding data.pkl, with its slash. */
  private static String prefix(ZipFile zip) {
    Enumeration<? extends ZipEntry> entries = zip.entries();
    while (entries.hasMoreElements()) {
      String name = entries.nextElement().getName();
      int slash = name.indexOf('/');
      if (name.endsWith("/data.pkl") && slash == name.length() - "/data.pkl".length()) {
        return name.substring(0, slash + 1);
      }
    }
    throw new BadCheckpoint("zip archive without a data.pkl entry (not a PyTorch checkpoint)");
  }

  private static ByteBuffer zipStorage(ZipFile zip, String prefix, StorageRef ref) {
    ZipEntry entry = zip.getEntry(prefix + "data/" + ref.key());
    if (entry == null) {
      throw new BadCheckpoint(
          "storage '" + PythonObjects.printable(ref.key()) + "' is referenced but absent");
    }
    long need = ref.numel() * ref.dtype().byteSize();
    if (entry.getSize() < need) {
      throw new BadCheckpoint(
          "truncated: storage '" + PythonObjects.printable(ref.key()) + "' holds "
              + entry.getSize() + " bytes, needs " + need);
    }
    try {
      return ByteBuffer.wrap(entryBytes(zip, entry, need));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] entryBytes(ZipFile zip, ZipEntry entry, long count) throws IOException {
    if (count > Integer.MAX_VALUE - 8) {
      throw new BadCheckpoint(
          "entry '" + PythonObjects.printable(entry.getName()) + "' is larger than 2 GiB");
    }
    try (InputStream in = zip.getInputStream(entry)) {
      byte[] b = in.readNBytes((int) count);
      if (b.length < count) {
        throw new BadCheckpoint(
            "truncated: entry '" + PythonObjects.printable(entry.getName()) + "' ends early");
      }
      return b;
    }
  }

  /**
   * The legacy layout (torch < 1.6): pickles of the magic number, the protocol version and the
   * system info, the object pickle, the list of storage keys, then for each key in that order an
   * 8-byte little-endian element count and the raw elements.
   */
  static Object readLegacy(Path file) throws IOException {
    long size = Files.size(file);
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      PickleReader.Input in = new PickleReader.Input(raw, size);
      PickleReader plain = new PickleReader(null);
      Object magic = plain.read(in);
      if (!(magic instanceof BigInteger b) || !b.equals(MAGIC_NUMBER)) {
        throw new BadCheckpoint("not a legacy PyTorch checkpoint (wrong magic number)");
      }
      Object protocol = plain.read(in);
      if (!(protocol instanceof Integer p) || p != LEGACY_PROTOCOL_VERSION) {
        throw new BadCheckpoint("unsupported legacy checkpoint protocol " + protocol);
      }
      Object sysInfo = plain.read(in);
      if (sysInfo instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) {
        throw new BadCheckpoint("big-endian checkpoints are not supported");
      }
      Storages storages = new Storages();
      Object root = new PickleReader(storages).read(in);
      Object keys = plain.read(in);
      if (!(keys instanceof List<?> keyList)) {
        throw new BadCheckpoint("corrupt legacy checkpoint (no list of storage keys)");
      }
      Map<String, ByteBuffer> data = new HashMap<>();
      for (Object k : keyList) {
        String key = String.valueOf(k);
        StorageRef ref = storages.roots.get(key);
        if (ref == null) {
          throw new BadCheckpoint(
              "storage '" + PythonObjects.printable(key) + "' is listed but never referenced");
        }
        data.put(key, legacyStorage(in, ref));
      }
      for (String key : storages.roots.keySet()) {
        if (!data.containsKey(key)) {
          throw new BadCheckpoint(
              "storage '" + PythonObjects.printable(key) + "' is referenced but absent");
        }
      }
      return PythonObjects.resolve(root, ref -> data.get(ref.key()));
    }
  }

  private static ByteBuffer legacyStorage(PickleReader.Input in, StorageRef ref)
      throws IOException {
    String key = PythonObjects.printable(ref.key());
    byte[] header = in.readNBytes(8);
    if (header.length < 8) {
      throw new BadCheckpoint("truncated: storage '" + key + "' is missing");
    }
    long count = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (count != ref.numel()) {
      throw new BadCheckpoint(
          "storage '" + key + "' holds " + count + " elements where the pickle says "
              + ref.numel());
    }
    long bytes = count * ref.dtype().byteSize();
    if (bytes > in.remaining()) {
      throw new BadCheckpoint(
          "truncated: storage '" + key + "' needs " + bytes + " bytes, only " + in.remaining()
              + " remain");
    }
    if (bytes > Integer.MAX_VALUE - 8) {
      throw new BadCheckpoint("storage '" + key + "' is larger than 2 GiB, which is not supported");
    }
    return ByteBuffer.wrap(in.readNBytes((int) bytes));
  }

  /**
   * The storages a pickle references. A persistent id is {@code ('storage', StorageType, key,
   * location, numel)}, with a sixth element in the legacy layout: null, or {@code (view_key,
   * offset, size)} for a view of part of the storage.
   */
  private static final class Storages implements PickleReader.PersistentLoader {
    final Map<String, StorageRef> roots = new LinkedHashMap<>();

    @Override
    public Object load(Object[] pid) {
      if (pid.length < 5 || pid.length > 6 || !"storage".equals(pid[0])) {
        throw new BadCheckpoint("unsupported persistent id (not a torch storage)");
      }
      if (!(pid[1] instanceof PyType type) || type.dtype() == null) {
        throw new BadCheckpoint("persistent id without a storage type");
      }
      if (!(pid[2] instanceof String key)) {
        throw new BadCheckpoint("persistent id without a storage key");
      }
      long numel = PythonObjects.integer(pid[4], "storage size");
      if (numel < 0 || numel > Long.MAX_VALUE / 8) {
        throw new BadCheckpoint("storage with an impossible size " + numel);
      }
      StorageRef root = new StorageRef(key, type.dtype(), numel, 0, numel);
      StorageRef known = roots.putIfAbsent(key, root);
      if (known != null && !known.equals(root)) {
        throw new BadCheckpoint(
            "storage '" + PythonObjects.printable(key) + "' is referenced with different types or sizes");
      }
      if (pid.length == 5 || pid[5] == null) {
        return root;
      }
      if (!(pid[5] instanceof Object[] view) || view.length != 3) {
        throw new BadCheckpoint("corrupt storage view in persistent id");
      }
      long offset = PythonObjects.integer(view[1], "storage view offset");
      long viewSize = PythonObjects.integer(view[2], "storage view size");
      if (offset < 0 || viewSize < 0 || offset + viewSize > numel) {
        throw new BadCheckpoint(
            "storage view '" + PythonObjects.printable(String.valueOf(view[0]))
                + "' lies outside its storage");
      }
      return new StorageRef(key, type.dtype(), numel, offset, viewSize);
    }
  }
}
