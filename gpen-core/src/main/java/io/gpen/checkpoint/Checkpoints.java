package io.gpen.checkpoint;

import io.gpen.GpenException;
import io.gpen.util.AtomicFiles;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads model weights from any checkpoint format the project accepts, recognising the format by
 * content rather than by file name: PyTorch {@code torch.save} files (zip and legacy layouts),
 * PaddlePaddle {@code .pdparams} pickles and safetensors.
 *
 * <p>A file may hold one state dict or a training checkpoint with several ({@code g}, {@code d},
 * {@code g_ema}, optimizer states, ...). {@link #read(Path, String)} picks one; {@link
 * #readObject(Path)} gives the whole content for everything else.
 */
public final class Checkpoints {
  /** What a checkpoint file turned out to be. */
  public enum Format {
    TORCH_ZIP("PyTorch checkpoint (zip format)"),
    TORCH_LEGACY("PyTorch checkpoint (legacy format)"),
    PICKLE("pickle of NumPy arrays (PaddlePaddle .pdparams)"),
    SAFETENSORS(Safetensors.LABEL);

    private final String label;

    Format(String label) {
      this.label = label;
    }

    /** A short description for messages, e.g. "PyTorch checkpoint (zip format)". */
    public String label() {
      return label;
    }
  }

  /** The entries preferred when no key is given: the moving averages of the generator. */
  private static final List<String> PREFERRED = List.of("g_ema", "params_ema");

  /** Paddle's table from structured names to its internal ones: no tensor, never wanted. */
  private static final String PADDLE_NAME_TABLE = "StructuredToParameterName@@";

  private Checkpoints() {}

  /** The format of a checkpoint file, from its first bytes. */
  public static Format detect(Path file) {
    return guard(
        file,
        () -> {
          checkFile(file);
          return detectChecked(file);
        });
  }

  /** The state dict of a checkpoint: the same as {@code read(file, null)}. */
  public static StateDict read(Path file) {
    return read(file, null);
  }

  /**
   * Reads one state dict from a checkpoint file.
   *
   * <p>With {@code key} null: a file that is one state dict gives it; a training checkpoint gives
   * {@code g_ema} (or {@code params_ema}) when present, else its only state dict. With a key: that
   * entry of a dict-shaped checkpoint ({@code g}, {@code d}, {@code g_ema}, {@code state_dict},
   * {@code params_ema}, {@code model}, ...) or that part of a safetensors training checkpoint.
   * Paddle's {@code StructuredToParameterName@@} table is left out. The result's description says
   * what was found and chosen, e.g. "PyTorch checkpoint (zip format), entry 'g_ema'".
   *
   * @throws GpenException naming the file when it is missing, not a checkpoint, damaged, names a
   *     Python object outside the allow-list, or has no such entry (the message lists the ones it
   *     has)
   */
  public static StateDict read(Path file, String key) {
    return guard(
        file,
        () -> {
          checkFile(file);
          Format format = detectChecked(file);
          if (format == Format.SAFETENSORS) {
            return selectPart(Safetensors.readChecked(file), key);
          }
          return selectEntry(file, format, load(file, format), key);
        });
  }

  /**
   * Reads the whole content of a checkpoint as plain Java values, e.g. for optimizer states: a
   * Python dict is an insertion-ordered {@code Map<Object, Object>} (keys may be strings or
   * integers), a list or tuple a {@code List<Object>}, a set a {@code Set<Object>}, a tensor or
   * NumPy array a {@link TensorData}; otherwise {@code String}, {@code Boolean}, {@code Double},
   * {@code Integer}/{@code Long}/{@code BigInteger}, {@code byte[]} or null. A safetensors file
   * gives a map from tensor name to {@link TensorData} (its metadata comes with {@link #read}).
   *
   * @throws GpenException naming the file, as for {@link #read(Path, String)}
   */
  public static Object readObject(Path file) {
    return guard(
        file,
        () -> {
          checkFile(file);
          Format format = detectChecked(file);
          if (format == Format.SAFETENSORS) {
            return new LinkedHashMap<Object, Object>(Safetensors.readChecked(file).tensors());
          }
          return load(file, format);
        });
  }

  /**
   * As {@link #read(Path, String)}, on the content {@link #readObject(Path)} already gave for a
   * PyTorch or Paddle file, so that a checkpoint with several entries is parsed once.
   *
   * @param root what {@code readObject(file)} returned
   */
  public static StateDict entry(Path file, Object root, String key) {
    return guard(file, () -> selectEntry(file, detectChecked(file), root, key));
  }

  private static Object load(Path file, Format format) throws IOException {
    return switch (format) {
      case TORCH_ZIP -> TorchCheckpoints.readZip(file);
      case TORCH_LEGACY -> TorchCheckpoints.readLegacy(file);
      case PICKLE -> {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
          long size = Files.size(file);
          Object root = new PickleReader(null).read(new PickleReader.Input(in, size));
          // the arrays' bytes are inside the pickle: the file's size bounds the tensor data
          yield PythonObjects.resolve(root, null, size);
        }
      }
      case SAFETENSORS -> throw new IllegalArgumentException("safetensors is no pickle");
    };
  }

  private static Format detectChecked(Path file) throws IOException {
    byte[] head = new byte[16];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    }
    if (Safetensors.looksLike(head, n)) {
      return Format.SAFETENSORS;
    }
    if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
      return Format.TORCH_ZIP;
    }
    int magic = TorchCheckpoints.LEGACY_MAGIC.length;
    if (n >= magic && Arrays.equals(head, 0, magic, TorchCheckpoints.LEGACY_MAGIC, 0, magic)) {
      return Format.TORCH_LEGACY;
    }
    if (n >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
      return Format.PICKLE;
    }
    throw new BadCheckpoint(
        "not a checkpoint (expected a PyTorch .pth/.pt, a PaddlePaddle .pdparams or a safetensors"
            + " file)");
  }

  private static StateDict selectEntry(Path file, Format format, Object root, String key) {
    if (!(root instanceof Map<?, ?> top)) {
      throw new BadCheckpoint("holds " + pythonType(root) + ", not a dict of tensors");
    }
    Map<String, TensorData> plain = stateDict(top);
    if (plain != null) {
      if (key != null) {
        throw new BadCheckpoint(
            "is a single state dict, it has no entry '" + PythonObjects.printable(key) + "'");
      }
      return new StateDict(file, format.label() + ", state dict", plain);
    }
    Map<String, Map<String, TensorData>> candidates = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : top.entrySet()) {
      Map<String, TensorData> sd = stateDict(e.getValue());
      if (e.getKey() instanceof String name && sd != null) {
        candidates.put(name, sd);
      }
    }
    String chosen = key != null ? key : choose(candidates.keySet(), top.keySet());
    Map<String, TensorData> sd = candidates.get(chosen);
    if (sd == null) {
      String name = PythonObjects.printable(chosen);
      String problem =
          top.containsKey(chosen)
              ? "entry '" + name + "' is not a state dict"
              : "has no entry '" + name + "'";
      throw new BadCheckpoint(
          problem + " (state dicts in it: " + listing(candidates.keySet()) + ")");
    }
    return new StateDict(
        file, format.label() + ", entry '" + PythonObjects.printable(chosen) + "'", sd);
  }

  /** The state dict to take when none is named: the EMA generator, else the only one. */
  private static String choose(Set<String> candidates, Collection<?> entries) {
    for (String preferred : PREFERRED) {
      if (candidates.contains(preferred)) {
        return preferred;
      }
    }
    if (candidates.size() == 1) {
      return candidates.iterator().next();
    }
    if (candidates.isEmpty()) {
      throw new BadCheckpoint("holds no state dict (entries: " + listing(entries) + ")");
    }
    throw new BadCheckpoint(
        "holds several state dicts (" + listing(candidates) + "); choose one of them");
  }

  private static StateDict selectPart(StateDict all, String key) {
    String label = Format.SAFETENSORS.label();
    if (!Safetensors.TRAINING_FORMAT.equals(all.metadata().get(Safetensors.FORMAT_KEY))) {
      if (key != null) {
        throw new BadCheckpoint(
            "is a single state dict, it has no part '" + PythonObjects.printable(key) + "'");
      }
      return new StateDict(all.source(), label + ", state dict", all.tensors(), all.metadata());
    }
    Set<String> parts = all.partNames();
    String chosen = key != null ? key : choose(parts, parts);
    if (!parts.contains(chosen)) {
      throw new BadCheckpoint(
          "has no part '" + PythonObjects.printable(chosen) + "' (parts: " + listing(parts) + ")");
    }
    return all.part(chosen);
  }

  /**
   * The map as a state dict (names to tensors, Paddle's name table left out), or null where it is
   * something else.
   */
  private static Map<String, TensorData> stateDict(Object o) {
    if (!(o instanceof Map<?, ?> m)) {
      return null;
    }
    Map<String, TensorData> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      if (PADDLE_NAME_TABLE.equals(e.getKey())) {
        continue;
      }
      if (!(e.getKey() instanceof String name) || !(e.getValue() instanceof TensorData t)) {
        return null;
      }
      out.put(name, t);
    }
    return out.isEmpty() ? null : out;
  }

  private static String listing(Iterable<?> names) {
    StringBuilder b = new StringBuilder();
    for (Object n : names) {
      b.append(b.length() == 0 ? "" : ", ").append(PythonObjects.printable(String.valueOf(n)));
    }
    return b.length() == 0 ? "none" : b.toString();
  }

  private static String pythonType(Object o) {
    if (o == null) {
      return "None";
    }
    if (o instanceof TensorData) {
      return "a single tensor";
    }
    if (o instanceof List) {
      return "a list";
    }
    if (o instanceof Number) {
      return "a number";
    }
    return "a " + o.getClass().getSimpleName();
  }

  // ---- file checks and error reporting shared with Safetensors ---------------------------------

  /** An action on a checkpoint file that may fail with an I/O error. */
  @FunctionalInterface
  interface FileAction<T> {
    T run() throws IOException;
  }

  /** Runs an action, reporting any failure as a one-line {@link GpenException} naming the file. */
  static <T> T guard(Path file, FileAction<T> action) {
    try {
      return action.run();
    } catch (BadCheckpoint e) {
      throw new GpenException(file + ": " + e.getMessage(), e);
    } catch (NoSuchFileException e) {
      throw new GpenException(file + ": no such file", e);
    } catch (IOException e) {
      throw new GpenException(file + ": cannot read (" + AtomicFiles.reason(e) + ")", e);
    } catch (UncheckedIOException e) {
      throw new GpenException(file + ": cannot read (" + AtomicFiles.reason(e.getCause()) + ")", e);
    }
  }

  /** Fails for what cannot be a checkpoint file: missing, a directory, empty. */
  static void checkFile(Path file) throws IOException {
    if (Files.isDirectory(file)) {
      throw new BadCheckpoint("is a directory, not a checkpoint file");
    }
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString());
    }
    if (Files.size(file) == 0) {
      throw new BadCheckpoint("is empty");
    }
  }
}
