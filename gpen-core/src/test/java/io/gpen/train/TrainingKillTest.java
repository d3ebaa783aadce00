package io.gpen.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.gpen.ChildJvm;
import io.gpen.Performance;
import io.gpen.checkpoint.Checkpoints;
import io.gpen.checkpoint.Safetensors;
import io.gpen.checkpoint.StateDict;
import io.gpen.data.TestFaces;
import io.gpen.util.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training run killed with SIGKILL at random moments, checkpoint after checkpoint (64 px, a
 * checkpoint every iteration): every file under a checkpoint's name loads whole, each restart
 * continues from the last one, and the temporary files of an interrupted save go at the next run.
 *
 * <p>Tagged {@link Performance}: three JVMs start and load the natives, and every iteration writes
 * a 137 MB checkpoint (G, D, g_ema and the Adam states), 20 s on a quiet 2-core machine and over a
 * minute on a busy one.
 */
@Performance
class TrainingKillTest {
  private static final Pattern CHECKPOINT = Pattern.compile("\\d{6}\\.safetensors");
  private static final int KILLS = 3;

  @TempDir Path dir;

  @Test
  void everyCheckpointSurvivesKillsAndTheRunContinuesFromTheLast() throws Exception {
    Path faces = TestFaces.folder(dir.resolve("faces"), 10);
    Path ckpts = dir.resolve("ckpts");
    Random random = new Random(16);
    Path last = null;
    for (int kill = 0; kill < KILLS; kill++) {
      long before = checkpoints(ckpts).size();
      ProcessBuilder child =
          ChildJvm.of(
              Run.class,
              List.of("-Xmx1g"),
              faces.toString(),
              ckpts.toString(),
              dir.resolve("samples").toString(),
              last == null ? "" : last.toString());
      Process p =
          ChildJvm.start(child.redirectOutput(dir.resolve("child" + kill + ".log").toFile()));
      try {
        // a moment after the run saves its next checkpoint: sometimes mid-iteration, sometimes
        // mid-save
        waitFor(() -> checkpoints(ckpts).size() > before, p, 120, "a checkpoint of run " + kill);
        Thread.sleep(random.nextInt(800));
      } finally {
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
      }
      for (Path file : checkpoints(ckpts)) {
        StateDict all = Safetensors.read(file);
        assertEquals(Safetensors.TRAINING_FORMAT, all.metadata().get("format"), file.toString());
        assertTrue(Checkpoints.read(file, "g_ema").size() > 0, file.toString());
      }
      last = checkpoints(ckpts).get(checkpoints(ckpts).size() - 1);
    }

    Path resumedFrom = last;
    long temporary =
        files(ckpts).stream()
            .filter(f -> AtomicFiles.isTempSibling(f.getFileName().toString()))
            .count();
    long iterations = Long.parseLong(resumedFrom.getFileName().toString().substring(0, 6));
    List<String> notes = new ArrayList<>();
    TrainingRun.Result resumed =
        TrainingRun.run(
            TrainConfig.resolve(
                null, settings(faces, ckpts, dir.resolve("samples"), iterations + 1, resumedFrom)),
            notes::add);
    assertEquals(iterations, resumed.firstIteration(), notes.toString());
    assertEquals(iterations + 1, resumed.iterations());
    assertTrue(
        notes.stream().anyMatch(n -> n.startsWith("resuming " + resumedFrom.getFileName())),
        notes.toString());
    assertEquals(
        temporary > 0,
        notes.stream().anyMatch(n -> n.startsWith("removed " + temporary + " temporary file(s)")),
        temporary + " temporary files before the run: " + notes);
    assertTrue(
        files(ckpts).stream().noneMatch(f -> AtomicFiles.isTempSibling(f.getFileName().toString())),
        files(ckpts).toString());
    // each restart went on from where the killed run's last checkpoint was
    List<String> starts =
        Files.readAllLines(ckpts.resolve(RunFolder.LOG_NAME)).stream()
            .filter(l -> l.contains(" start at iteration "))
            .toList();
    assertEquals(KILLS + 1, starts.size(), starts.toString());
    assertTrue(starts.get(0).contains(" start at iteration 0 of "), starts.get(0));
  }

  static Map<String, Object> settings(
      Path faces, Path ckpts, Path samples, long maxIter, Path pretrain) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("size", 64);
    s.put("narrow", 0.25);
    s.put("batch_size", 2);
    s.put("max_iter", maxIter);
    s.put("d_reg_every", 2);
    s.put("g_reg_every", 2);
    s.put("id_weight", 0);
    s.put("log_every", 1);
    s.put("sample_every", 100_000);
    s.put("save_every", 1);
    s.put("train_path", faces);
    s.put("ckpt_dir", ckpts);
    s.put("sample_dir", samples);
    if (pretrain != null) {
      s.put("pretrain", pretrain);
    }
    return s;
  }

  private static List<Path> files(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(folder)) {
      return s.sorted().toList();
    }
  }

  private static List<Path> checkpoints(Path folder) throws IOException {
    return files(folder).stream()
        .filter(f -> CHECKPOINT.matcher(f.getFileName().toString()).matches())
        .toList();
  }

  @FunctionalInterface
  private interface Condition {
    boolean holds() throws IOException;
  }

  private static void waitFor(Condition condition, Process p, int seconds, String what)
      throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.holds()) {
      if (!p.isAlive()) {
        fail("the training ended (exit " + p.exitValue() + ") before " + what);
      }
      if (System.nanoTime() > end) {
        fail("no " + what + " within " + seconds + " s");
      }
      Thread.sleep(20);
    }
  }

  /**
   * The child: a long run at 64 px saving every iteration, continued from a checkpoint if given.
   */
  public static final class Run {
    public static void main(String[] args) {
      Path pretrain = args[3].isEmpty() ? null : Path.of(args[3]);
      TrainingRun.run(
          TrainConfig.resolve(
              null, settings(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]), 1000, pretrain)),
          System.out::println);
    }
  }
}
