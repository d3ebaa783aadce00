package io.gpen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.data.SyntheticFaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lite chain end to end, on faces drawn by the project (what a fresh machine has). */
class LiteCommandTest {
  @TempDir Path dir;

  @Test
  void everyStageRunsAndIsReported() throws IOException {
    Path data = dir.resolve("faces");
    SyntheticFaces.write(data, 4, 128, 1);
    Path work = dir.resolve("lite");
    Path logs = dir.resolve("log");
    CliRun r =
        CliRun.of(
            "lite",
            "--data",
            data.toString(),
            "--iters",
            "2",
            "--work_dir",
            work.toString(),
            "--log_dir",
            logs.toString());
    assertEquals(0, r.exitCode(), r.out() + r.err());
    List<String> lines = r.out().lines().toList();
    assertEquals(5, lines.size(), r.out());
    for (String line : lines) {
      assertTrue(line.startsWith("Run successfully with command - "), line);
    }
    assertTrue(lines.get(1).contains("gpen train --size 64"), lines.get(1));
    for (String stage : List.of("prepare", "train", "export", "infer", "test")) {
      assertTrue(Files.exists(logs.resolve(stage + ".log")), stage);
    }
    assertEquals(5, Files.readAllLines(logs.resolve("results.log")).size());
    assertTrue(Files.exists(work.resolve("ckpts/000002.safetensors")));
    assertTrue(Files.exists(work.resolve("inference/GPEN/model.onnx")));
    assertTrue(Files.exists(work.resolve("predict/face_000_predict_infer.png")));
    assertTrue(Files.exists(work.resolve("eval/metrics.json")));
    assertTrue(Files.readString(logs.resolve("infer.log")).contains("PSNR"));
  }

  @Test
  void aFailingStageIsReportedAndStopsTheChain() throws IOException {
    Path empty = dir.resolve("empty");
    Files.createDirectories(empty);
    Path logs = dir.resolve("log");
    CliRun r =
        CliRun.of(
            "lite",
            "--data",
            empty.toString(),
            "--work_dir",
            dir.resolve("lite").toString(),
            "--log_dir",
            logs.toString());
    assertEquals(1, r.exitCode());
    assertTrue(
        r.out().startsWith("Run failed with command - prepare data: use --data " + empty), r.out());
    assertTrue(Files.readString(logs.resolve("results.log")).contains("Run failed"));
  }
}
