package io.gpen.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.nn.Precision;
import io.gpen.workflow.FolderRestoration;
import io.gpen.workflow.ModelSpec;
import io.gpen.workflow.WorkflowListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The restoration job in local mode against {@code gpen predict}, with a corrupt input and reruns.
 */
class SparkRestorationTest {
  private static SparkSession spark;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    spark = TestSets.localSpark();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void alignedFacesAreThoseOfPredictACorruptFileIsOneErrorRowAndARerunSkips() throws IOException {
    String weights = SharedData.require("golden/gpen64.pth").toString();
    Path faces = TestSets.twentyFaces(dir.resolve("faces"));
    // gpen predict's library call (LibraryMatchesCommandsTest holds it to the command, byte for
    // byte), on one
    // thread as the job's tasks (spark.task.cpus=1): libtorch's results may change with the thread
    // count
    Path predicted = dir.resolve("predicted");
    FolderRestoration.Result predict =
        FolderRestoration.run(
            FolderRestoration.Options.builder(ModelSpec.libtorch(weights).withThreads(1), faces)
                .output(predicted)
                .build(),
            WorkflowListener.SILENT);
    assertEquals(20, predict.restored());
    byte[] png = Files.readAllBytes(faces.resolve("face03.png"));
    Files.write(faces.resolve("broken.png"), Arrays.copyOf(png, png.length / 3));

    Path out = dir.resolve("out");
    String[] args = {
      "--input", faces.toUri().toString(), "--output", out.toString(), "-w", weights, "--aligned"
    };
    SparkRun first = SparkRun.of(args);
    assertEquals(1, first.exitCode(), first.err());
    assertTrue(
        first
            .err()
            .contains("restored 20 image(s), 20 face(s); 0 skipped (outputs exist), 1 error(s)"),
        first.err());
    Map<String, Row> rows = manifest(out);
    assertEquals(21, rows.size());
    for (int i = 0; i < 20; i++) {
      String face = String.format("face%02d", i);
      Row row = rows.get(face + ".png");
      assertEquals("ok", row.getAs("status"), face);
      assertEquals(1, row.<Integer>getAs("faces"));
      assertEquals(Files.size(faces.resolve(face + ".png")), row.<Long>getAs("size"));
      assertTrue(row.<Double>getAs("seconds") > 0);
      assertNull(row.getAs("error"));
      assertEquals("file:" + out.resolve(face + "_GPEN.png"), row.getAs("output"));
      assertArrayEquals(
          Files.readAllBytes(predicted.resolve(face + "_predict.png")),
          Files.readAllBytes(out.resolve(face + "_GPEN.png")),
          face);
    }
    Row broken = rows.get("broken.png");
    assertEquals("error", broken.getAs("status"));
    assertNull(broken.getAs("faces"));
    assertNull(broken.getAs("output"));
    String error = broken.getAs("error");
    assertTrue(
        error.startsWith("cannot read image ")
            && error.contains("broken.png: not a readable image"),
        error);
    assertFalse(error.contains("\n"), error);
    assertFalse(Files.exists(out.resolve("broken_GPEN.png")));
    assertEquals(List.of(), hiddenFiles(out), "no temporary file is left");

    FileTime written = Files.getLastModifiedTime(out.resolve("face07_GPEN.png"));
    SparkRun again = SparkRun.of(args);
    assertEquals(1, again.exitCode(), again.err());
    assertTrue(
        again
            .err()
            .contains("restored 0 image(s), 0 face(s); 20 skipped (outputs exist), 1 error(s)"),
        again.err());
    Map<String, Row> rerun = manifest(out);
    assertEquals("skipped", rerun.get("face07.png").getAs("status"));
    assertEquals("error", rerun.get("broken.png").getAs("status"));
    assertEquals(written, Files.getLastModifiedTime(out.resolve("face07_GPEN.png")));

    Files.delete(faces.resolve("broken.png"));
    Files.delete(out.resolve("face11_GPEN.png"));
    SparkRun overwrite =
        SparkRun.of(
            Stream.concat(Arrays.stream(args), Stream.of("--overwrite")).toArray(String[]::new));
    assertEquals(0, overwrite.exitCode(), overwrite.err());
    assertTrue(
        overwrite
            .err()
            .contains("restored 20 image(s), 20 face(s); 0 skipped (outputs exist), 0 error(s)"),
        overwrite.err());
    assertArrayEquals(
        Files.readAllBytes(predicted.resolve("face11_predict.png")),
        Files.readAllBytes(out.resolve("face11_GPEN.png")));
  }

  /** --precision and --out_size travel to the executors: bf16 faces are those of predict's bf16. */
  @Test
  void bf16FacesAreThoseOfPredictInBf16() throws IOException {
    String weights = SharedData.require("golden/gpen64.pth").toString();
    Path faces = TestSets.twentyFaces(dir.resolve("faces"));
    Path predicted = dir.resolve("predicted");
    FolderRestoration.run(
        FolderRestoration.Options.builder(
                ModelSpec.libtorch(weights).withThreads(1).withPrecision(Precision.BF16), faces)
            .output(predicted)
            .build(),
        WorkflowListener.SILENT);
    Path out = dir.resolve("out");
    String[] job = {
      "--input", faces.toUri().toString(), "--output", out.toString(), "-w", weights, "--aligned"
    };
    SparkRun run =
        SparkRun.of(
            Stream.concat(Arrays.stream(job), Stream.of("--out_size", "64", "--precision", "bf16"))
                .toArray(String[]::new));
    assertEquals(0, run.exitCode(), run.err());
    for (String face : List.of("face00", "face13")) {
      assertArrayEquals(
          Files.readAllBytes(predicted.resolve(face + "_predict.png")),
          Files.readAllBytes(out.resolve(face + "_GPEN.png")),
          face);
    }
    SparkRun bad =
        SparkRun.of(
            Stream.concat(Arrays.stream(job), Stream.of("--precision", "fp16"))
                .toArray(String[]::new));
    assertEquals(1, bad.exitCode(), bad.err());
    assertEquals(
        "gpen spark: error: --precision must be fp32 or bf16, got 'fp16'", bad.err().strip());
  }

  /** The manifest's rows by input file name. */
  private static Map<String, Row> manifest(Path out) {
    Map<String, Row> rows = new HashMap<>();
    for (Row r : spark.read().parquet(out.resolve("_manifest").toString()).collectAsList()) {
      String path = r.getAs("path");
      rows.put(path.substring(path.lastIndexOf('/') + 1), r);
    }
    return rows;
  }

  private static List<String> hiddenFiles(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
    }
  }
}
