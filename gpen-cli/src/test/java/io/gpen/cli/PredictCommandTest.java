package io.gpen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.api.Restorer;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.nn.Precision;
import io.gpen.workflow.FolderRestoration;
import io.gpen.workflow.ModelSpec;
import io.gpen.workflow.Task;
import io.gpen.workflow.WorkflowListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gpen predict} end to end with the golden 64 px generator. */
class PredictCommandTest {
  @TempDir Path dir;
  Path weights;
  Path face;

  @BeforeEach
  void setUp() throws IOException {
    weights = SharedData.require("golden/gpen64.pth");
    face = dir.resolve("face.png");
    Files.copy(SharedData.require("faces/ffhq256/00000.png"), face);
  }

  static boolean sameImage(Mat a, Mat b) {
    return maxDiff(a, b) == 0;
  }

  static double maxDiff(Mat a, Mat b) {
    assertEquals(a.rows(), b.rows());
    assertEquals(a.cols(), b.cols());
    try (Mat diff = new Mat()) {
      opencv_core.absdiff(a, b, diff);
      double[] max = new double[1];
      opencv_core.minMaxLoc(diff.reshape(1), null, max, null, null, null);
      return max[0];
    }
  }

  @Test
  void singleImageIsWrittenBesideItsInputAndEqualsTheLibraryResult() {
    CliRun r = CliRun.of("predict", "--w", weights.toString(), "--img", face.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.err().contains("size=64 mul=1 narrow=0.25"), r.err());
    Path out = dir.resolve("face_predict.png");
    try (Image written = Images.read(out);
        Image input = Images.read(face);
        Restorer restorer = Restorer.builder().weights(weights).build();
        Mat expected = restorer.restore(input.bgr())) {
      assertEquals(64, written.width());
      assertTrue(sameImage(expected, written.bgr()), "CLI output differs from Restorer.restore");
    }
  }

  @Test
  void precisionBf16ReachesTheRestorerAndABadValueIsOneLine() {
    CliRun r =
        CliRun.of(
            "predict", "--w", weights.toString(), "--img", face.toString(), "--precision", "bf16");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.err().contains("bf16 convolutions"), r.err());
    Path out = dir.resolve("face_predict.png");
    try (Image written = Images.read(out);
        Image input = Images.read(face);
        Restorer bf16 = Restorer.builder().weights(weights).precision(Precision.BF16).build();
        Restorer fp32 = Restorer.builder().weights(weights).build();
        Mat expected = bf16.restore(input.bgr());
        Mat fp32Image = fp32.restore(input.bgr())) {
      assertTrue(sameImage(expected, written.bgr()), "CLI output differs from the bf16 Restorer's");
      assertTrue(maxDiff(fp32Image, written.bgr()) > 0, "--precision bf16 gave the fp32 image");
    }

    CliRun bad =
        CliRun.of(
            "predict", "--w", weights.toString(), "--img", face.toString(), "--precision", "fp16");
    assertEquals(1, bad.exitCode(), bad.err());
    assertEquals(1, bad.errorLines(), bad.err());
    assertTrue(bad.err().contains("--precision must be fp32 or bf16, got 'fp16'"), bad.err());
  }

  @Test
  void folderInBatchesWithGrayRgbaAnd16BitInputs() {
    Path in = dir.resolve("in");
    Path out = dir.resolve("out");
    try (Image src = Images.read(face)) {
      Images.write(in.resolve("a_color.png"), src.bgr());
      try (Mat gray = new Mat();
          Mat rgba = new Mat();
          Mat wide = new Mat()) {
        opencv_imgproc.cvtColor(src.bgr(), gray, opencv_imgproc.COLOR_BGR2GRAY);
        opencv_imgcodecs.imwrite(in.resolve("b_gray.png").toString(), gray);
        opencv_imgproc.cvtColor(src.bgr(), rgba, opencv_imgproc.COLOR_BGR2BGRA);
        opencv_imgcodecs.imwrite(in.resolve("c_rgba.png").toString(), rgba);
        src.bgr().convertTo(wide, opencv_core.CV_16UC3, 257, 0);
        opencv_imgcodecs.imwrite(in.resolve("d_16bit.png").toString(), wide);
      }
      // an earlier output in the folder is not restored again
      Images.write(in.resolve("e_predict.png"), src.bgr());
    }
    CliRun r =
        CliRun.of(
            "predict",
            "-w",
            weights.toString(),
            "--img",
            in.toString(),
            "--output",
            out.toString(),
            "--batch_size",
            "3");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.err().contains("restored 4 image(s)"), r.err());
    for (String n : List.of("a_color", "b_gray", "c_rgba", "d_16bit")) {
      assertTrue(Files.exists(out.resolve(n + "_predict.png")), n);
    }
    assertFalse(Files.exists(out.resolve("e_predict_predict.png")));
    try (Image rgba = Images.read(out.resolve("c_rgba_predict.png"));
        Image color = Images.read(out.resolve("a_color_predict.png"));
        Image wide = Images.read(out.resolve("d_16bit_predict.png"))) {
      assertEquals(4, rgba.sourceChannels(), "alpha is kept");
      assertEquals(64, rgba.height());
      // the same face in another batch position, or as 16 bits, gives the same pixels; batching
      // may move a truncated 8-bit value by one level
      assertTrue(maxDiff(color.bgr(), rgba.bgr()) <= 1);
      assertTrue(maxDiff(color.bgr(), wide.bgr()) <= 1);
    }
  }

  @Test
  void aCorruptImageInAFolderIsSkippedAndReported() throws IOException {
    Path in = dir.resolve("in");
    Files.createDirectories(in);
    Files.copy(face, in.resolve("good.png"));
    Files.write(in.resolve("bad.png"), "not an image".getBytes());
    CliRun r = CliRun.of("predict", "-w", weights.toString(), "--img", in.toString());
    assertEquals(1, r.exitCode());
    assertTrue(
        r.err().contains("skipped cannot read image") && r.err().contains("bad.png"), r.err());
    assertTrue(Files.exists(in.resolve("good_predict.png")));
    assertTrue(r.err().contains("restored 1 image(s)") && r.err().contains("1 skipped"), r.err());
  }

  @Test
  void badInputGivesOneLineAndNoOutput() throws IOException {
    Path truncated = dir.resolve("cut.pth");
    byte[] bytes = Files.readAllBytes(weights);
    Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    Path notAFolder = dir.resolve("file");
    Files.writeString(notAFolder, "x");
    String[][] cases = {
      {"predict", "-w", weights.toString(), "--img", dir.resolve("missing.png").toString()},
      {"predict", "-w", truncated.toString(), "--img", face.toString()},
      {
        "predict",
        "-w",
        SharedData.require("golden/disc64.pth").toString(),
        "--img",
        face.toString()
      },
      {"predict", "-w", weights.toString(), "--img", face.toString(), "--mul", "2"},
      {"predict", "-w", weights.toString(), "--img", face.toString(), "--size", "100"},
      {
        "predict",
        "-w",
        weights.toString(),
        "--img",
        face.toString(),
        "--output",
        notAFolder.resolve("x.png").toString()
      },
      {"predict", "--img", face.toString()},
      {"predict", "-w", weights.toString(), "--img", dir.resolve("empty").toString()},
      {
        "predict",
        "-w",
        weights.toString(),
        "--img",
        face.toString(),
        "--output",
        dir.resolve("u.txt").toString()
      },
    };
    Files.createDirectories(dir.resolve("empty"));
    for (String[] args : cases) {
      CliRun r = CliRun.of(args);
      assertEquals(1, r.exitCode(), String.join(" ", args) + "\n" + r.err());
      assertEquals(1, r.errorLines(), r.err());
      assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }
    assertFalse(Files.exists(dir.resolve("face_predict.png")));
    assertFalse(
        Files.exists(dir.resolve("u.txt")),
        "a single image's output with another extension is no folder");
  }

  @Test
  void anUnwritableOutputFailsBeforeTheModelLoads() throws IOException {
    Path notAFolder = Files.writeString(dir.resolve("file"), "x");
    // weights that do not exist: had the model been loaded first, the error would name them
    CliRun r =
        CliRun.of(
            "predict",
            "-w",
            dir.resolve("absent.pth").toString(),
            "--img",
            face.toString(),
            "--output",
            notAFolder.resolve("sub").toString());
    assertEquals(1, r.exitCode(), r.err());
    assertEquals(1, r.errorLines(), r.err());
    assertTrue(
        r.err().contains("cannot create output folder " + notAFolder.resolve("sub")), r.err());
  }

  @Test
  void tasksRunTheirModelsAsTheLibraryDoes() throws IOException {
    CliRun seg =
        CliRun.of(
            "predict",
            "-w",
            weights.toString(),
            "--img",
            face.toString(),
            "--task",
            "seg2face",
            "--output",
            dir.resolve("seg.png").toString());
    assertEquals(0, seg.exitCode(), seg.err());
    Path viaJava = dir.resolve("java");
    FolderRestoration.run(
        FolderRestoration.Options.builder(ModelSpec.libtorch(weights.toString()), face)
            .output(viaJava)
            .task(Task.SEG2FACE)
            .build(),
        WorkflowListener.SILENT);
    try (Mat a = opencv_imgcodecs.imread(dir.resolve("seg.png").toString());
        Mat b = opencv_imgcodecs.imread(viaJava.resolve("face_predict.png").toString())) {
      assertTrue(sameImage(a, b));
    }

    Path out = dir.resolve("inpainted");
    CliRun inpaint =
        CliRun.of(
            "predict",
            "-w",
            weights.toString(),
            "--img",
            face.toString(),
            "--task",
            "inpainting",
            "--strokes",
            "12",
            "--output",
            out.toString());
    assertEquals(0, inpaint.exitCode(), inpaint.err());
    assertTrue(Files.isRegularFile(out.resolve("face_predict.png")));
    assertTrue(Files.isRegularFile(out.resolve("face_masked.png")));
    assertTrue(inpaint.err().contains("random brush strokes"), inpaint.err());

    CliRun colour =
        CliRun.of(
            "predict",
            "-w",
            weights.toString(),
            "--img",
            face.toString(),
            "--task",
            "colorization",
            "--output",
            dir.resolve("colour.png").toString());
    assertEquals(0, colour.exitCode(), colour.err());
    try (Mat c = opencv_imgcodecs.imread(dir.resolve("colour.png").toString())) {
      assertEquals(256, c.cols(), "the input's size");
    }
  }

  @Test
  void taskErrorsNameTheFlags() {
    CliRun none =
        CliRun.of(
            "predict", "-w", weights.toString(), "--img", face.toString(), "--task", "inpainting");
    assertEquals(1, none.exitCode());
    assertEquals(
        "gpen predict: error: --task inpainting needs the missing parts of the faces: a mask image (--mask,"
            + " white = missing) or a seed for random brush strokes (--strokes)",
        none.err().strip());
    CliRun stray =
        CliRun.of(
            "predict",
            "-w",
            weights.toString(),
            "--img",
            face.toString(),
            "--mask",
            face.toString());
    assertEquals(1, stray.exitCode());
    assertEquals(
        "gpen predict: error: --mask applies to --task inpainting, not enhancement",
        stray.err().strip());
    CliRun big =
        CliRun.of(
            "predict",
            "-w",
            weights.toString(),
            "--img",
            face.toString(),
            "--task",
            "inpainting",
            "--strokes",
            "4294967296");
    assertEquals(1, big.exitCode());
    assertEquals(
        "gpen predict: error: --strokes must be between 0 and 4294967295 (NumPy's seed range), got 4294967296",
        big.err().strip());
  }
}
