package io.gpen.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.razorvine.pickle.IObjectConstructor;

/**
 * Java stand-ins for the few Python objects a checkpoint pickle may build (torch storages and
 * tensors, NumPy arrays), and the pass that turns a finished pickle into plain Java values.
 *
 * <p>Tensors cannot be built while unpickling: in the legacy PyTorch format the storage bytes come
 * after the pickle. So the pickle yields {@link Deferred} objects, and {@link #resolve} replaces
 * them with {@link TensorData} once the storages can be read.
 */
final class PythonObjects {
  /** Deeper nesting than this is no checkpoint (and would overflow the stack). */
  private static final int MAX_DEPTH = 200;

  private PythonObjects() {}

  /** Gives the bytes of a storage (its root, element 0 at position 0). */
  @FunctionalInterface
  interface StorageSource {
    ByteBuffer bytes(StorageRef ref);
  }

  /** A Python object that becomes a Java value once the whole file has been read. */
  interface Deferred {
    Object resolve(StorageSource storages, CopyBudget copies, String path);
  }

  /**
   * The bytes that tensors viewing their storage with strides may copy, together: as many as the
   * file's tensor data plus {@link #SLACK}. A view copies at most its storage's bytes unless its
   * strides repeat elements (an expanded tensor, stride 0); a few such views of small buffers are
   * fine, but a tiny file whose views repeat one element billions of times is refused before the
   * copy is allocated.
   */
  static final class CopyBudget {
    private static final long SLACK = 64L << 20;

    private final long dataBytes;
    private long copied;

    CopyBudget(long dataBytes) {
      this.dataBytes = dataBytes;
    }

    void take(long bytes, String path) {
      copied = saturatedAdd(copied, bytes);
      if (copied > saturatedAdd(dataBytes, SLACK)) {
        throw new BadCheckpoint(
            "tensor '"
                + path
                + "': strided views would copy "
                + copied
                + " bytes from the file's "
                + dataBytes
                + " bytes of tensor data (views repeating elements)");
      }
    }
  }

  /** An object that takes its state from the pickle BUILD opcode. */
  interface Buildable {
    void setState(Object state);
  }

  /**
   * A Python type or storage class that a pickle may name as an argument but never call, such as
   * {@code numpy.ndarray} or {@code torch.FloatStorage}; {@code dtype} is null for non-storages.
   */
  record PyType(String name, DType dtype) implements IObjectConstructor {
    @Override
    public Object construct(Object[] args) {
      throw new BadCheckpoint("refuses to call Python object '" + name + "'");
    }
  }

  /** {@code argparse.Namespace} (training arguments): its attributes as a map. */
  static final class Attributes extends LinkedHashMap<Object, Object> {
    private static final long serialVersionUID = 1L;
  }

  /**
   * A torch storage named by a persistent id, possibly a view of part of it (legacy format).
   *
   * @param key the storage's key in the file
   * @param numel elements of the whole storage
   * @param viewOffset first element of the view
   * @param viewSize elements of the view
   */
  record StorageRef(String key, DType dtype, long numel, long viewOffset, long viewSize) {}

  /** A torch tensor: a strided view of a storage, read once the storage is available. */
  static final class PendingTensor implements Deferred {
    private final StorageRef storage;
    private final long offset;
    private final long[] size;
    private final long[] stride;

    PendingTensor(StorageRef storage, long offset, long[] size, long[] stride) {
      if (size.length != stride.length) {
        throw new BadCheckpoint(
            "tensor with " + size.length + " sizes but " + stride.length + " strides");
      }
      for (int d = 0; d < size.length; d++) {
        if (size[d] < 0 || stride[d] < 0) {
          throw new BadCheckpoint("tensor with a negative size or stride");
        }
      }
      if (offset < 0) {
        throw new BadCheckpoint("tensor with a negative storage offset");
      }
      this.storage = storage;
      this.offset = offset;
      this.size = size;
      this.stride = stride;
    }

    @Override
    public Object resolve(StorageSource storages, CopyBudget copies, String path) {
      long extent;
      try {
        extent = StridedCopy.extent(offset, size, stride);
      } catch (ArithmeticException e) {
        throw new BadCheckpoint("tensor '" + path + "' has an impossible size", e);
      }
      if (extent > storage.viewSize()) {
        throw new BadCheckpoint(
            "tensor '"
                + path
                + "' reaches element "
                + extent
                + " of a storage of "
                + storage.viewSize()
                + " elements");
      }
      int es = storage.dtype().byteSize();
      checkFits(path, size, es);
      if (!StridedCopy.isContiguous(size, stride)) {
        copies.take(numel(size) * es, path);
      }
      ByteBuffer root = storages.bytes(storage);
      ByteBuffer view =
          root.slice(
              Math.toIntExact(storage.viewOffset() * es), Math.toIntExact(storage.viewSize() * es));
      return new TensorData(
          storage.dtype(), size, StridedCopy.gather(view, offset, size, stride, es));
    }
  }

  /** {@code numpy.dtype(code, align, copy)}; its byte order arrives with BUILD. */
  static final class NumpyDType implements Buildable {
    private final String code;
    private String byteOrder = "=";

    NumpyDType(String code) {
      // numpy writes e.g. 'f4'; tolerate an explicit order prefix such as '<f4'
      if (!code.isEmpty() && "<>|=".indexOf(code.charAt(0)) >= 0) {
        this.byteOrder = code.substring(0, 1);
        this.code = code.substring(1);
      } else {
        this.code = code;
      }
    }

    @Override
    public void setState(Object state) {
      if (!(state instanceof Object[] s) || s.length < 2 || !(s[1] instanceof String order)) {
        throw new BadCheckpoint("numpy dtype with an unexpected state");
      }
      byteOrder = order;
    }

    /** The element type, checked to be one this project reads. */
    DType dtype(String what) {
      DType t =
          switch (code) {
            case "f4" -> DType.FLOAT32;
            case "f8" -> DType.FLOAT64;
            case "f2" -> DType.FLOAT16;
            case "i8" -> DType.INT64;
            case "i4" -> DType.INT32;
            case "i2" -> DType.INT16;
            case "i1" -> DType.INT8;
            case "u1" -> DType.UINT8;
            case "b1" -> DType.BOOL;
            default -> null;
          };
      if (t == null) {
        throw new BadCheckpoint(what + " has unsupported numpy dtype '" + printable(code) + "'");
      }
      if (byteOrder.equals(">") && t.byteSize() > 1) {
        throw new BadCheckpoint(what + " is big-endian, which is not supported");
      }
      return t;
    }
  }

  /**
   * An array from {@code numpy.core.multiarray._reconstruct}; shape, type and bytes come with
   * BUILD.
   */
  static final class NdArray implements Deferred, Buildable {
    private long[] shape;
    private NumpyDType dtype;
    private boolean fortranOrder;
    private byte[] raw;

    @Override
    public void setState(Object state) {
      // (version, shape, dtype, is_fortran, rawdata); very old numpy left out the version
      if (!(state instanceof Object[] s) || (s.length != 5 && s.length != 4)) {
        throw new BadCheckpoint("numpy array with an unexpected state");
      }
      int i = s.length - 4;
      shape = longs(s[i], "numpy array shape");
      if (!(s[i + 1] instanceof NumpyDType t)) {
        throw new BadCheckpoint("numpy array without a dtype");
      }
      dtype = t;
      fortranOrder = Boolean.TRUE.equals(s[i + 2]);
      Object data = s[i + 3];
      if (data instanceof byte[] b) {
        raw = b;
      } else if (data instanceof String str) {
        // Python 2 pickles carry the bytes as a str of code points 0..255
        raw = str.getBytes(StandardCharsets.ISO_8859_1);
      } else {
        throw new BadCheckpoint("numpy array of Python objects is not supported");
      }
    }

    @Override
    public Object resolve(StorageSource storages, CopyBudget copies, String path) {
      if (raw == null) {
        throw new BadCheckpoint("numpy array '" + path + "' has no data");
      }
      DType t = dtype.dtype("array '" + path + "'");
      checkFits(path, shape, t.byteSize());
      long numel = numel(shape);
      if (raw.length != numel * t.byteSize()) {
        throw new BadCheckpoint(
            "array '"
                + path
                + "' holds "
                + raw.length
                + " bytes, its shape needs "
                + numel * t.byteSize());
      }
      long[] stride =
          fortranOrder ? StridedCopy.columnMajorStrides(shape) : StridedCopy.rowMajorStrides(shape);
      if (!StridedCopy.isContiguous(shape, stride)) {
        copies.take(raw.length, path);
      }
      return new TensorData(
          t, shape, StridedCopy.gather(ByteBuffer.wrap(raw), 0, shape, stride, t.byteSize()));
    }
  }

  /** {@code numpy.core.multiarray.scalar(dtype, bytes)}: a NumPy number, e.g. a logged loss. */
  static Object numpyScalar(Object[] args) {
    if (args.length != 2 || !(args[0] instanceof NumpyDType t)) {
      throw new BadCheckpoint("numpy scalar with unexpected arguments");
    }
    byte[] b =
        args[1] instanceof String s
            ? s.getBytes(StandardCharsets.ISO_8859_1)
            : args[1] instanceof byte[] bytes ? bytes : null;
    DType dtype = t.dtype("numpy scalar");
    if (b == null || b.length != dtype.byteSize()) {
      throw new BadCheckpoint("numpy scalar with unexpected data");
    }
    ByteBuffer v = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    return switch (dtype) {
      case FLOAT32 -> (double) v.getFloat(0);
      case FLOAT64 -> v.getDouble(0);
      case FLOAT16 -> (double) TensorData.halfToFloat(v.getShort(0));
      case INT64 -> v.getLong(0);
      case INT32 -> (long) v.getInt(0);
      case INT16 -> (long) v.getShort(0);
      case INT8 -> (long) v.get(0);
      case UINT8 -> (long) (v.get(0) & 0xff);
      case BOOL -> v.get(0) != 0;
      case BFLOAT16 -> throw new BadCheckpoint("numpy scalar of an unexpected type");
    };
  }

  /**
   * The finished pickle as plain Java values: dicts become insertion-ordered maps, lists and tuples
   * lists, sets sets, tensors and arrays {@link TensorData}. Objects shared in the pickle stay
   * shared. Anything else left over (a bare storage, a type) is an error.
   *
   * @param dataBytes the tensor data the file holds, which bounds the copies strided views make
   *     ({@link CopyBudget})
   */
  static Object resolve(Object root, StorageSource storages, long dataBytes) {
    return new Resolver(storages, new CopyBudget(dataBytes)).convert(root, "", 0);
  }

  private static final class Resolver {
    private final StorageSource storages;
    private final CopyBudget copies;
    private final Map<Object, Object> done = new IdentityHashMap<>();

    Resolver(StorageSource storages, CopyBudget copies) {
      this.storages = storages;
      this.copies = copies;
    }

    Object convert(Object o, String path, int depth) {
      if (o == null
          || o instanceof String
          || o instanceof Number
          || o instanceof Boolean
          || o instanceof byte[]
          || o instanceof TensorData) {
        return o;
      }
      Object seen = done.get(o);
      if (seen != null) {
        return seen;
      }
      if (depth > MAX_DEPTH) {
        throw new BadCheckpoint("objects nested more than " + MAX_DEPTH + " deep");
      }
      if (o instanceof Deferred d) {
        Object v = d.resolve(storages, copies, path);
        done.put(o, v);
        return v;
      }
      if (o instanceof Map<?, ?> m) {
        Map<Object, Object> out = new LinkedHashMap<>();
        done.put(o, out);
        for (Map.Entry<?, ?> e : m.entrySet()) {
          Object key = convert(e.getKey(), path, depth + 1);
          out.put(key, convert(e.getValue(), child(path, key), depth + 1));
        }
        return out;
      }
      if (o instanceof Object[] tuple) {
        return convertAll(o, Arrays.asList(tuple), new ArrayList<>(tuple.length), path, depth);
      }
      if (o instanceof List<?> list) {
        return convertAll(o, list, new ArrayList<>(list.size()), path, depth);
      }
      if (o instanceof Set<?> set) {
        return convertAll(o, set, new LinkedHashSet<>(), path, depth);
      }
      String what = o instanceof PyType t ? "'" + t.name() + "'" : o.getClass().getSimpleName();
      throw new BadCheckpoint(
          "holds an unsupported object " + what + (path.isEmpty() ? "" : " at '" + path + "'"));
    }

    private Collection<Object> convertAll(
        Object original, Collection<?> items, Collection<Object> out, String path, int depth) {
      done.put(original, out);
      int i = 0;
      for (Object item : items) {
        out.add(convert(item, child(path, i++), depth + 1));
      }
      return out;
    }

    private static String child(String path, Object key) {
      String k = printable(String.valueOf(key));
      return path.isEmpty() ? k : path + "." + k;
    }
  }

  /** {@code a + b} for sizes (not negative), or Long.MAX_VALUE where that overflows. */
  static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  static long numel(long[] shape) {
    long n = 1;
    for (long s : shape) {
      n = Math.multiplyExact(n, s);
    }
    return n;
  }

  /** Tensors live in one Java buffer each: refuse what does not fit. */
  private static void checkFits(String path, long[] shape, int elemSize) {
    try {
      if (Math.multiplyExact(numel(shape), elemSize) > Integer.MAX_VALUE) {
        throw new BadCheckpoint(
            "tensor '" + path + "' is larger than 2 GiB, which is not supported");
      }
    } catch (ArithmeticException e) {
      throw new BadCheckpoint("tensor '" + path + "' has an impossible size", e);
    }
  }

  /** A Python int tuple (or list) as longs. */
  static long[] longs(Object o, String what) {
    List<?> items;
    if (o instanceof Object[] a) {
      items = Arrays.asList(a);
    } else if (o instanceof List<?> l) {
      items = l;
    } else {
      throw new BadCheckpoint(what + " is not a tuple");
    }
    long[] out = new long[items.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = integer(items.get(i), what);
    }
    return out;
  }

  /** A Python int as a long. */
  static long integer(Object o, String what) {
    if (o instanceof Integer || o instanceof Long || o instanceof Short || o instanceof Byte) {
      return ((Number) o).longValue();
    }
    if (o instanceof java.math.BigInteger b && b.bitLength() < 64) {
      return b.longValue();
    }
    throw new BadCheckpoint(what + " is not an integer");
  }

  /** Text from a file, safe to put into a one-line message. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 120; i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return s.length() > 120 ? b + "..." : b.toString();
  }
}
