package io.gpen.workflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.BadParameter;
import io.gpen.SharedData;
import io.gpen.api.Restorer;
import io.gpen.image.Image;
import io.gpen.image.Images;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FolderRestoration} from Java with the golden 64 px generator, on libtorch and, exported,
 * in ONNX Runtime.
 */
class FolderRestorationTest {
  private static final List<String> FACES = List.of("00000", "00001");

  @TempDir static Path shared;
  private static Path weights;
  private static Path onnxModel;

  @TempDir Path dir;
  private Path in;

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

  /** Two faces, an unreadable file and an earlier output in a folder. */
  @BeforeEach
  void folder() throws IOException {
    in = Files.createDirectories(dir.resolve("in"));
    for (String f : FACES) {
      Files.copy(SharedData.require("faces/ffhq256/" + f + ".png"), in.resolve(f + ".png"));
    }
    Files.writeString(in.resolve("bad.png"), "not an image");
    Files.copy(SharedData.require("faces/ffhq256/00002.png"), in.resolve("old_predict.png"));
  }

  @Test
  void restoresAFolderAsTheRestorerDoesAndSkipsWhatItCannotRead() {
    Path out = dir.resolve("out");
    RecordingListener listener = new RecordingListener();
    FolderRestoration.Result result =
        FolderRestoration.run(
            FolderRestoration.Options.builder(ModelSpec.libtorch(weights.toString()), in)
                .output(out)
                .batchSize(2)
                .build(),
            listener);
    assertTrue(result.folder());
    assertEquals(2, result.restored());
    assertEquals(1, result.skipped());
    assertEquals(List.of(result.model()), listener.info);
    assertTrue(result.model().contains("size=64"), result.model());
    assertEquals(1, listener.warnings.size());
    assertTrue(
        listener.warnings.get(0).startsWith("skipped cannot read image")
            && listener.warnings.get(0).contains("bad.png"),
        listener.warnings.toString());
    assertEquals(
        List.of(3L), listener.progressTotals, "one progress over the folder's three inputs");
    assertEquals(3, listener.stepped);
    assertFalse(
        Files.exists(out.resolve("old_predict_predict.png")), "earlier outputs are left out");

    List<Image> inputs = FACES.stream().map(f -> Images.read(in.resolve(f + ".png"))).toList();
    try (Restorer restorer = Restorer.builder().weights(weights).batchSize(2).build()) {
      List<Mat> expected = restorer.restore(inputs.stream().map(Image::bgr).toList());
      for (int i = 0; i < FACES.size(); i++) {
        WrittenFace written = result.written().get(i);
        assertEquals(in.resolve(FACES.get(i) + ".png"), written.input());
        assertEquals(out.resolve(FACES.get(i) + "_predict.png"), written.restored());
        assertArrayEquals(Bytes.of(expected.get(i)), Bytes.of(written.restored()), FACES.get(i));
      }
      expected.forEach(Mat::close);
    } finally {
      inputs.forEach(Image::close);
    }
  }

  @Test
  void theOnnxEngineRestoresAsLibtorchDoes() {
    Path viaTorch = dir.resolve("torch");
    Path viaOnnx = dir.resolve("onnx");
    FolderRestoration.run(
        FolderRestoration.Options.builder(ModelSpec.libtorch(weights.toString()), in)
            .output(viaTorch)
            .build(),
        WorkflowListener.SILENT);
    FolderRestoration.Result onnx =
        FolderRestoration.run(
            FolderRestoration.Options.builder(ModelSpec.onnx(onnxModel), in)
                .output(viaOnnx)
                .naming(OutputNaming.INFER)
                .build(),
            WorkflowListener.SILENT);
    assertTrue(onnx.model().contains("ONNX Runtime"), onnx.model());
    for (String f : FACES) {
      try (Image a = Images.read(viaTorch.resolve(f + "_predict.png"));
          Image b = Images.read(viaOnnx.resolve(f + "_predict_infer.png"))) {
        // float differences of 1e-5 can move a truncated 8-bit value by one level
        assertTrue(opencv_core.norm(a.bgr(), b.bgr(), opencv_core.NORM_INF, new Mat()) <= 1, f);
      }
    }
  }

  @Test
  void aSingleImageGoesWhereTheOutputNamesIt() {
    Path face = in.resolve("00000.png");
    Path target = dir.resolve("restored.png");
    FolderRestoration.Result result =
        FolderRestoration.run(
            FolderRestoration.Options.builder(ModelSpec.onnx(onnxModel), face)
                .output(target)
                .build(),
            WorkflowListener.SILENT);
    assertFalse(result.folder());
    assertEquals(List.of(new WrittenFace(face, target, null)), result.written());
    assertTrue(Files.isRegularFile(target));
  }

  @Test
  void badArgumentsNameTheLibrarysParameters() throws IOException {
    ModelSpec model = ModelSpec.libtorch(weights.toString());
    BadParameter batch =
        assertThrows(
            BadParameter.class,
            () -> FolderRestoration.Options.builder(model, in).batchSize(0).build());
    assertEquals("batchSize must be at least 1, got 0", batch.getMessage());
    assertEquals(
        "--batch_size must be at least 1, got 0",
        batch.message(p -> p.equals("batchSize") ? "--batch_size" : p));

    Path missing = dir.resolve("missing.png");
    BadParameter input =
        assertThrows(
            BadParameter.class,
            () ->
                FolderRestoration.run(
                    FolderRestoration.Options.builder(model, missing).build(),
                    WorkflowListener.SILENT));
    assertEquals("input " + missing + ": no such file or folder", input.getMessage());

    Path onlyOutputs = Files.createDirectories(dir.resolve("done"));
    Files.copy(in.resolve("00000.png"), onlyOutputs.resolve("a_predict_infer.png"));
    BadParameter empty =
        assertThrows(
            BadParameter.class,
            () ->
                FolderRestoration.run(
                    FolderRestoration.Options.builder(model, onlyOutputs)
                        .naming(OutputNaming.INFER)
                        .build(),
                    WorkflowListener.SILENT));
    assertEquals(
        "input "
            + onlyOutputs
            + ": no images to restore (only earlier *_predict_infer, *_predict_infer_lq or"
            + " *_predict outputs)",
        empty.getMessage());

    // an ONNX model is the weights of the spec, whatever OnnxRestorer calls it
    Path absent = dir.resolve("absent.onnx");
    BadParameter onnx =
        assertThrows(
            BadParameter.class,
            () ->
                FolderRestoration.run(
                    FolderRestoration.Options.builder(ModelSpec.onnx(absent), in).build(),
                    WorkflowListener.SILENT));
    assertEquals("weights " + absent + ": no such file", onnx.getMessage());
    assertEquals(
        "-w " + absent + ": no such file", onnx.message(p -> p.equals("weights") ? "-w" : p));
    assertFalse(
        Files.exists(in.resolve("00000_predict.png")), "nothing is written before the checks pass");
  }
}
