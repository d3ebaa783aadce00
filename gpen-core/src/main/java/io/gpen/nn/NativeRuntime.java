package io.gpen.nn;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.bytedeco.pytorch.global.torch;

/**
 * Process-wide settings of the native libraries, made once before the first network is built
 * ({@link Module} does it), so that the command line, the Java API and the tests run the same code.
 *
 * <ul>
 *   <li>libtorch runs on every available processor ({@link CpuThreads}).
 *   <li>OpenBLAS, which libtorch calls for matrix products, runs on the calling thread. It keeps a
 *       pool of its own whose threads spin while they wait: on a machine with few cores that pool
 *       and libtorch's OpenMP pool take turns on the same cores, and a matrix-vector product of a
 *       millisecond took tens of milliseconds (measured on the 2-core machine). The products GPEN
 *       needs are small.
 *   <li>NNPACK is off. libtorch would try it for some convolutions (large batches) before oneDNN;
 *       on CPUs its bundled cpuinfo does not know (AMD Zen 5) it fails to initialise and prints
 *       "Could not initialize NNPACK! Reason: Unsupported hardware." at every such call. Off, every
 *       CPU takes the same convolution path (oneDNN) and the console stays quiet.
 * </ul>
 *
 * <p>Convolution shapes that the bundled oneDNN cannot plan are avoided by {@link Convolutions}.
 */
public final class NativeRuntime {
  private static boolean initialised;

  private NativeRuntime() {}

  /** Applies the settings; later calls do nothing. */
  public static synchronized void init() {
    if (initialised) {
      return;
    }
    Loader.load(openblas_nolapack.class);
    org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(1);
    torch.globalContext().setUserEnabledNNPACK(false);
    torch.set_num_threads(CpuThreads.everyCore());
    initialised = true;
  }
}
