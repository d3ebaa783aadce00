package io.gpen.nn;

import io.gpen.GpenException;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.bytedeco.pytorch.global.torch;

/**
 * Thread settings of the native libraries.
 *
 * <p>libtorch runs its kernels on an OpenMP pool (one thread per core by default). OpenBLAS, which
 * libtorch calls for matrix products, keeps a second pool of its own whose threads spin while they
 * wait: on a machine with few cores the two pools take turns on the same cores, and a matrix-vector
 * product of a millisecond took tens of milliseconds (measured on the 2-core machine). The products
 * GPEN needs are small, so OpenBLAS runs on the calling thread.
 */
public final class CpuThreads {
  private static boolean blasConfigured;

  private CpuThreads() {}

  /**
   * Sets libtorch's thread count ({@code 0} keeps one per core) and makes OpenBLAS single-threaded.
   */
  public static synchronized void configure(int threads) {
    if (threads < 0) {
      throw new GpenException("--threads must be 0 (every core) or more, got " + threads);
    }
    if (!blasConfigured) {
      Loader.load(openblas_nolapack.class);
      org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(1);
      blasConfigured = true;
    }
    if (threads > 0) {
      torch.set_num_threads(threads);
    }
  }
}
