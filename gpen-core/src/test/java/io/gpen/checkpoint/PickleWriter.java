package io.gpen.checkpoint;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Test support: writes Python pickles with protocol-2 opcodes (and protocol-3 bytes), so that tests
 * can make checkpoint files of every kind without Python.
 *
 * <p>Values are Java objects ({@code null}, Boolean, Integer, Long, BigInteger, Double, String,
 * byte[], List as list, Map as dict in iteration order) and the records below for what Java has no
 * value for.
 */
final class PickleWriter {
  /** A Python global such as {@code torch._utils._rebuild_tensor_v2}. */
  record Global(String module, String name) {}

  /** {@code callable(*args)} (REDUCE). */
  record Call(Object callable, List<Object> args) {
    static Call of(Object callable, Object... args) {
      return new Call(callable, Arrays.asList(args));
    }
  }

  /** An object followed by BUILD with a state. */
  record Build(Object object, Object state) {}

  /** A persistent id (BINPERSID). */
  record Persistent(Object pid) {}

  /** A Python tuple. */
  record Tuple(List<Object> items) {
    static Tuple of(Object... items) {
      return new Tuple(Arrays.asList(items));
    }
  }

  /** {@code collections.OrderedDict} as torch pickles it: items, then its attributes by BUILD. */
  record OrderedDict(Map<String, ?> items, Map<String, ?> attributes) {}

  /** Bytes written as they are (for damaged pickles). */
  record Raw(byte[] bytes) {}

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  private PickleWriter() {}

  /** One complete pickle of {@code value}: PROTO 2, the value, STOP. */
  static byte[] pickle(Object value) {
    PickleWriter w = new PickleWriter();
    w.out.write(0x80);
    w.out.write(2);
    w.value(value);
    w.out.write('.');
    return w.out.toByteArray();
  }

  private void value(Object v) {
    if (v == null) {
      out.write('N');
    } else if (v instanceof Boolean b) {
      out.write(b ? 0x88 : 0x89);
    } else if (v instanceof Integer || v instanceof Long) {
      integer(((Number) v).longValue());
    } else if (v instanceof BigInteger b) {
      long1(b);
    } else if (v instanceof Double d) {
      out.write('G');
      out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putDouble(d).array());
    } else if (v instanceof String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      out.write('X');
      out.writeBytes(le32(b.length));
      out.writeBytes(b);
    } else if (v instanceof byte[] b) {
      out.write('B');
      out.writeBytes(le32(b.length));
      out.writeBytes(b);
    } else if (v instanceof Tuple t) {
      tuple(t.items());
    } else if (v instanceof List<?> list) {
      out.write(']');
      if (!list.isEmpty()) {
        out.write('(');
        list.forEach(this::value);
        out.write('e');
      }
    } else if (v instanceof Map<?, ?> map) {
      out.write('}');
      setItems(map);
    } else if (v instanceof Global g) {
      out.write('c');
      out.writeBytes((g.module() + "\n" + g.name() + "\n").getBytes(StandardCharsets.UTF_8));
    } else if (v instanceof Call c) {
      value(c.callable());
      tuple(c.args());
      out.write('R');
    } else if (v instanceof Build b) {
      value(b.object());
      value(b.state());
      out.write('b');
    } else if (v instanceof Persistent p) {
      value(p.pid());
      out.write('Q');
    } else if (v instanceof OrderedDict d) {
      value(new Global("collections", "OrderedDict"));
      out.write(')');
      out.write('R');
      setItems(d.items());
      if (d.attributes() != null) {
        value(d.attributes());
        out.write('b');
      }
    } else if (v instanceof Raw r) {
      out.writeBytes(r.bytes());
    } else {
      throw new IllegalArgumentException("cannot pickle " + v.getClass());
    }
  }

  private void setItems(Map<?, ?> map) {
    if (!map.isEmpty()) {
      out.write('(');
      map.forEach(
          (k, val) -> {
            value(k);
            value(val);
          });
      out.write('u');
    }
  }

  private void tuple(List<Object> items) {
    switch (items.size()) {
      case 0 -> out.write(')');
      case 1, 2, 3 -> {
        items.forEach(this::value);
        out.write(0x84 + items.size());
      }
      default -> {
        out.write('(');
        items.forEach(this::value);
        out.write('t');
      }
    }
  }

  private void integer(long v) {
    if (v >= 0 && v < 256) {
      out.write('K');
      out.write((int) v);
    } else if (v >= 0 && v < 65536) {
      out.write('M');
      out.write((int) (v & 0xff));
      out.write((int) (v >>> 8));
    } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
      out.write('J');
      out.writeBytes(le32((int) v));
    } else {
      long1(BigInteger.valueOf(v));
    }
  }

  /** LONG1: a little-endian two's complement integer of up to 255 bytes. */
  private void long1(BigInteger b) {
    byte[] be = b.toByteArray();
    out.write(0x8a);
    out.write(be.length);
    for (int i = be.length - 1; i >= 0; i--) {
      out.write(be[i]);
    }
  }

  static byte[] le32(int v) {
    return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
  }

  static byte[] le64(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
  }
}
