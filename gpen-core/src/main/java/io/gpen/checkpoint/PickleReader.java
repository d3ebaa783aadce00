package io.gpen.checkpoint;

import io.gpen.checkpoint.PythonObjects.Attributes;
import io.gpen.checkpoint.PythonObjects.Buildable;
import io.gpen.checkpoint.PythonObjects.NdArray;
import io.gpen.checkpoint.PythonObjects.NumpyDType;
import io.gpen.checkpoint.PythonObjects.PendingTensor;
import io.gpen.checkpoint.PythonObjects.PyType;
import io.gpen.checkpoint.PythonObjects.StorageRef;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * A pickle reader for checkpoints, on top of razorvine's {@link Unpickler}.
 *
 * <p>A pickle can name any Python callable. Where razorvine would make a generic object for an
 * unknown name, this reader accepts only an allow-list (containers, the torch tensor rebuild
 * functions and storage types, NumPy array reconstruction) and refuses everything else. It also
 * keeps dict order (razorvine uses hash maps), tolerates the attributes pickled with an {@code
 * OrderedDict}, and checks every length read from the file against what is left of it, so that a
 * corrupt length cannot make it allocate gigabytes.
 */
final class PickleReader extends Unpickler {
  /** Resolves a persistent id (torch storages) to an object. */
  @FunctionalInterface
  interface PersistentLoader {
    Object load(Object[] pid);
  }

  /** A stream that knows how many of its bytes are left. */
  static final class Input extends FilterInputStream {
    private final long length;
    private long position;

    Input(InputStream in, long length) {
      super(in);
      this.length = length;
    }

    long remaining() {
      return length - position;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        position++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        position += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = super.skip(n);
      position += skipped;
      return skipped;
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }

  private static final Map<String, IObjectConstructor> ALLOWED = allowList();

  /** Python's limit on the digits of an int converted from text. */
  private static final int MAX_INT_DIGITS = 4300;

  private final PersistentLoader loader;
  private Input source;

  /**
   * @param loader resolves persistent ids; null where the pickle may not contain any
   */
  PickleReader(PersistentLoader loader) {
    this.loader = loader;
  }

  /** Reads one pickle from {@code in}, leaving the stream just after its STOP opcode. */
  Object read(Input in) throws IOException {
    source = in;
    try {
      return load(in);
    } catch (BadCheckpoint e) {
      throw e;
    } catch (IOException e) {
      if (in.remaining() > 0) {
        throw e;
      }
      throw new BadCheckpoint("truncated: the pickle data ends early", e);
    } catch (RuntimeException | StackOverflowError e) {
      throw new BadCheckpoint("corrupt pickle data (" + oneLine(e) + ")", e);
    }
  }

  @Override
  protected Object dispatch(short key) throws IOException {
    switch (key) {
      case Opcodes.GLOBAL -> {
        String module = PickleUtils.readline(input);
        String name = PickleUtils.readline(input);
        stack.add(global(module, name));
      }
      case Opcodes.STACK_GLOBAL -> {
        Object name = stack.pop();
        Object module = stack.pop();
        if (!(module instanceof String m) || !(name instanceof String n)) {
          throw new BadCheckpoint("corrupt pickle data (global name is not a string)");
        }
        stack.add(global(m, n));
      }
      case Opcodes.INST -> {
        String module = PickleUtils.readline(input);
        String name = PickleUtils.readline(input);
        IObjectConstructor type = global(module, name);
        stack.add(type.construct(stack.pop_all_since_marker().toArray()));
      }
      case Opcodes.EMPTY_DICT -> stack.add(new LinkedHashMap<>());
      case Opcodes.DICT -> {
        Map<Object, Object> dict = new LinkedHashMap<>();
        putPairs(dict, stack.pop_all_since_marker());
        stack.add(dict);
      }
      case Opcodes.SETITEMS -> {
        List<Object> items = stack.pop_all_since_marker();
        putPairs(dict(stack.peek()), items);
      }
      case Opcodes.BUILD -> {
        Object state = stack.pop();
        build(stack.peek(), state);
      }
      case Opcodes.BINSTRING -> stack.add(PickleUtils.rawStringFromBytes(bytes(uint(4))));
      case Opcodes.BINUNICODE -> stack.add(utf8(bytes(uint(4))));
      case Opcodes.BINUNICODE8 -> stack.add(utf8(bytes(uint(8))));
      case Opcodes.BINBYTES -> stack.add(bytes(uint(4)));
      case Opcodes.BINBYTES8, Opcodes.BYTEARRAY8 -> stack.add(bytes(uint(8)));
      case Opcodes.LONG4 -> stack.add(PickleUtils.decode_long(bytes(uint(4))));
      case Opcodes.LONG -> stack.add(decimalLong(PickleUtils.readline(input)));
      default -> {
        return super.dispatch(key);
      }
    }
    return NO_RETURN_VALUE;
  }

  @Override
  protected Object persistentLoad(Object pid) {
    if (loader == null) {
      throw new BadCheckpoint("unexpected persistent reference (torch storage) in a plain pickle");
    }
    if (!(pid instanceof Object[] tuple)) {
      throw new BadCheckpoint("unsupported persistent id");
    }
    return loader.load(tuple);
  }

  private static IObjectConstructor global(String module, String name) {
    String full = module + "." + name;
    IObjectConstructor c = ALLOWED.get(full);
    if (c == null) {
      throw new BadCheckpoint(
          "refuses to load Python object '"
              + PythonObjects.printable(full)
              + "' (not an allowed tensor/container type)");
    }
    return c;
  }

  private static void build(Object target, Object state) {
    if (target instanceof Attributes attributes) {
      if (!(state instanceof Map<?, ?> m)) {
        throw new BadCheckpoint("corrupt pickle data (namespace state is not a dict)");
      }
      attributes.putAll(m);
    } else if (target instanceof Buildable b) {
      b.setState(state);
    } else if (!(target instanceof Map)) {
      // an OrderedDict carries attributes such as _metadata (module versions), not data
      throw new BadCheckpoint(
          "corrupt pickle data (cannot set the state of "
              + target.getClass().getSimpleName()
              + ")");
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<Object, Object> dict(Object o) {
    if (!(o instanceof Map)) {
      throw new BadCheckpoint("corrupt pickle data (items set on a non-dict)");
    }
    return (Map<Object, Object>) o;
  }

  private static void putPairs(Map<Object, Object> dict, List<Object> items) {
    if (items.size() % 2 != 0) {
      throw new BadCheckpoint("corrupt pickle data (odd number of dict items)");
    }
    for (int i = 0; i < items.size(); i += 2) {
      dict.put(items.get(i), items.get(i + 1));
    }
  }

  /** An unsigned little-endian length of {@code n} bytes. */
  private long uint(int n) throws IOException {
    byte[] b = PickleUtils.readbytes(input, n);
    long v = 0;
    for (int i = n - 1; i >= 0; i--) {
      v = (v << 8) | (b[i] & 0xff);
    }
    return v;
  }

  private byte[] bytes(long n) throws IOException {
    // n < 0 is an 8-byte length beyond Long.MAX_VALUE
    if (n < 0 || n > source.remaining()) {
      throw new BadCheckpoint(
          "truncated: a "
              + Long.toUnsignedString(n)
              + "-byte value runs past the end of the pickle data");
    }
    if (n > Integer.MAX_VALUE - 8) {
      throw new BadCheckpoint("a pickled value is larger than 2 GiB, which is not supported");
    }
    return PickleUtils.readbytes(input, (int) n);
  }

  /**
   * A protocol-0 integer, {@code 123L}. Converting decimal text takes time quadratic in its length,
   * so text longer than Python itself converts (4300 digits, {@code sys.get_int_max_str_digits}) is
   * refused rather than parsed for minutes.
   */
  private static Object decimalLong(String text) {
    String digits = text.endsWith("L") ? text.substring(0, text.length() - 1) : text;
    if (digits.length() > MAX_INT_DIGITS + 1) {
      throw new BadCheckpoint(
          "corrupt pickle data (an integer of "
              + digits.length()
              + " digits, Python writes at most "
              + MAX_INT_DIGITS
              + ")");
    }
    return PickleUtils.optimizeBigint(new BigInteger(digits));
  }

  private static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  private static String oneLine(Throwable e) {
    String m = e.getMessage();
    String text =
        m == null ? e.getClass().getSimpleName() : m.strip().lines().findFirst().orElse("");
    return PythonObjects.printable(text);
  }

  // ---- the allow-list --------------------------------------------------------------------------

  private static Map<String, IObjectConstructor> allowList() {
    Map<String, IObjectConstructor> m = new HashMap<>();
    m.put(
        "collections.OrderedDict",
        args -> {
          if (args.length != 0) {
            throw new BadCheckpoint("corrupt pickle data (OrderedDict with arguments)");
          }
          return new LinkedHashMap<>();
        });
    m.put("argparse.Namespace", args -> new Attributes());
    for (String builtins : List.of("builtins", "__builtin__")) {
      m.put(builtins + ".set", PickleReader::set);
      m.put(builtins + ".frozenset", PickleReader::set);
    }
    m.put("_codecs.encode", PickleReader::encode);

    m.put("torch._utils._rebuild_tensor", args -> tensor(args, 4));
    m.put("torch._utils._rebuild_tensor_v2", args -> tensor(args, 6));
    m.put("torch._utils._rebuild_parameter", args -> parameter(args, 3));
    m.put("torch._utils._rebuild_parameter_with_state", args -> parameter(args, 4));
    m.put("torch._tensor._rebuild_from_type_v2", PickleReader::fromType);
    m.put("torch.Size", args -> args.length == 1 ? args[0] : args);
    for (String type : List.of("torch.Tensor", "torch.nn.parameter.Parameter", "numpy.ndarray")) {
      m.put(type, new PyType(type, null));
    }
    Object[][] storages = {
      {"Float", DType.FLOAT32},
      {"Double", DType.FLOAT64},
      {"Half", DType.FLOAT16},
      {"BFloat16", DType.BFLOAT16},
      {"Long", DType.INT64},
      {"Int", DType.INT32},
      {"Short", DType.INT16},
      {"Char", DType.INT8},
      {"Byte", DType.UINT8},
      {"Bool", DType.BOOL},
      {"Untyped", DType.UINT8}
    };
    for (Object[] s : storages) {
      String name = "torch." + s[0] + "Storage";
      m.put(name, new PyType(name, (DType) s[1]));
    }

    for (String multiarray : List.of("numpy.core.multiarray", "numpy._core.multiarray")) {
      m.put(multiarray + "._reconstruct", PickleReader::reconstruct);
      m.put(multiarray + ".scalar", PythonObjects::numpyScalar);
    }
    m.put(
        "numpy.dtype",
        args -> {
          if (args.length < 1 || !(args[0] instanceof String code)) {
            throw new BadCheckpoint("corrupt pickle data (numpy dtype without a type code)");
          }
          return new NumpyDType(code);
        });
    return Map.copyOf(m);
  }

  private static Object set(Object[] args) {
    LinkedHashSet<Object> set = new LinkedHashSet<>();
    if (args.length == 1 && args[0] instanceof List<?> items) {
      set.addAll(items);
    } else if (args.length == 1 && args[0] instanceof Object[] items) {
      set.addAll(Arrays.asList(items));
    } else if (args.length != 0) {
      throw new BadCheckpoint("corrupt pickle data (set with unexpected arguments)");
    }
    return set;
  }

  /** How Python 3 pickles bytes in protocol 2: {@code _codecs.encode(str, 'latin1')}. */
  private static Object encode(Object[] args) {
    if (args.length == 2
        && args[0] instanceof String s
        && ("latin1".equals(args[1]) || "latin-1".equals(args[1]))) {
      return s.getBytes(StandardCharsets.ISO_8859_1);
    }
    throw new BadCheckpoint("refuses to call Python object '_codecs.encode' with these arguments");
  }

  /**
   * {@code _rebuild_tensor(storage, offset, size, stride)} and {@code _rebuild_tensor_v2(storage,
   * offset, size, stride, requires_grad, backward_hooks[, metadata])}; the autograd arguments do
   * not matter for stored values.
   */
  private static Object tensor(Object[] args, int minArgs) {
    if (args.length < minArgs || !(args[0] instanceof StorageRef storage)) {
      throw new BadCheckpoint("corrupt pickle data (tensor without a storage)");
    }
    long offset = PythonObjects.integer(args[1], "tensor storage offset");
    return new PendingTensor(
        storage,
        offset,
        PythonObjects.longs(args[2], "tensor size"),
        PythonObjects.longs(args[3], "tensor stride"));
  }

  /** {@code _rebuild_parameter(data, requires_grad, backward_hooks[, state])}: the data. */
  private static Object parameter(Object[] args, int minArgs) {
    if (args.length < minArgs || !(args[0] instanceof PendingTensor)) {
      throw new BadCheckpoint("corrupt pickle data (parameter without a tensor)");
    }
    return args[0];
  }

  /**
   * {@code _rebuild_from_type_v2(func, type, args, state)}: torch 2 writes tensors with Python
   * attributes this way; the tensor is {@code func(*args)}.
   */
  private static Object fromType(Object[] args) {
    if (args.length != 4
        || !(args[0] instanceof IObjectConstructor func)
        || !(args[1] instanceof PyType)
        || !(args[2] instanceof Object[] funcArgs)) {
      throw new BadCheckpoint("corrupt pickle data (unexpected tensor subclass arguments)");
    }
    return func.construct(funcArgs);
  }

  /** {@code _reconstruct(numpy.ndarray, (0,), b'b')}: an empty array that BUILD fills in. */
  private static Object reconstruct(Object[] args) {
    if (args.length < 1 || !(args[0] instanceof PyType t) || !t.name().equals("numpy.ndarray")) {
      throw new BadCheckpoint("refuses to reconstruct anything but a plain numpy.ndarray");
    }
    return new NdArray();
  }
}
