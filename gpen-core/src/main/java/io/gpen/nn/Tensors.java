package io.gpen.nn;

import io.gpen.checkpoint.DType;
import io.gpen.checkpoint.TensorData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Conversions between libtorch tensors, Java arrays and checkpoint {@link TensorData}. */
public final class Tensors {
  static {
    // the first use of libtorch may come from here, before any network is built
    NativeRuntime.init();
  }

  private Tensors() {}

  /** The shape of {@code t}. */
  public static long[] shape(Tensor t) {
    return t.sizes().vec().get();
  }

  /** Shape as text, e.g. {@code [1, 512, 4, 4]}. */
  public static String shapeString(Tensor t) {
    return Arrays.toString(shape(t));
  }

  /**
   * A new float32 CPU tensor of {@code shape} holding a copy of the first elements of {@code
   * values}.
   */
  public static Tensor fromFloats(float[] values, long... shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    if (n > values.length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " needs " + n + " values, got " + values.length);
    }
    try (FloatPointer p = new FloatPointer(n).put(values, 0, (int) n);
        TensorOptions opts = new TensorOptions(ScalarType.Float);
        Tensor view = torch.from_blob(p, shape, opts)) {
      return view.clone();
    }
  }

  /** The elements of {@code t} (any float type, any layout, any device) as a float array. */
  public static float[] toFloats(Tensor t) {
    try (Tensor c = t.detach().to(ScalarType.Float).cpu().contiguous()) {
      float[] out = new float[Math.toIntExact(c.numel())];
      c.data_ptr_float().get(out);
      return out;
    }
  }

  /** Copies the elements of {@code t} into {@code dst} starting at {@code offset}. */
  public static void copyTo(Tensor t, float[] dst, int offset) {
    try (Tensor c = t.detach().to(ScalarType.Float).cpu().contiguous()) {
      c.data_ptr_float().get(dst, offset, Math.toIntExact(c.numel()));
    }
  }

  /** A new CPU tensor with the type, shape and elements of {@code data}. */
  public static Tensor fromData(TensorData data) {
    ByteBuffer src = data.data();
    byte[] bytes = new byte[src.remaining()];
    src.get(bytes);
    try (BytePointer p = new BytePointer(bytes);
        TensorOptions opts = new TensorOptions(scalarType(data.dtype()));
        Tensor view = torch.from_blob(p, data.shape(), opts)) {
      return view.clone();
    }
  }

  /** The elements of {@code t} as checkpoint data (contiguous, little-endian, on the CPU). */
  public static TensorData toData(Tensor t) {
    DType dtype = dtype(t.scalar_type());
    try (Tensor c = t.detach().cpu().contiguous()) {
      int n = Math.toIntExact(c.numel() * dtype.byteSize());
      byte[] bytes = new byte[n];
      new BytePointer(c.data_ptr()).capacity(n).get(bytes);
      return new TensorData(dtype, shape(c), ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
    }
  }

  /** libtorch element type of a checkpoint element type. */
  public static ScalarType scalarType(DType d) {
    return switch (d) {
      case FLOAT32 -> ScalarType.Float;
      case FLOAT64 -> ScalarType.Double;
      case FLOAT16 -> ScalarType.Half;
      case BFLOAT16 -> ScalarType.BFloat16;
      case INT64 -> ScalarType.Long;
      case INT32 -> ScalarType.Int;
      case INT16 -> ScalarType.Short;
      case INT8 -> ScalarType.Char;
      case UINT8 -> ScalarType.Byte;
      case BOOL -> ScalarType.Bool;
    };
  }

  /** Checkpoint element type of a libtorch element type. */
  public static DType dtype(ScalarType s) {
    // a ScalarType returned by native code (t.scalar_type()) is not the canonical constant: its
    // ordinal is Byte's whatever its value, so a switch needs the interned one
    return switch (s.intern()) {
      case Float -> DType.FLOAT32;
      case Double -> DType.FLOAT64;
      case Half -> DType.FLOAT16;
      case BFloat16 -> DType.BFLOAT16;
      case Long -> DType.INT64;
      case Int -> DType.INT32;
      case Short -> DType.INT16;
      case Char -> DType.INT8;
      case Byte -> DType.UINT8;
      case Bool -> DType.BOOL;
      default -> throw new IllegalArgumentException("unsupported tensor type " + s);
    };
  }

  /** A libtorch scalar. */
  public static Scalar scalar(double v) {
    return new Scalar(v);
  }

  /** Largest absolute element-wise difference of two tensors of the same shape. */
  public static double maxAbsDiff(Tensor a, Tensor b) {
    if (!Arrays.equals(shape(a), shape(b))) {
      throw new IllegalArgumentException(
          "shape " + shapeString(a) + " differs from " + shapeString(b));
    }
    try (Tensor d =
        a.detach().to(ScalarType.Double).sub(b.detach().to(ScalarType.Double)).abs().max()) {
      return d.item_double();
    }
  }
}
