package io.gpen.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class CpuThreadsTest {
  @Test
  void zeroMeansEveryAvailableProcessorAndIsSetExplicitly() {
    try {
      assertEquals(1, CpuThreads.configure(1));
      assertEquals(1, torch.get_num_threads());
      int every = Runtime.getRuntime().availableProcessors();
      assertEquals(every, CpuThreads.configure(0));
      assertEquals(every, torch.get_num_threads());
    } finally {
      CpuThreads.configure(0);
    }
  }

  @Test
  void negativeCountsAreRefusedNamingTheParameter() {
    GpenException e = assertThrows(GpenException.class, () -> CpuThreads.configure(-1));
    assertTrue(
        e.getMessage().startsWith("threads must be 0 (every core) or more, got -1"),
        e.getMessage());
  }
}
