package io.gpen.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.global.torch;

/** What a benchmark ran on, for its report. */
public final class Machine {
  /** The glibc tunable that puts malloc's large blocks on transparent huge pages, to its value. */
  private static final String HUGETLB = "glibc.malloc.hugetlb=";

  private Machine() {}

  /**
   * CPU model, core count and how large tensors are paged, e.g. "AMD EPYC 9B14, 2 cores, huge pages
   * (GLIBC_TUNABLES=glibc.malloc.hugetlb=1)".
   */
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
    return cpu
        + ", "
        + Runtime.getRuntime().availableProcessors()
        + " cores, "
        + pages(System.getenv("GLIBC_TUNABLES"), transparentHugePages());
  }

  /**
   * How glibc pages the large blocks that hold the biggest tensors, which makes GPEN-512 about
   * twice as fast on huge pages (README, Speed): "huge pages" where they are in use, otherwise "4
   * KB pages" with what would change it.
   *
   * @param tunables the process's {@code GLIBC_TUNABLES}, or null
   * @param thp the kernel's {@code transparent_hugepage/enabled} setting ("always", "madvise",
   *     "never"), or null where unknown
   */
  static String pages(String tunables, String thp) {
    if ("always".equals(thp)) {
      return "huge pages (transparent_hugepage always)";
    }
    String setting = null;
    if (tunables != null) {
      for (String t : tunables.split(":")) {
        if (t.startsWith(HUGETLB)) {
          setting = t;
        }
      }
    }
    if (setting == null) {
      return "4 KB pages (" + HUGETLB + "1 not set; the gpen launcher sets it)";
    }
    if (!setting.equals(HUGETLB + "1")) {
      return "4 KB pages (" + setting + ")";
    }
    if ("madvise".equals(thp)) {
      return "huge pages (GLIBC_TUNABLES=" + setting + ")";
    }
    return "4 KB pages (transparent_hugepage " + (thp == null ? "unknown" : thp) + ")";
  }

  /** The bracketed choice of /sys/kernel/mm/transparent_hugepage/enabled, or null. */
  private static String transparentHugePages() {
    try {
      String s = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"));
      int open = s.indexOf('[');
      int close = s.indexOf(']', open + 1);
      return open < 0 || close < 0 ? null : s.substring(open + 1, close);
    } catch (IOException e) {
      return null;
    }
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
