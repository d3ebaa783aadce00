package io.gpen.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gpen.SharedData;
import io.gpen.eval.TestWeights;
import io.gpen.workflow.FolderEvaluation;
import io.gpen.workflow.ModelSpec;
import io.gpen.workflow.WorkflowListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The evaluation job gives the numbers of {@code gpen test} on the same folder and seed. */
class SparkEvaluationTest {
  @TempDir Path dir;

  @Test
  void evaluationInPartitionsGivesTheMetricsOfGpenTest() throws IOException {
    String weights = SharedData.require("golden/gpen64.pth").toString();
    Path faces = TestSets.twentyFaces(dir.resolve("faces"));
    Path inception = TestWeights.inception(dir.resolve("pt_inception.safetensors"), 3);
    // gpen test's library call (LibraryMatchesCommandsTest holds it to the command, byte for byte),
    // on two
    // threads as the job's tasks (local[2]: spark.task.cpus=2): libtorch's results change with the
    // thread count
    Path expected = dir.resolve("metrics.json");
    FolderEvaluation.run(
        FolderEvaluation.Options.builder(ModelSpec.libtorch(weights).withThreads(2), faces)
            .seed(5)
            .batchSize(4)
            .inception(inception.toString())
            .metricsFile(expected)
            .build(),
        WorkflowListener.SILENT);

    Path out = dir.resolve("spark");
    // 5 batches of 4 in 3 partitions (2, 2 and 1 batches): the parts are merged on the driver
    SparkRun run =
        SparkRun.of(
            "--master",
            "local[2]",
            "--task",
            "test",
            "--input",
            faces.toString(),
            "--output",
            out.toString(),
            "-w",
            weights,
            "--seed",
            "5",
            "--batch_size",
            "4",
            "--inception",
            inception.toString(),
            "--partitions",
            "3");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(
        run.out().startsWith("20 of 20 image(s) of " + faces + " at 64x64 (20 resized), seed 5"),
        run.out());

    ObjectMapper json = new ObjectMapper();
    JsonNode want = json.readTree(expected.toFile());
    JsonNode got = json.readTree(out.resolve("metrics.json").toFile());
    assertEquals(want.get("seed"), got.get("seed"));
    assertEquals(want.get("counts"), got.get("counts"));
    assertEquals(3, got.at("/config/partitions").asInt());
    for (String metric : List.of("PSNR", "SSIM", "LPIPS", "identity")) {
      assertEquals(want.at("/metrics/" + metric), got.at("/metrics/" + metric), metric);
    }
    // per image: the names, in order, and every value, bit for bit
    assertEquals(want.get("images"), got.get("images"));
    assertEquals(20, got.get("images").size());
    for (String column : List.of("degraded", "restored")) {
      JsonNode w = want.at("/metrics/FID/" + column);
      JsonNode g = got.at("/metrics/FID/" + column);
      assertEquals(w.get("note"), g.get("note"));
      double fid = w.get("value").asDouble();
      assertTrue(fid > 0, w.toString());
      // Chan's merge of the partitions' feature statistics: the same numbers to rounding
      assertEquals(fid, g.get("value").asDouble(), 1e-9 * fid, column);
    }
  }
}
