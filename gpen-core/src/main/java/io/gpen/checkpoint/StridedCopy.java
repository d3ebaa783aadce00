package io.gpen.checkpoint;

import java.nio.ByteBuffer;

/**
 * Turns a strided view of a storage (offset, sizes and strides in elements, as PyTorch and NumPy
 * describe tensors) into contiguous row-major bytes, copying only when the view is not already
 * contiguous.
 */
final class StridedCopy {
  private StridedCopy() {}

  /**
   * Whether the strides are those of a row-major contiguous tensor (dimensions of size 1 aside).
   */
  static boolean isContiguous(long[] size, long[] stride) {
    long expected = 1;
    for (int d = size.length - 1; d >= 0; d--) {
      if (size[d] != 1 && stride[d] != expected) {
        return false;
      }
      expected *= size[d];
    }
    return true;
  }

  /** Row-major strides of a contiguous tensor of the given sizes. */
  static long[] rowMajorStrides(long[] size) {
    long[] stride = new long[size.length];
    long s = 1;
    for (int d = size.length - 1; d >= 0; d--) {
      stride[d] = s;
      s *= size[d];
    }
    return stride;
  }

  /** Column-major (Fortran order) strides of a tensor of the given sizes. */
  static long[] columnMajorStrides(long[] size) {
    long[] stride = new long[size.length];
    long s = 1;
    for (int d = 0; d < size.length; d++) {
      stride[d] = s;
      s *= size[d];
    }
    return stride;
  }

  /**
   * The number of elements a view needs its storage to hold: one past its highest element index, or
   * 0 for a view without elements. Sizes and strides must not be negative.
   */
  static long extent(long offset, long[] size, long[] stride) {
    long last = offset;
    for (int d = 0; d < size.length; d++) {
      if (size[d] == 0) {
        return 0;
      }
      last = Math.addExact(last, Math.multiplyExact(size[d] - 1, stride[d]));
    }
    return last + 1;
  }

  /**
   * The elements of a view as contiguous row-major bytes: a slice of {@code storage} where the view
   * is contiguous, a copy otherwise. The caller has checked the view against the storage with
   * {@link #extent} and that the result fits in one buffer.
   *
   * @param storage element 0 at position 0
   */
  static ByteBuffer gather(
      ByteBuffer storage, long offset, long[] size, long[] stride, int elemSize) {
    long numel = 1;
    for (long s : size) {
      numel *= s;
    }
    int bytes = Math.toIntExact(numel * elemSize);
    if (numel == 0) {
      return ByteBuffer.allocate(0);
    }
    if (isContiguous(size, stride)) {
      return storage.slice(Math.toIntExact(offset * elemSize), bytes);
    }
    byte[] out = new byte[bytes];
    int last = size.length - 1;
    long innerSize = size[last];
    long innerStride = stride[last];
    long[] index = new long[size.length];
    long base = offset;
    int pos = 0;
    while (true) {
      if (innerStride == 1) {
        int run = Math.toIntExact(innerSize * elemSize);
        storage.get(Math.toIntExact(base * elemSize), out, pos, run);
        pos += run;
      } else {
        long src = base;
        for (long i = 0; i < innerSize; i++, src += innerStride) {
          storage.get(Math.toIntExact(src * elemSize), out, pos, elemSize);
          pos += elemSize;
        }
      }
      // advance the outer dimensions like an odometer
      int d = last - 1;
      while (d >= 0) {
        index[d]++;
        base += stride[d];
        if (index[d] < size[d]) {
          break;
        }
        base -= stride[d] * size[d];
        index[d] = 0;
        d--;
      }
      if (d < 0) {
        return ByteBuffer.wrap(out);
      }
    }
  }
}
