package io.gpen.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's resident memory, read from {@code /proc/self/status} (Linux). */
public final class PeakMemory {
  private PeakMemory() {}

  /** Peak resident set size in bytes (VmHWM), or -1 where the kernel does not report it. */
  public static long peakResidentBytes() {
    return bytes(statusKilobytes("VmHWM:"));
  }

  /**
   * Starts a new peak: sets VmHWM to the current resident size (Linux {@code clear_refs}), so that
   * the next {@link #peakResidentBytes()} covers only what ran since. Returns false where the
   * kernel does not allow it (the peak then still counts from process start).
   */
  public static boolean resetPeak() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Current resident set size in bytes (VmRSS), or -1 where the kernel does not report it. */
  public static long residentBytes() {
    return bytes(statusKilobytes("VmRSS:"));
  }

  private static long statusKilobytes(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or an unexpected format: report unknown
    }
    return -1;
  }

  private static long bytes(long kilobytes) {
    return kilobytes < 0 ? -1 : kilobytes * 1024;
  }
}
