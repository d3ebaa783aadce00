package io.gpen.nn;

import io.gpen.BadParameter;
import org.bytedeco.pytorch.global.torch;

/**
 * The number of threads libtorch's CPU kernels run on. It is always set explicitly: libtorch's own
 * default comes from its CPU database, which picked one thread on a 2-core AMD Zen 5 machine it did
 * not know.
 */
public final class CpuThreads {
  private CpuThreads() {}

  /**
   * Sets libtorch's thread count, {@code 0} meaning every available processor, after the
   * process-wide native settings ({@link NativeRuntime}). Returns the count now in use.
   */
  public static int configure(int threads) {
    if (threads < 0) {
      throw BadParameter.of("threads", "must be 0 (every core) or more, got " + threads);
    }
    NativeRuntime.init();
    torch.set_num_threads(threads > 0 ? threads : everyCore());
    return torch.get_num_threads();
  }

  /** The processors this JVM may use (cgroup and affinity limits included). */
  public static int everyCore() {
    return Runtime.getRuntime().availableProcessors();
  }
}
