package io.gpen.train.distributed;

import io.gpen.GpenException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Starts this machine's worker processes of a data-parallel run, as {@code
 * torch.distributed.launch} does: each a JVM with this one's java binary, JVM options and class
 * path, running {@code mainClass} with the same arguments, told its place by torchrun's environment
 * variables ({@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK}, {@code LOCAL_WORLD_SIZE}, {@code
 * MASTER_ADDR}, {@code MASTER_PORT}) and given an equal share of the cores ({@code
 * OMP_NUM_THREADS}). Their stdout and stderr lines are passed on, each to its own side, prefixed
 * with the rank. When one worker fails the others are stopped.
 */
public final class Launcher {
  /** How long a stopped worker gets to exit before it is killed. */
  private static final long GRACE_MS = 5000;

  /**
   * The notice c10d's Gloo backend prints at every start, whatever {@code TORCH_CPP_LOG_LEVEL}
   * says; the console shows only the project's lines.
   */
  private static final Pattern GLOO_NOTICE =
      Pattern.compile("\\[Gloo\\] Rank \\d+ is connected to \\d+ peer ranks\\..*");

  private Launcher() {}

  /**
   * The run's layout.
   *
   * @param processesPerNode workers on this machine
   * @param nodes machines
   * @param nodeRank this machine's index, 0 … nodes − 1; node 0 runs rank 0
   * @param masterAddress where rank 0 serves the rendezvous store
   * @param masterPort its port; 0 on a single machine: a free one
   */
  public record Layout(
      int processesPerNode, int nodes, int nodeRank, String masterAddress, int masterPort) {
    public Layout {
      if (processesPerNode < 1 || nodes < 1 || nodeRank < 0 || nodeRank >= nodes) {
        throw new GpenException(
            String.format(
                "bad layout: %d process(es) per node, %d node(s), node rank %d",
                processesPerNode, nodes, nodeRank));
      }
      if (masterPort == 0 && nodes > 1) {
        throw new GpenException(
            "a run over " + nodes + " machines needs the master port of rank 0's machine");
      }
    }
  }

  /**
   * Runs the workers of this machine until they end.
   *
   * @param out receives each stdout line of the workers, prefixed {@code [rank R] }
   * @param err receives each stderr line of the workers, prefixed likewise, and the launcher's own
   *     lines
   * @return 0 when every worker succeeded, else the exit code of the first that failed
   */
  public static int run(
      Layout layout,
      String mainClass,
      List<String> args,
      Consumer<String> out,
      Consumer<String> err) {
    int port = layout.masterPort() != 0 ? layout.masterPort() : freePort();
    int world = layout.processesPerNode() * layout.nodes();
    int threads =
        Math.max(1, Runtime.getRuntime().availableProcessors() / layout.processesPerNode());
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(args);
    // the pumps of all workers share the two consumers
    Consumer<String> toOut = synced(out);
    Consumer<String> toErr = synced(err);
    List<Process> workers = new ArrayList<>();
    List<Thread> pumps = new ArrayList<>();
    // a launcher stopped by a signal takes its workers with it
    Thread reaper =
        new Thread(() -> workers.forEach(Process::destroyForcibly), "gpen-launcher-reaper");
    Runtime.getRuntime().addShutdownHook(reaper);
    try {
      for (int local = 0; local < layout.processesPerNode(); local++) {
        int rank = layout.nodeRank() * layout.processesPerNode() + local;
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.put("RANK", Integer.toString(rank));
        env.put("WORLD_SIZE", Integer.toString(world));
        env.put("LOCAL_RANK", Integer.toString(local));
        env.put("LOCAL_WORLD_SIZE", Integer.toString(layout.processesPerNode()));
        env.put("MASTER_ADDR", layout.masterAddress());
        env.put("MASTER_PORT", Integer.toString(port));
        env.putIfAbsent("OMP_NUM_THREADS", Integer.toString(threads));
        Process p = start(pb);
        workers.add(p);
        String prefix = "[rank " + rank + "] ";
        pumps.add(pump(p.getInputStream(), prefix, toOut));
        pumps.add(pump(p.getErrorStream(), prefix, toErr));
      }
      return await(workers, layout.nodeRank() * layout.processesPerNode(), toErr);
    } finally {
      workers.forEach(Launcher::stop);
      pumps.forEach(Launcher::drain);
      Runtime.getRuntime().removeShutdownHook(reaper);
    }
  }

  private static Process start(ProcessBuilder pb) {
    try {
      return pb.start();
    } catch (IOException e) {
      throw new GpenException(
          "cannot start a worker process (" + pb.command().get(0) + "): " + e.getMessage(), e);
    }
  }

  /** Waits until all succeed or one fails; on a failure the others are stopped. */
  private static int await(List<Process> workers, int firstRank, Consumer<String> out) {
    try {
      while (true) {
        boolean running = false;
        for (int i = 0; i < workers.size(); i++) {
          Process p = workers.get(i);
          if (p.isAlive()) {
            running = true;
          } else if (p.exitValue() != 0) {
            out.accept(
                String.format(
                    "gpen train: rank %d exited with code %d; stopping the other workers",
                    firstRank + i, p.exitValue()));
            workers.forEach(Launcher::stop);
            return p.exitValue();
          }
        }
        if (!running) {
          return 0;
        }
        Thread.sleep(100);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GpenException("interrupted while waiting for the workers", e);
    }
  }

  private static void stop(Process p) {
    if (!p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(GRACE_MS, TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Waits a moment for a pump to pass on the last lines of its stopped worker. */
  private static void drain(Thread pump) {
    try {
      pump.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Consumer<String> synced(Consumer<String> c) {
    return line -> {
      synchronized (c) {
        c.accept(line);
      }
    };
  }

  /** Passes a worker's output on line by line, on a daemon thread that ends with the stream. */
  private static Thread pump(InputStream stream, String prefix, Consumer<String> out) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                  if (!GLOO_NOTICE.matcher(line).matches()) {
                    out.accept(prefix + line);
                  }
                }
              } catch (IOException e) {
                // the worker was killed: its last lines are lost, its exit code tells what happened
              }
            },
            "gpen-launcher-" + prefix.strip());
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port for the rendezvous", e);
    }
  }
}
