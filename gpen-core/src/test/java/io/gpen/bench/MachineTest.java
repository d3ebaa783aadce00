package io.gpen.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What the benchmarks say of the machine's paging of large tensors. */
class MachineTest {
  @Test
  void hugePagesWhereGlibcAsksForThemAndTheKernelGrantsThem() {
    assertEquals(
        "huge pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1)",
        Machine.pages("glibc.malloc.hugetlb=1", "madvise"));
    assertEquals(
        "huge pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1)",
        Machine.pages("glibc.malloc.check=0:glibc.malloc.hugetlb=1", "madvise"));
    assertEquals("huge pages (transparent_hugepage always)", Machine.pages(null, "always"));
  }

  @Test
  void smallPagesSayWhatWouldChangeThem() {
    assertEquals(
        "4 KB pages (glibc.malloc.hugetlb=1 not set; the gpen launcher sets it)",
        Machine.pages(null, "madvise"));
    assertEquals(
        "4 KB pages (glibc.malloc.hugetlb=0)", Machine.pages("glibc.malloc.hugetlb=0", "madvise"));
    assertEquals(
        "4 KB pages (transparent_hugepage never)",
        Machine.pages("glibc.malloc.hugetlb=1", "never"));
    assertEquals(
        "4 KB pages (transparent_hugepage unknown)", Machine.pages("glibc.malloc.hugetlb=1", null));
  }

  @Test
  void theDescriptionEndsWithThePaging() {
    assertTrue(
        Machine.describe().matches(".*, \\d+ cores, (huge pages|4 KB pages) \\(.*\\)"),
        Machine.describe());
  }
}
