package io.gpen.model;

import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The two feature buffers the decoder alternates between: a styled convolution writes its
 * concatenated output into one while reading the other. They grow to the largest layer and are then
 * reused by every later pass: at 512 px a buffer is 134 MB, and a fresh one costs about 33,000 page
 * faults (measured with /proc/self/stat) on every pass.
 */
final class BufferPair implements AutoCloseable {
  private final Tensor[] flat = new Tensor[2];
  private final boolean[] busy = new boolean[2];
  private final ScalarType type;

  /** Buffers of elements of {@code type}, the decoder's activations. */
  BufferPair(ScalarType type) {
    this.type = type;
  }

  /** A free buffer viewed as a channels-last [n,c,h,w] tensor (retained; hand back with give). */
  Tensor take(long n, long c, long h, long w) {
    int i = !busy[0] ? 0 : !busy[1] ? 1 : -1;
    if (i < 0) {
      throw new IllegalStateException("both decoder buffers are in use");
    }
    long numel = n * c * h * w;
    if (flat[i] == null || flat[i].numel() < numel) {
      if (flat[i] != null) {
        flat[i].releaseReference();
      }
      try (TensorOptions options = new TensorOptions(type)) {
        flat[i] = torch.empty(new long[] {numel}, options, new MemoryFormatOptional());
      }
      flat[i].retainReference();
    }
    busy[i] = true;
    return flat[i].narrow(0, 0, numel).view(n, h, w, c).permute(0, 3, 1, 2);
  }

  /** Takes back the buffer behind {@code view} and releases the view's handle. */
  void give(Tensor view) {
    long address = view.data_ptr().address();
    for (int i = 0; i < 2; i++) {
      if (flat[i] != null && flat[i].data_ptr().address() == address) {
        busy[i] = false;
      }
    }
    view.releaseReference();
  }

  /** A pass starts with both buffers free (an earlier pass may have ended in an exception). */
  void reset() {
    busy[0] = false;
    busy[1] = false;
  }

  @Override
  public void close() {
    for (int i = 0; i < 2; i++) {
      if (flat[i] != null) {
        flat[i].releaseReference();
        flat[i] = null;
      }
    }
  }
}
