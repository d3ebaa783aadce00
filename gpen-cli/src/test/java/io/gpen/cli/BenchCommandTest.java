package io.gpen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BenchCommandTest {
  @Test
  void reportsEveryFigure() {
    CliRun r = CliRun.of("bench", "--size", "64", "--mul", "1", "--narrow", "0.25", "--iters", "3", "--warmup", "1");
    assertEquals(0, r.exitCode(), r.err());
    for (String field : new String[] {"median", "p90", "faces/s", "GFLOP per face", "GFLOP/s achieved", "peak resident", "threads"}) {
      assertTrue(r.out().contains(field), field + " missing from:\n" + r.out());
    }
    assertTrue(r.out().contains("size=64 mul=1 narrow=0.25"), r.out());
  }

  @Test
  void trainingBenchReportsSecondsPerIteration() {
    CliRun r = CliRun.of("bench", "--train", "--size", "64", "--narrow", "0.25", "--iters", "1", "--identity", "none");
    assertEquals(0, r.exitCode(), r.err());
    for (String field : new String[] {"s plain (D step", "R1 step", "every 16 iterations", "path step",
        "every 4 iterations", "s per iteration (plain + R1/16 + path/4)", "batch 2", "peak resident"}) {
      assertTrue(r.out().contains(field), field + " missing from:\n" + r.out());
    }
  }

  @Test
  void trainingBenchRefusesInferenceOptions() {
    CliRun r = CliRun.of("bench", "--train", "--size", "64", "--engine", "onnx");
    assertEquals(1, r.exitCode());
    assertEquals(1, r.errorLines(), r.err());
    assertTrue(r.err().contains("does not combine with"), r.err());
  }

  @Test
  void badCountsAreRefused() {
    CliRun r = CliRun.of("bench", "--size", "64", "--iters", "0");
    assertEquals(1, r.exitCode());
    assertEquals(1, r.errorLines(), r.err());
  }
}
