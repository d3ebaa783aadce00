package io.gpen.nn;

import io.gpen.BadParameter;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;

/**
 * Chooses where tensors live. "cuda" needs the CUDA build of libtorch on the class path (the {@code
 * linux-x86_64-gpu} artifacts of org.bytedeco:pytorch) and a visible GPU; the default build is
 * CPU-only.
 */
public final class Devices {
  static {
    // the first use of libtorch may come from here, before any network is built
    NativeRuntime.init();
  }

  private Devices() {}

  /** A device from its name: {@code cpu}, {@code cuda} or {@code cuda:N}. */
  public static Device parse(String name) {
    String n = name.trim().toLowerCase(java.util.Locale.ROOT);
    if (n.equals("cpu")) {
      return new Device("cpu");
    }
    if (n.equals("cuda") || n.matches("cuda:\\d+")) {
      if (!torch.cuda_is_available()) {
        throw BadParameter.of(
            "device",
            name
                + ": no usable CUDA device (this libtorch build is CPU-only or no GPU"
                + " is visible; see README, GPU)");
      }
      return new Device(n);
    }
    throw BadParameter.of("device", "must be cpu, cuda or cuda:N, got '" + name + "'");
  }
}
