package io.gpen.checkpoint;

import io.gpen.checkpoint.PythonObjects.PyType;
import io.gpen.checkpoint.PythonObjects.StorageRef;
import java.io.BufferedInputStream;
import java.io.EOFException;
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
    (byte) 0x80,
    0x02,
    (byte) 0x8a,
    0x0a,
    0x6c,
    (byte) 0xfc,
    (byte) 0x9c,
    0x46,
    (byte) 0xf9,
    0x20,
    0x6a,
    (byte) 0xa8,
    0x50,
    0x19,
    0x2e
  };

  /** The largest storage a Java buffer holds. */
  private static final long MAX_BUFFER = Integer.MAX_VALUE - 8;

  /**
   * How many times its file's size the entries of an archive may inflate to, together. torch.save
   * stores entries uncompressed and deflated weights shrink by a few percent; only long runs of
   * equal bytes compress further, which is what a zip bomb is made of.
   */
  static final long MAX_EXPANSION = 100;

  private static final BigInteger MAGIC_NUMBER = new BigInteger("1950a86a20f9469cfc6c", 16);
  private static final int LEGACY_PROTOCOL_VERSION = 1001;

  private TorchCheckpoints() {}

  /**
   * The zip layout (torch >= 1.6): {@code <prefix>/data.pkl} whose persistent ids name storages
   * stored as {@code <prefix>/data/<key>}. The pickle is parsed from its entry as a stream and each
   * storage is inflated straight into its buffer, once every size involved has been checked (see
   * {@link ZipEntries}).
   */
  static Object readZip(Path file) throws IOException {
    try (ZipFile zip = new ZipFile(file.toFile())) {
      ZipEntries entries = new ZipEntries(zip, Files.size(file));
      String prefix = prefix(zip);
      if (zip.getEntry(prefix + "constants.pkl") != null) {
        throw new BadCheckpoint(
            "is a TorchScript archive (torch.jit.save), not a checkpoint saved with torch.save");
      }
      ZipEntry order = zip.getEntry(prefix + "byteorder");
      if (order != null) {
        String text = new String(entries.readSmall(order, 16), StandardCharsets.US_ASCII);
        if (!text.strip().equals("little")) {
          throw new BadCheckpoint(
              "byte order '" + PythonObjects.printable(text.strip()) + "' is not supported");
        }
      }
      ZipEntry pklEntry = zip.getEntry(prefix + "data.pkl");
      Storages storages = new Storages();
      Object root;
      try (InputStream pkl = new BufferedInputStream(entries.open(pklEntry), 1 << 16)) {
        root = new PickleReader(storages).read(new PickleReader.Input(pkl, pklEntry.getSize()));
      }
      Map<String, ByteBuffer> cache = new HashMap<>();
      try {
        return PythonObjects.resolve(
            root,
            ref -> cache.computeIfAbsent(ref.key(), k -> zipStorage(entries, prefix, ref)),
            storages.dataBytes());
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
    } catch (ZipException e) {
      throw new BadCheckpoint(
          "truncated or corrupt zip archive (" + PythonObjects.printable(e.getMessage()) + ")", e);
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

  private static ByteBuffer zipStorage(ZipEntries entries, String prefix, StorageRef ref) {
    String key = PythonObjects.printable(ref.key());
    ZipEntry entry = entries.zip.getEntry(prefix + "data/" + ref.key());
    if (entry == null) {
      throw new BadCheckpoint("storage '" + key + "' is referenced but absent");
    }
    long need = ref.numel() * ref.dtype().byteSize();
    if (entry.getSize() < need) {
      throw new BadCheckpoint(
          "truncated: storage '" + key + "' holds " + entry.getSize() + " bytes, needs " + need);
    }
    if (entry.getSize() > need) {
      // torch.save writes exactly the storage's bytes: more is a damaged entry or pickle
      throw new BadCheckpoint(
          "storage '"
              + key
              + "' holds "
              + entry.getSize()
              + " bytes where the pickle declares "
              + need);
    }
    try {
      return ByteBuffer.wrap(entries.readAll(entry));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
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
      return PythonObjects.resolve(root, ref -> data.get(ref.key()), storages.dataBytes());
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
          "storage '"
              + key
              + "' holds "
              + count
              + " elements where the pickle says "
              + ref.numel());
    }
    long bytes = count * ref.dtype().byteSize();
    if (bytes > in.remaining()) {
      throw new BadCheckpoint(
          "truncated: storage '"
              + key
              + "' needs "
              + bytes
              + " bytes, only "
              + in.remaining()
              + " remain");
    }
    if (bytes > MAX_BUFFER) {
      throw new BadCheckpoint("storage '" + key + "' is larger than 2 GiB, which is not supported");
    }
    // read straight into a buffer of the checked size (readNBytes(int) would gather chunks and
    // copy)
    byte[] data = new byte[(int) bytes];
    if (in.readNBytes(data, 0, data.length) < data.length) {
      throw new BadCheckpoint("truncated: storage '" + key + "' ends early");
    }
    return ByteBuffer.wrap(data);
  }

  /**
   * The storages a pickle references. A persistent id is {@code ('storage', StorageType, key,
   * location, numel)}, with a sixth element in the legacy layout: null, or {@code (view_key,
   * offset, size)} for a view of part of the storage.
   */
  private static final class Storages implements PickleReader.PersistentLoader {
    final Map<String, StorageRef> roots = new LinkedHashMap<>();

    /** The bytes of every storage referenced: the tensor data the file declares. */
    long dataBytes() {
      long total = 0;
      for (StorageRef r : roots.values()) {
        // numel is at most Long.MAX_VALUE / 8 (checked below), so each product fits; the sum
        // saturates
        total = PythonObjects.saturatedAdd(total, r.numel() * r.dtype().byteSize());
      }
      return total;
    }

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
            "storage '"
                + PythonObjects.printable(key)
                + "' is referenced with different types or sizes");
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
            "storage view '"
                + PythonObjects.printable(String.valueOf(view[0]))
                + "' lies outside its storage");
      }
      return new StorageRef(key, type.dtype(), numel, offset, viewSize);
    }
  }

  /**
   * The entries of one archive, each checked against the file before anything is allocated for it:
   * a compressed size within the file, a stored entry as long as its data, and the entries read
   * together inflating to at most {@link #MAX_EXPANSION} times the file's size. Their streams fail
   * when the data ends before the size the entry declares or runs on past it.
   */
  private static final class ZipEntries {
    final ZipFile zip;
    private final long fileSize;
    private long inflated;

    ZipEntries(ZipFile zip, long fileSize) {
      this.zip = zip;
      this.fileSize = fileSize;
    }

    /** The data of an entry, which holds exactly as many bytes as it declares. */
    InputStream open(ZipEntry entry) throws IOException {
      String name = PythonObjects.printable(entry.getName());
      long size = entry.getSize();
      long compressed = entry.getCompressedSize();
      if (size < 0 || compressed < 0) {
        throw new BadCheckpoint("entry '" + name + "' does not record its size");
      }
      if (compressed > fileSize) {
        throw new BadCheckpoint(
            "entry '"
                + name
                + "' declares "
                + compressed
                + " bytes of data, the file holds "
                + fileSize);
      }
      if (entry.getMethod() == ZipEntry.STORED && size != compressed) {
        throw new BadCheckpoint(
            "stored entry '" + name + "' declares " + size + " bytes but holds " + compressed);
      }
      if (size > MAX_EXPANSION * fileSize - inflated) {
        throw new BadCheckpoint(
            "entry '"
                + name
                + "' declares "
                + size
                + " bytes from "
                + compressed
                + " compressed: the archive would inflate to more than "
                + MAX_EXPANSION
                + " times the file's "
                + fileSize
                + " bytes (a zip bomb?)");
      }
      inflated += size;
      return new EntryStream(zip.getInputStream(entry), name, size);
    }

    /**
     * The whole data of an entry of at most 2 GiB, read into one array allocated once the entry's
     * sizes have passed {@link #open}.
     */
    byte[] readAll(ZipEntry entry) throws IOException {
      try (InputStream in = open(entry)) {
        if (entry.getSize() > MAX_BUFFER) {
          throw new BadCheckpoint(
              "entry '"
                  + PythonObjects.printable(entry.getName())
                  + "' is larger than 2 GiB,"
                  + " which is not supported");
        }
        byte[] data = new byte[(int) entry.getSize()];
        in.readNBytes(data, 0, data.length);
        // past the declared end the stream fails if the entry's data runs on
        in.read();
        return data;
      }
    }

    /** An entry of a few bytes (a text tag), refused when it declares more than {@code max}. */
    byte[] readSmall(ZipEntry entry, int max) throws IOException {
      if (entry.getSize() > max) {
        throw new BadCheckpoint(
            "entry '"
                + PythonObjects.printable(entry.getName())
                + "' holds "
                + entry.getSize()
                + " bytes, more than the "
                + max
                + " it may");
      }
      return readAll(entry);
    }
  }

  /** An entry's data, checked against the size the entry declares. */
  private static final class EntryStream extends InputStream {
    private final InputStream in;
    private final String name;
    private final long declared;
    private long count;

    EntryStream(InputStream in, String name, long declared) {
      this.in = in;
      this.name = name;
      this.declared = declared;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (count == declared) {
        if (underlying(new byte[1], 0, 1) >= 0) {
          throw new BadCheckpoint(
              "entry '" + name + "' inflates to more than the " + declared + " bytes it declares");
        }
        return -1;
      }
      int n = underlying(b, off, (int) Math.min(len, declared - count));
      if (n < 0) {
        throw new BadCheckpoint(
            "truncated: entry '"
                + name
                + "' ends after "
                + count
                + " of its "
                + declared
                + " bytes");
      }
      count += n;
      return n;
    }

    private int underlying(byte[] b, int off, int len) throws IOException {
      try {
        return in.read(b, off, len);
      } catch (ZipException | EOFException e) {
        // damaged deflate data: the file's fault, not the disk's
        throw new BadCheckpoint(
            "corrupt entry '"
                + name
                + "' ("
                + PythonObjects.printable(String.valueOf(e.getMessage()))
                + ")",
            e);
      }
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
