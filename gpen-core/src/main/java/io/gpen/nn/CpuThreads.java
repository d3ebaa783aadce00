package io.gpen.nn;

import io.gpen.BadParameter;
import org.bytedeco.pytorch.global.torch;

/** The number of threads libtorch's CPU kernels run on. */
public final class CpuThreads {
  private CpuThreads() {}

  /**
   * Sets libtorch's thread count ({@code 0} keeps one per core) after the process-wide native
   * settings ({@link NativeRuntime}).
   */
  public static void configure(int threads) {
    if (threads < 0) {
      throw BadParameter.of("threads", "must be 0 (every core) or more, got " + threads);
    }
    NativeRuntime.init();
    if (threads > 0) {
      torch.set_num_threads(threads);
    }
  }
}
