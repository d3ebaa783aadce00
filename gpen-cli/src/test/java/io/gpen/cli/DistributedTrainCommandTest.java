package io.gpen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.checkpoint.Safetensors;
import io.gpen.data.TestFaces;
import io.gpen.train.RunFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gpen train --nproc_per_node 2}: two real worker JVMs started by the launcher, rank 0
 * writing the files, a checkpoint resumed by one process, and a worker killed mid-run.
 */
class DistributedTrainCommandTest {
  @TempDir Path dir;

  List<String> args(Path faces, int maxIter) {
    return new ArrayList<>(
        List.of(
            "train",
            "--nproc_per_node",
            "2",
            "--size",
            "64",
            "--narrow",
            "0.25",
            "--batch_size",
            "1",
            "--max_iter",
            Integer.toString(maxIter),
            "--d_reg_every",
            "2",
            "--g_reg_every",
            "2",
            "--log_every",
            "1",
            "--save_every",
            "1",
            "--sample_every",
            "1000",
            "--workers",
            "1",
            "--train_path",
            faces.toString(),
            "--ckpt_dir",
            dir.resolve("ckpts").toString(),
            "--sample_dir",
            dir.resolve("samples").toString(),
            "--dist_timeout",
            "60"));
  }

  @Test
  void twoWorkerProcessesTrainAndOneProcessResumes() throws Exception {
    Path faces = TestFaces.folder(dir.resolve("faces"), 4);
    CliRun r = CliRun.of(args(faces, 2).toArray(new String[0]));
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().startsWith("[rank 0] trained iterations 0 to 2: d "), r.out() + r.err());
    assertEquals(1, r.out().lines().count(), r.out());
    // every console line comes from a worker, marked with its rank; only rank 0 has notes
    assertTrue(r.err().lines().allMatch(l -> l.startsWith("[rank 0] gpen train: ")), r.err());
    assertTrue(
        r.err().contains("[rank 0] gpen train: data parallel: 2 workers × batch 1"), r.err());
    Path ckpts = dir.resolve("ckpts");
    assertEquals(
        "2", Safetensors.read(ckpts.resolve("000002.safetensors")).metadata().get("iteration"));
    String log = Files.readString(ckpts.resolve(RunFolder.LOG_NAME));
    assertTrue(log.contains("batch 2 × 1,"), log);
    assertEquals(
        1,
        log.lines().filter(l -> l.contains(" start at iteration 0 ")).count(),
        "one writer: " + log);
    assertTrue(
        log.lines()
            .filter(l -> l.contains(" iter 2 d "))
            .allMatch(l -> l.contains(" allreduce_s/it ")),
        log);

    // the checkpoint of 2 workers resumes in one process (batch 2: the same global batch)
    CliRun resumed =
        CliRun.of(
            "train",
            "--size",
            "64",
            "--narrow",
            "0.25",
            "--batch_size",
            "2",
            "--max_iter",
            "3",
            "--train_path",
            faces.toString(),
            "--ckpt_dir",
            dir.resolve("ckpts1").toString(),
            "--sample_dir",
            dir.resolve("samples1").toString(),
            "--pretrain",
            ckpts.resolve("000002.safetensors").toString());
    assertEquals(0, resumed.exitCode(), resumed.err());
    assertTrue(resumed.out().startsWith("trained iterations 2 to 3: d "), resumed.out());
  }

  @Test
  void aKilledWorkerStopsTheRunWithItsRankAndKeepsTheLastCheckpoint() throws Exception {
    Path faces = TestFaces.folder(dir.resolve("faces"), 4);
    CompletableFuture<CliRun> run =
        CompletableFuture.supplyAsync(() -> CliRun.of(args(faces, 1000).toArray(new String[0])));
    Path ckpts = dir.resolve("ckpts");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Files.exists(ckpts.resolve("000002.safetensors")) && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertTrue(
        Files.exists(ckpts.resolve("000002.safetensors")), "the workers reached iteration 2");
    // the worker started last is rank 1
    ProcessHandle rank1 =
        ProcessHandle.current()
            .descendants()
            .filter(p -> p.info().command().orElse("").endsWith("java"))
            .max(Comparator.comparingLong(ProcessHandle::pid))
            .orElseThrow();
    rank1.destroyForcibly();
    long killed = System.nanoTime();
    CliRun r = run.get(60, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - killed) / 1e9;
    assertNotEquals(0, r.exitCode(), r.err());
    assertTrue(seconds < 30, "stopped after " + seconds + " s");
    assertTrue(
        r.err().contains("gpen train: rank 1 exited with code 137; stopping the other workers"),
        r.err());
    assertTrue(
        ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive), "no worker left");
    // the newest checkpoint is whole (written to a temporary name, then renamed)
    Path last;
    try (var files = Files.list(ckpts)) {
      last =
          files
              .filter(f -> f.getFileName().toString().endsWith(".safetensors"))
              .max(Comparator.naturalOrder())
              .orElseThrow();
    }
    assertTrue(Safetensors.read(last).partNames().contains("g_ema"), last.toString());
  }
}
