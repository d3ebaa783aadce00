package io.gpen.cli;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gpen.SharedData;
import io.gpen.data.TestFaces;
import io.gpen.face.FaceDetectors;
import io.gpen.image.Images;
import io.gpen.workflow.FolderEvaluation;
import io.gpen.workflow.FolderRestoration;
import io.gpen.workflow.ModelExport;
import io.gpen.workflow.ModelSpec;
import io.gpen.workflow.PhotoRestoration;
import io.gpen.workflow.WorkflowListener;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workflows called from Java give what the commands give, byte for byte; the commands name
 * their flags where the library names its parameters; every engine runs every command.
 */
class LibraryMatchesCommandsTest {
  @TempDir static Path shared;
  private static Path weights;
  private static Path onnxModel;

  @TempDir Path dir;

  @BeforeAll
  static void exportTheModel() {
    weights = SharedData.require("golden/gpen64.pth");
    onnxModel =
        ModelExport.run(
                ModelExport.Options.builder(weights.toString(), shared.resolve("onnx")).build(),
                WorkflowListener.SILENT)
            .files()
            .modelFile();
  }

  @Test
  void photoRestorationFromJavaWritesTheFilesOfGpenRestore() throws IOException {
    Path photo = dir.resolve("in/solvay.png");
    try (Mat whole = imread(SharedData.require("faces/Solvay_conference_1927.png").toString());
        Mat part = new Mat(whole, new Rect(580, 60, 140, 160))) {
      Images.write(photo, part);
    }
    String detector = SharedData.require("models/retinaface_mobilenet0.25.pth").toString();
    Path viaCli = dir.resolve("cli");
    CliRun run =
        CliRun.of(
            "restore",
            "-w",
            weights.toString(),
            "--detector_weights",
            detector,
            "--input",
            photo.toString(),
            "--output",
            viaCli.toString(),
            "--compare",
            "--save_faces",
            "--alpha",
            "0.8");
    assertEquals(0, run.exitCode(), run.err());

    Path viaJava = dir.resolve("java");
    PhotoRestoration.Result result =
        PhotoRestoration.run(
            PhotoRestoration.Options.builder(ModelSpec.libtorch(weights.toString()), photo, viaJava)
                .detector(FaceDetectors.Kind.RETINAFACE, detector)
                .alpha(0.8)
                .extra(PhotoRestoration.Extra.COMPARISON, true)
                .extra(PhotoRestoration.Extra.FACES, true)
                .build(),
            WorkflowListener.SILENT);
    assertEquals(2, result.faces());
    List<String> files = names(viaCli);
    assertEquals(files, names(viaJava));
    assertEquals(3 + 2 * 2, files.size(), files.toString());
    for (String f : files) {
      assertArrayEquals(
          Files.readAllBytes(viaCli.resolve(f)), Files.readAllBytes(viaJava.resolve(f)), f);
    }
  }

  @Test
  void evaluationFromJavaGivesTheMetricsOfGpenTest() throws IOException {
    Path faces = TestFaces.folder(dir.resolve("faces"), 3);
    Path viaCli = dir.resolve("cli.json");
    CliRun run =
        CliRun.of(
            "test",
            "-w",
            weights.toString(),
            "--test_path",
            faces.toString(),
            "--batch_size",
            "2",
            "--seed",
            "5",
            "--output",
            viaCli.toString());
    assertEquals(0, run.exitCode(), run.err());

    Path viaJava = dir.resolve("java.json");
    FolderEvaluation.Result result =
        FolderEvaluation.run(
            FolderEvaluation.Options.builder(ModelSpec.libtorch(weights.toString()), faces)
                .batchSize(2)
                .seed(5)
                .metricsFile(viaJava)
                .build(),
            WorkflowListener.SILENT);
    assertArrayEquals(Files.readAllBytes(viaCli), Files.readAllBytes(viaJava));
    String table =
        result.evaluation().table(Charset.defaultCharset().newEncoder().canEncode("\u2191\u2193"));
    assertEquals(
        result.summary() + System.lineSeparator() + table + "metrics saved in " + viaCli,
        run.out().strip().replace("\n", System.lineSeparator()));
  }

  @Test
  void predictOnTheOnnxEngineWritesWhatInferWrites() throws IOException {
    Path faces = TestFaces.folder(dir.resolve("faces"), 2);
    Path viaInfer = dir.resolve("infer");
    CliRun infer =
        CliRun.of(
            "infer",
            "--model_file",
            onnxModel.toString(),
            "--img",
            faces.toString(),
            "--output",
            viaInfer.toString(),
            "--batch_size",
            "2");
    assertEquals(0, infer.exitCode(), infer.err());
    Path viaPredict = dir.resolve("predict");
    CliRun predict =
        CliRun.of(
            "predict",
            "--engine",
            "onnx",
            "-w",
            onnxModel.toString(),
            "--img",
            faces.toString(),
            "--output",
            viaPredict.toString(),
            "--batch_size",
            "2");
    assertEquals(0, predict.exitCode(), predict.err());
    assertTrue(predict.err().contains("ONNX Runtime"), predict.err());
    Path viaJava = dir.resolve("java");
    FolderRestoration.run(
        FolderRestoration.Options.builder(ModelSpec.onnx(onnxModel), faces)
            .output(viaJava)
            .batchSize(2)
            .build(),
        WorkflowListener.SILENT);
    for (String face : List.of("face00", "face01")) {
      byte[] inferred = Files.readAllBytes(viaInfer.resolve(face + "_predict_infer.png"));
      assertArrayEquals(
          inferred, Files.readAllBytes(viaPredict.resolve(face + "_predict.png")), face);
      assertArrayEquals(inferred, Files.readAllBytes(viaJava.resolve(face + "_predict.png")), face);
    }
  }

  @Test
  void restoreAndTestRunOnTheOnnxEngine() throws IOException {
    Path faces = TestFaces.folder(dir.resolve("faces"), 2);
    CliRun restore =
        CliRun.of(
            "restore",
            "--engine",
            "onnx",
            "-w",
            onnxModel.toString(),
            "--aligned",
            "--input",
            faces.toString(),
            "--output",
            dir.resolve("restored").toString());
    assertEquals(0, restore.exitCode(), restore.err());
    assertTrue(Files.isRegularFile(dir.resolve("restored/face01_GPEN.png")));

    Path metrics = dir.resolve("m.json");
    CliRun test =
        CliRun.of(
            "test",
            "--engine",
            "onnx",
            "-w",
            onnxModel.toString(),
            "--test_path",
            faces.toString(),
            "--output",
            metrics.toString());
    assertEquals(0, test.exitCode(), test.err());
    JsonNode json = new ObjectMapper().readTree(metrics.toFile());
    assertTrue(json.at("/config/model").asText().contains("ONNX Runtime"), json.toString());
    assertEquals(64, json.at("/config/size").asInt());
    assertTrue(
        json.at("/config/channel_multiplier").isNull(),
        "an ONNX model does not tell its architecture");
    assertEquals(2, json.at("/counts/evaluated").asInt());
  }

  @Test
  void theLibrarysParametersAreNamedByTheirFlags() throws IOException {
    Path face = TestFaces.folder(dir.resolve("faces"), 1).resolve("face00.png");
    CliRun batch =
        CliRun.of(
            "predict", "-w", weights.toString(), "--img", face.toString(), "--batch_size", "0");
    assertEquals(1, batch.exitCode());
    assertEquals(
        "gpen predict: error: --batch_size must be at least 1, got 0", batch.err().strip());

    Path absent = dir.resolve("absent.onnx");
    CliRun onnx =
        CliRun.of("predict", "--engine", "onnx", "-w", absent.toString(), "--img", face.toString());
    assertEquals(1, onnx.exitCode());
    assertEquals("gpen predict: error: --weights " + absent + ": no such file", onnx.err().strip());

    CliRun key =
        CliRun.of(
            "test",
            "--engine",
            "onnx",
            "-w",
            onnxModel.toString(),
            "--key",
            "g",
            "--test_path",
            face.getParent().toString());
    assertEquals(1, key.exitCode());
    assertTrue(
        key.err()
            .strip()
            .startsWith(
                "gpen test: error: --key and the architecture settings apply to"
                    + " checkpoints (engine libtorch)"),
        key.err());

    CliRun threads =
        CliRun.of(
            "degrade",
            "--input",
            face.getParent().toString(),
            "--output",
            dir.resolve("pairs").toString(),
            "--threads",
            "0");
    assertEquals(1, threads.exitCode());
    assertEquals("gpen degrade: error: --threads must be at least 1, got 0", threads.err().strip());
  }

  private static List<String> names(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
