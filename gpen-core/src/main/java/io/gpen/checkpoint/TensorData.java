package io.gpen.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A dense tensor as stored in a checkpoint: element type, shape and the raw elements, contiguous,
 * row-major and little-endian. Independent of libtorch so that readers and writers need no natives.
 */
public final class TensorData {
  private final DType dtype;
  private final long[] shape;
  private final ByteBuffer data;

  /**
   * @param data exactly {@code numel(shape) * dtype.byteSize()} bytes from its position to its
   *     limit
   */
  public TensorData(DType dtype, long[] shape, ByteBuffer data) {
    this.dtype = dtype;
    this.shape = shape.clone();
    this.data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    long expected = numel() * dtype.byteSize();
    if (this.data.remaining() != expected) {
      throw new IllegalArgumentException(
          "tensor of shape "
              + Arrays.toString(shape)
              + " and type "
              + dtype
              + " needs "
              + expected
              + " bytes, got "
              + this.data.remaining());
    }
  }

  /** A float32 tensor holding a copy of {@code values}. */
  public static TensorData ofFloats(long[] shape, float... values) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(values);
    return new TensorData(DType.FLOAT32, shape, buf);
  }

  public DType dtype() {
    return dtype;
  }

  public long[] shape() {
    return shape.clone();
  }

  public int dim() {
    return shape.length;
  }

  public long numel() {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    return n;
  }

  /** A read-only little-endian view of the elements. */
  public ByteBuffer data() {
    return data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The elements converted to float32 (for floating-point and integer types alike). */
  public float[] toFloatArray() {
    int n = Math.toIntExact(numel());
    float[] out = new float[n];
    ByteBuffer b = data();
    for (int i = 0; i < n; i++) {
      switch (dtype) {
        case FLOAT32 -> out[i] = b.getFloat(i * 4);
        case FLOAT64 -> out[i] = (float) b.getDouble(i * 8);
        case FLOAT16 -> out[i] = halfToFloat(b.getShort(i * 2));
        case BFLOAT16 -> out[i] = Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16);
        case INT64 -> out[i] = b.getLong(i * 8);
        case INT32 -> out[i] = b.getInt(i * 4);
        case INT16 -> out[i] = b.getShort(i * 2);
        case INT8 -> out[i] = b.get(i);
        case UINT8, BOOL -> out[i] = b.get(i) & 0xff;
      }
    }
    return out;
  }

  /** IEEE 754 binary16 to float (Float.float16ToFloat arrived after Java 17). */
  static float halfToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      float v = mant * 0x1p-24f;
      return sign == 0 ? v : -v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** Shape as text, e.g. {@code [1, 512, 4, 4]}. */
  public String shapeString() {
    return Arrays.toString(shape);
  }

  /** Equal when type, shape and every element byte are equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof TensorData t
        && dtype == t.dtype
        && Arrays.equals(shape, t.shape)
        && data.equals(t.data);
  }

  @Override
  public int hashCode() {
    // the elements are left out: hashing megabytes for a map key would be a surprise
    return 31 * dtype.hashCode() + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return "TensorData(" + dtype + ", " + shapeString() + ")";
  }
}
