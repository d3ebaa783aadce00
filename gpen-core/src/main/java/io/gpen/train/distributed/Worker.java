package io.gpen.train.distributed;

import io.gpen.GpenException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * This process's place in a data-parallel run, as torchrun describes it to its workers.
 *
 * @param rank the global rank, 0 … worldSize − 1; rank 0 writes the checkpoints, log and samples
 * @param worldSize the number of worker processes over all machines
 * @param localRank the rank among this machine's workers
 * @param localWorldSize the workers on this machine (they share its cores)
 * @param masterAddress where rank 0 serves the rendezvous store
 * @param masterPort its port
 * @param timeout how long a rendezvous or collective may wait for the other ranks
 */
public record Worker(
    int rank,
    int worldSize,
    int localRank,
    int localWorldSize,
    String masterAddress,
    int masterPort,
    Duration timeout) {

  /**
   * The worker the environment describes: {@code RANK}, {@code WORLD_SIZE}, {@code MASTER_ADDR},
   * {@code MASTER_PORT} (torchrun's names; {@code LOCAL_RANK} and {@code LOCAL_WORLD_SIZE} default
   * to the rank and 1), or empty when {@code RANK} is not set.
   *
   * @throws GpenException naming the variable that is missing or not a number
   */
  public static Optional<Worker> fromEnvironment(Map<String, String> env, Duration timeout) {
    if (env.get("RANK") == null) {
      return Optional.empty();
    }
    int rank = number(env, "RANK", null);
    int world = number(env, "WORLD_SIZE", null);
    String address = env.get("MASTER_ADDR");
    if (address == null || address.isBlank()) {
      throw new GpenException(
          "MASTER_ADDR is not set: a worker with RANK set needs the address of rank 0");
    }
    if (rank < 0 || rank >= world) {
      throw new GpenException("RANK " + rank + " is not below WORLD_SIZE " + world);
    }
    return Optional.of(
        new Worker(
            rank,
            world,
            number(env, "LOCAL_RANK", rank),
            number(env, "LOCAL_WORLD_SIZE", 1),
            address,
            number(env, "MASTER_PORT", null),
            timeout));
  }

  private static int number(Map<String, String> env, String name, Integer fallback) {
    String v = env.get(name);
    if (v == null && fallback != null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v == null ? "" : v.strip());
    } catch (NumberFormatException e) {
      throw new GpenException(
          name + " must be a whole number, got " + (v == null ? "nothing" : "'" + v + "'"));
    }
  }

  /** Whether this rank writes the run's files. */
  public boolean lead() {
    return rank == 0;
  }

  /** Joins the run's process group. */
  public GlooGroup connect() {
    return GlooGroup.connect(masterAddress, masterPort, rank, worldSize, timeout);
  }
}
