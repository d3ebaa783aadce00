package io.gpen.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.global.torch;

/** What a benchmark ran on, for its report. */
public final class Machine {
  private Machine() {}

  /** CPU model and core count, e.g. "AMD EPYC 9B14, 2 cores". */
  public static String describe() {
    String cpu = "unknown CPU";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          cpu = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (IOException e) {
      // not Linux: keep the placeholder
    }
    return cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores";
  }

  /** The org.bytedeco:pytorch version on the class path, e.g. "2.10.0-1.5.13". */
  public static String libtorchVersion() {
    String v = torch.class.getPackage().getImplementationVersion();
    return v == null ? "(version unknown)" : v;
  }

  /**
   * A byte count as the reports show memory: whole megabytes, or "unknown" for a negative count.
   */
  static String megabytes(long bytes) {
    return bytes < 0 ? "unknown" : (bytes >> 20) + " MB";
  }
}
