package io.gpen.train.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A worker's place from torchrun's environment variables. */
class WorkerTest {
  static final Duration T = Duration.ofSeconds(7);

  @Test
  void readsTorchrunsVariables() {
    assertEquals(Optional.empty(), Worker.fromEnvironment(Map.of("WORLD_SIZE", "2"), T));
    assertEquals(
        new Worker(3, 4, 1, 2, "10.0.0.1", 29500, T),
        Worker.fromEnvironment(
                Map.of(
                    "RANK",
                    "3",
                    "WORLD_SIZE",
                    "4",
                    "LOCAL_RANK",
                    "1",
                    "LOCAL_WORLD_SIZE",
                    "2",
                    "MASTER_ADDR",
                    "10.0.0.1",
                    "MASTER_PORT",
                    "29500"),
                T)
            .orElseThrow());
    // a scheduler that sets only the global variables: one worker per machine
    Worker w =
        Worker.fromEnvironment(
                Map.of("RANK", "0", "WORLD_SIZE", "2", "MASTER_ADDR", "h", "MASTER_PORT", "1"), T)
            .orElseThrow();
    assertEquals(0, w.localRank());
    assertEquals(1, w.localWorldSize());
    assertTrue(w.lead());
  }

  @Test
  void badVariablesAreOneLineNamingThem() {
    assertEquals(
        "WORLD_SIZE must be a whole number, got 'two'",
        message(Map.of("RANK", "0", "WORLD_SIZE", "two")));
    assertEquals(
        "MASTER_PORT must be a whole number, got nothing",
        message(Map.of("RANK", "0", "WORLD_SIZE", "2", "MASTER_ADDR", "h")));
    assertEquals(
        "MASTER_ADDR is not set: a worker with RANK set needs the address of rank 0",
        message(Map.of("RANK", "0", "WORLD_SIZE", "2", "MASTER_PORT", "1")));
    assertEquals(
        "RANK 2 is not below WORLD_SIZE 2",
        message(Map.of("RANK", "2", "WORLD_SIZE", "2", "MASTER_ADDR", "h", "MASTER_PORT", "1")));
  }

  static String message(Map<String, String> env) {
    return assertThrows(GpenException.class, () -> Worker.fromEnvironment(env, T)).getMessage();
  }
}
