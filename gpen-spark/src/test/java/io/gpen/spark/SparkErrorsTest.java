package io.gpen.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Errors of the whole job are one line each. Each run starts and stops its own local session: the
 * files a session ships stay registered until it stops.
 */
class SparkErrorsTest {
  @TempDir Path dir;

  @Test
  void aMissingInputAndWeightsThatAreNoCheckpointAreOneLineEach() throws IOException {
    String weights = SharedData.require("golden/gpen64.pth").toString();
    Path absent = dir.resolve("absent");
    SparkRun missing =
        SparkRun.of(
            "--master",
            "local[2]",
            "--input",
            absent.toString(),
            "--output",
            dir.resolve("out").toString(),
            "-w",
            weights,
            "--aligned");
    assertEquals(1, missing.exitCode());
    assertTrue(
        missing
            .err()
            .startsWith("gpen spark: error: --input " + absent + ": no such file or folder"),
        missing.err());
    assertEquals(1, missing.err().lines().count(), missing.err());

    Path faces = TestSets.twentyFaces(dir.resolve("faces"));
    Path notAModel = Files.writeString(dir.resolve("model.pth"), "not a checkpoint");
    SparkRun bad =
        SparkRun.of(
            "--master",
            "local[2]",
            "--input",
            faces.toString(),
            "--output",
            dir.resolve("out").toString(),
            "-w",
            notAModel.toString(),
            "--aligned");
    assertEquals(1, bad.exitCode(), bad.err());
    List<String> lines = bad.err().lines().toList();
    assertEquals(1, lines.size(), bad.err());
    assertTrue(
        lines.get(0).startsWith("gpen spark: error: ") && lines.get(0).contains("model.pth"),
        bad.err());
  }
}
