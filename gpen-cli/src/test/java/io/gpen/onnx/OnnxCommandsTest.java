package io.gpen.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import io.gpen.SharedData;
import io.gpen.cli.Main;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.model.FullGenerator;
import io.gpen.model.ModelFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code gpen export} → {@code gpen infer} on the golden 64 px model gives what {@code gpen
 * predict} gives; infer runs fixed-batch models with other input names; bad input gets one line;
 * {@code gpen bench --engine}.
 */
class OnnxCommandsTest {
  private static final List<String> FACES = List.of("00000.png", "00001.png");

  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  /** Two aligned faces copied into a fresh folder. */
  private Path faces(String folder) throws IOException {
    Path src = SharedData.require("faces/ffhq256");
    Path target = Files.createDirectories(dir.resolve(folder));
    for (String f : FACES) {
      Files.copy(src.resolve(f), target.resolve(f));
    }
    return target;
  }

  @Test
  void exportThenInferGivesWhatPredictGives() throws IOException {
    Path weights = SharedData.require("golden/gpen64.pth");
    Path saveDir = dir.resolve("inference/GPEN");
    // --w: the alias every weights option takes
    assertEquals(
        0,
        run("export", "--w", weights.toString(), "--save_dir", saveDir.toString()),
        err.toString());
    assertTrue(
        out.toString().startsWith("Model is saved in " + saveDir + ": model.onnx ("),
        out.toString());
    assertTrue(Files.isRegularFile(saveDir.resolve("model.json")));

    Path imgs = faces("imgs");
    Path predicted = dir.resolve("predicted");
    assertEquals(
        0,
        run(
            "predict",
            "-w",
            weights.toString(),
            "--img",
            imgs.toString(),
            "--output",
            predicted.toString()),
        err.toString());
    assertEquals(
        0,
        run(
            "infer",
            "--model_file",
            saveDir.resolve("model.onnx").toString(),
            "--img",
            imgs.toString()),
        err.toString());
    assertTrue(err.toString().contains("input 'image' [N, 3, 64, 64]"), err.toString());
    for (String f : FACES) {
      String stem = f.substring(0, f.length() - 4);
      Path inferred = imgs.resolve(stem + "_predict_infer.png");
      assertTrue(Files.isRegularFile(inferred), inferred + " missing");
      assertTrue(maxPixelDifference(inferred, predicted.resolve(stem + "_predict.png")) <= 1, f);
    }

    // a second run over the folder leaves the earlier outputs alone; a single image reports its
    // output
    assertEquals(
        0,
        run(
            "infer",
            "--model_file",
            saveDir.resolve("model.onnx").toString(),
            "--img",
            imgs.toString()));
    assertTrue(err.toString().contains("restored 2 image(s)"), err.toString());
    Path one = dir.resolve("one.png");
    assertEquals(
        0,
        run(
            "infer",
            "--model_file",
            saveDir.resolve("model.onnx").toString(),
            "--img",
            imgs.resolve(FACES.get(0)).toString(),
            "--output",
            one.toString(),
            "--threads",
            "1"));
    assertEquals("result saved in : " + one, out.toString().strip());
    assertEquals(0, maxPixelDifference(one, imgs.resolve("00000_predict_infer.png")));
  }

  @Test
  void inferRunsAFixedBatchModelWithAnotherInputNameFaceByFace() throws IOException {
    Path weights = SharedData.require("golden/gpen64.pth");
    Path dynamic = dir.resolve("dynamic.onnx");
    Path single = dir.resolve("single.onnx");
    try (FullGenerator g =
        ModelFiles.loadGenerator(weights, null, ModelFiles.Overrides.NONE).model()) {
      OnnxExport.writeModel(g, dynamic, 0);
      OnnxExport.writeModel(g, single, "input_face", 1);
    }
    Path imgs = faces("imgs");
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    assertEquals(
        0,
        run(
            "infer",
            "--model_file",
            dynamic.toString(),
            "--img",
            imgs.toString(),
            "--output",
            a.toString(),
            "--batch_size",
            "2"),
        err.toString());
    assertEquals(
        0,
        run(
            "infer",
            "--model_file",
            single.toString(),
            "--img",
            imgs.toString(),
            "--output",
            b.toString(),
            "--batch_size",
            "2"),
        err.toString());
    assertTrue(err.toString().contains("input 'input_face' [1, 3, 64, 64]"), err.toString());
    for (String f : FACES) {
      String name = f.replace(".png", "_predict_infer.png");
      assertTrue(maxPixelDifference(a.resolve(name), b.resolve(name)) <= 1, name);
    }
  }

  @Test
  void inferErrorsAreOneLineNamingTheProblem() throws IOException {
    Path face = faces("imgs").resolve(FACES.get(0));
    Path missing = dir.resolve("missing.onnx");
    assertOneLineError(
        1,
        "--model_file " + missing + ": no such file",
        "infer",
        "--model_file",
        missing.toString(),
        "--img",
        face.toString());

    Path corrupt = dir.resolve("corrupt.onnx");
    Files.writeString(corrupt, "this is not a protobuf message");
    assertOneLineError(
        1,
        corrupt + ": not a usable ONNX model (",
        "infer",
        "--model_file",
        corrupt.toString(),
        "--img",
        face.toString());

    Path gray = dir.resolve("gray.onnx");
    writeIdentityModel(gray, -1, 1, 64, 64);
    assertOneLineError(
        1,
        gray + ": input 'x' has shape [?, 1, 64, 64], not [N, 3, S, S]",
        "infer",
        "--model_file",
        gray.toString(),
        "--img",
        face.toString());

    Path model = dir.resolve("model.onnx");
    writeIdentityModel(model, -1, 3, 64, 64);
    Path noImage = dir.resolve("nothing.png");
    assertOneLineError(
        1,
        "--img " + noImage + ": no such file or folder",
        "infer",
        "--model_file",
        model.toString(),
        "--img",
        noImage.toString());

    Path blocker = Files.writeString(dir.resolve("blocker"), "a file where a folder should be");
    assertOneLineError(
        1,
        "cannot create output folder " + blocker.toAbsolutePath(),
        "infer",
        "--model_file",
        model.toString(),
        "--img",
        face.toString(),
        "--output",
        blocker.resolve("out.png").toString());

    // export refuses an unusable folder before it loads the model
    assertOneLineError(
        1,
        "cannot create output folder " + blocker.toAbsolutePath().resolve("GPEN"),
        "export",
        "-w",
        SharedData.require("golden/gpen64.pth").toString(),
        "--save_dir",
        blocker.resolve("GPEN").toString());
    assertFalse(err.toString().contains("GPEN size=64"), "the model was loaded: " + err);

    assumeFalse(
        OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA),
        "CUDA is available here");
    assertOneLineError(
        1,
        "--device cuda: this ONNX Runtime build has no CUDA execution provider",
        "infer",
        "--model_file",
        model.toString(),
        "--img",
        face.toString(),
        "--device",
        "cuda");
  }

  @Test
  void identityModelRestoresToTheModelIoRoundTrip() throws IOException {
    // a hand-made "GPEN" that returns its input: infer's pre- and post-processing alone
    Path model = dir.resolve("identity.onnx");
    writeIdentityModel(model, 1, 3, 256, 256);
    Path face = faces("imgs").resolve(FACES.get(0));
    Path result = dir.resolve("identity.png");
    assertEquals(
        0,
        run(
            "infer",
            "--model_file",
            model.toString(),
            "--img",
            face.toString(),
            "--output",
            result.toString()),
        err.toString());
    // values 1..63 come back one lower (see ModelIo); nothing moves by more
    assertEquals(1, maxPixelDifference(result, face));
  }

  @Test
  void benchComparesTheEnginesSideBySide() {
    String[] small = {"bench", "--size", "64", "--narrow", "0.25", "--iters", "1", "--warmup", "0"};
    assertEquals(0, run(concat(small, "--engine", "both")), err.toString());
    List<String> lines = out.toString().lines().toList();
    assertTrue(lines.get(2).startsWith("engines     libtorch: libtorch "), out.toString());
    assertTrue(lines.get(3).startsWith("            onnx: ONNX Runtime "), out.toString());
    assertTrue(
        lines.stream().anyMatch(l -> l.matches("per face    median ms +\\d+\\.\\d +\\d+\\.\\d")),
        out.toString());
    assertTrue(
        lines.stream().anyMatch(l -> l.matches("arithmetic  GFLOP/face +(\\d+\\.\\d) +\\1")),
        out.toString());

    assertEquals(0, run(concat(small, "--engine", "onnx")), err.toString());
    assertTrue(out.toString().contains("\nengine      ONNX Runtime "), out.toString());
    assertTrue(out.toString().contains("\nper face    median "), out.toString());

    assertEquals(0, run(small), err.toString());
    assertTrue(out.toString().contains("\nengine      libtorch "), out.toString());

    assertOneLineError(
        1, "--engine must be libtorch, onnx or both, got 'tvm'", concat(small, "--engine", "tvm"));
    assertOneLineError(
        1,
        "--reference times libtorch's reference forward pass",
        concat(small, "--engine", "onnx", "--reference"));
  }

  /**
   * The command fails with {@code code} and one error line (no stack trace) holding {@code
   * expected}.
   */
  private void assertOneLineError(int code, String expected, String... args) {
    assertEquals(code, run(args), err.toString());
    List<String> lines = err.toString().strip().lines().toList();
    String last = lines.get(lines.size() - 1);
    assertTrue(
        last.startsWith("gpen " + args[0] + ": error: ") && last.contains(expected),
        "expected '" + expected + "' in: " + err);
    assertEquals(1, lines.stream().filter(l -> l.contains("error")).count(), err.toString());
    assertFalse(err.toString().contains("\tat "), err.toString());
  }

  /**
   * A model with one float input 'x' of the given shape (a negative batch is symbolic) returned as
   * 'y'.
   */
  private static void writeIdentityModel(Path file, long... dims) throws IOException {
    OnnxGraph graph = new OnnxGraph();
    String x = graph.input("x", dims);
    String y = graph.op("Identity", "y", new String[] {x});
    graph.output(y, dims);
    try (OutputStream out = Files.newOutputStream(file)) {
      graph.model("identity", "test", "returns its input", Map.of()).writeTo(out);
    }
  }

  private static int maxPixelDifference(Path a, Path b) {
    try (Image x = Images.read(a);
        Image y = Images.read(b)) {
      assertEquals(x.width(), y.width());
      assertEquals(x.height(), y.height());
      return (int) opencv_core.norm(x.bgr(), y.bgr(), opencv_core.NORM_INF, new Mat());
    }
  }

  private static String[] concat(String[] a, String... b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
