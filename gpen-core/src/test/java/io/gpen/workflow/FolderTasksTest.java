package io.gpen.workflow;

import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2YUV;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_GRAY2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.BadParameter;
import io.gpen.SharedData;
import io.gpen.api.PixelRange;
import io.gpen.api.Restorer;
import io.gpen.data.BrushStrokes;
import io.gpen.image.Image;
import io.gpen.image.Images;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's tasks through {@link FolderRestoration}, on the golden 64 px generator. */
class FolderTasksTest {
  private static Path weights;
  private static ModelSpec model;

  @TempDir Path dir;

  @BeforeAll
  static void model() {
    weights = SharedData.require("golden/gpen64.pth");
    model = ModelSpec.libtorch(weights.toString());
  }

  private static FolderRestoration.Result run(FolderRestoration.Options.Builder options) {
    return FolderRestoration.run(options.build(), WorkflowListener.SILENT);
  }

  private Path face(String name) throws IOException {
    Path in = Files.createDirectories(dir.resolve("in"));
    return Files.copy(
        SharedData.require("faces/ffhq256/" + name + ".png"), in.resolve(name + ".png"));
  }

  /** What the restorer gives for {@code input} with the pixel range of {@code task}. */
  private static byte[] restored(Mat input, PixelRange range) {
    try (Restorer r = Restorer.builder().weights(weights).pixelRange(range).build();
        Mat out = r.restore(input)) {
      return Bytes.of(out);
    }
  }

  @Test
  void seg2faceRunsTheModelInUnitValuesAndEnhancementInSignedOnes() throws IOException {
    Path face = face("00004");
    Path seg = dir.resolve("seg");
    Path enh = dir.resolve("enh");
    run(FolderRestoration.Options.builder(model, face).output(seg).task(Task.SEG2FACE));
    run(FolderRestoration.Options.builder(model, face).output(enh));
    byte[] seg2face = Bytes.of(seg.resolve("00004_predict.png"));
    byte[] enhanced = Bytes.of(enh.resolve("00004_predict.png"));
    try (Image image = Images.read(face)) {
      assertArrayEquals(restored(image.bgr(), PixelRange.UNIT), seg2face);
      assertArrayEquals(restored(image.bgr(), PixelRange.SIGNED), enhanced);
    }
    assertFalse(
        java.util.Arrays.equals(seg2face, enhanced), "the two normalisations give other faces");
  }

  /** A grey copy (three equal channels) of FFHQ face {@code name}. */
  private static Mat greyFace(String name) {
    try (Image face = Images.read(SharedData.require("faces/ffhq256/" + name + ".png"));
        Mat g = new Mat()) {
      opencv_imgproc.cvtColor(face.bgr(), g, COLOR_BGR2GRAY);
      Mat g3 = new Mat();
      opencv_imgproc.cvtColor(g, g3, COLOR_GRAY2BGR);
      return g3;
    }
  }

  @Test
  void colorizationGivesTheInputsSizeAndTheReferencesLumaSwap() throws IOException {
    Path grey = dir.resolve("in/grey.png");
    Files.createDirectories(grey.getParent());
    try (Mat g = greyFace("00005")) {
      Images.write(grey, g);
    }
    Path out = dir.resolve("out");
    run(FolderRestoration.Options.builder(model, grey).output(out).task(Task.COLORIZATION));
    try (Image input = Images.read(grey);
        Image result = Images.read(out.resolve("grey_predict.png"));
        Restorer r = Restorer.builder().weights(weights).build();
        Mat colour = r.restore(input.bgr());
        Mat resized = Images.resize(colour, 256, 256, INTER_LINEAR);
        Mat inYuv = new Mat();
        Mat y = new Mat();
        Mat merged = new Mat();
        Mat back = new Mat()) {
      assertEquals(256, result.width(), "the input's size, not the model's 64");
      assertEquals(256, result.height());
      // face_colorization.py's post_process: Y of the input into the YUV of the resized output
      opencv_imgproc.cvtColor(input.bgr(), inYuv, COLOR_BGR2YUV);
      opencv_core.extractChannel(inYuv, y, 0);
      opencv_imgproc.cvtColor(resized, merged, COLOR_BGR2YUV);
      opencv_core.insertChannel(y, merged, 0);
      opencv_imgproc.cvtColor(merged, back, opencv_imgproc.COLOR_YUV2BGR);
      assertArrayEquals(Bytes.of(back), Bytes.of(result.bgr()));
    }
  }

  @Test
  void theLumaSwapKeepsTheInputsLumaAndTheColoursChroma() {
    // a plausible colourisation: the colour face itself at the model size
    try (Mat grey = greyFace("00001");
        Image face = Images.read(SharedData.require("faces/ffhq256/00001.png"));
        Mat colour = Images.resize(face.bgr(), 64, 64, INTER_LINEAR);
        Mat out = FolderRestoration.keepLuma(grey, colour);
        Mat upsampled = Images.resize(colour, 256, 256, INTER_LINEAR);
        Mat inYuv = new Mat();
        Mat outYuv = new Mat();
        Mat colourYuv = new Mat()) {
      assertEquals(256, out.cols());
      opencv_imgproc.cvtColor(grey, inYuv, COLOR_BGR2YUV);
      opencv_imgproc.cvtColor(out, outYuv, COLOR_BGR2YUV);
      opencv_imgproc.cvtColor(upsampled, colourYuv, COLOR_BGR2YUV);
      int lumaOff = 0;
      int chromaOff = 0;
      try (UByteIndexer a = inYuv.createIndexer();
          UByteIndexer b = outYuv.createIndexer();
          UByteIndexer c = colourYuv.createIndexer()) {
        for (int row = 0; row < 256; row++) {
          for (int x = 0; x < 256; x++) {
            // back to BGR and to YUV again moves a value by rounding, more where BGR saturates
            lumaOff += Math.abs(a.get(row, x, 0) - b.get(row, x, 0)) > 1 ? 1 : 0;
            chromaOff +=
                Math.abs(c.get(row, x, 1) - b.get(row, x, 1)) > 2
                        || Math.abs(c.get(row, x, 2) - b.get(row, x, 2)) > 2
                    ? 1
                    : 0;
          }
        }
      }
      assertTrue(
          lumaOff < 256 * 256 / 50, "luma of the input: " + lumaOff + " pixels off by more than 1");
      assertTrue(
          chromaOff < 256 * 256 / 50,
          "chroma of the colours: " + chromaOff + " pixels off by more than 2");
    }
  }

  @Test
  void colorizationAtTheModelSizeIsTheModelsOutput() throws IOException {
    Path small = dir.resolve("in/small.png");
    try (Image face = Images.read(SharedData.require("faces/ffhq256/00006.png"));
        Mat resized = Images.resize(face.bgr(), 64, 64, INTER_LINEAR)) {
      Files.createDirectories(small.getParent());
      Images.write(small, resized);
    }
    run(
        FolderRestoration.Options.builder(model, small)
            .output(dir.resolve("out"))
            .task(Task.COLORIZATION));
    try (Image input = Images.read(small)) {
      assertArrayEquals(
          restored(input.bgr(), PixelRange.SIGNED), Bytes.of(dir.resolve("out/small_predict.png")));
    }
  }

  @Test
  void inpaintingPaintsExactlyTheMasksWhitePixelsWhiteAndRestoresThat() throws IOException {
    Path face = face("00007");
    Path mask = dir.resolve("mask.png");
    try (Mat m = new Mat(256, 256, opencv_core.CV_8UC3, Scalar.all(0));
        Rect hole = new Rect(40, 60, 100, 30);
        Mat holeView = new Mat(m, hole);
        Rect grey = new Rect(150, 150, 40, 40);
        Mat greyView = new Mat(m, grey)) {
      holeView.put(Scalar.all(255));
      greyView.put(Scalar.all(100)); // below half: not missing
      Images.write(mask, m);
    }
    Path out = dir.resolve("out");
    FolderRestoration.Result result =
        run(
            FolderRestoration.Options.builder(model, face)
                .output(out)
                .task(Task.INPAINTING)
                .holes(mask));
    Path masked = out.resolve("00007_masked.png");
    assertEquals(masked, result.written().get(0).degraded());
    try (Image input = Images.read(face);
        Image painted = Images.read(masked);
        UByteIndexer a = input.bgr().createIndexer();
        UByteIndexer b = painted.bgr().createIndexer()) {
      for (int y = 0; y < 256; y++) {
        for (int x = 0; x < 256; x++) {
          boolean hole = x >= 40 && x < 140 && y >= 60 && y < 90;
          for (int c = 0; c < 3; c++) {
            assertEquals(hole ? 255 : a.get(y, x, c), b.get(y, x, c), "pixel " + x + "," + y);
          }
        }
      }
      assertArrayEquals(
          restored(painted.bgr(), PixelRange.SIGNED), Bytes.of(out.resolve("00007_predict.png")));
    }
  }

  @Test
  void inpaintingStrokesFollowTheSeedFaceAfterFaceAndEarlierOutputsAreLeftOut() throws IOException {
    face("00008");
    Path in = face("00009").getParent();
    run(FolderRestoration.Options.builder(model, in).task(Task.INPAINTING).strokes(3));
    BrushStrokes strokes = new BrushStrokes(3);
    for (String name : List.of("00008", "00009")) {
      try (Image input = Images.read(in.resolve(name + ".png"));
          Image painted = Images.read(in.resolve(name + "_masked.png"));
          Mat holes = BrushStrokes.mask(strokes.next(256, 256), 256, 256);
          UByteIndexer a = input.bgr().createIndexer();
          UByteIndexer b = painted.bgr().createIndexer();
          UByteIndexer h = holes.createIndexer()) {
        int white = 0;
        for (int y = 0; y < 256; y++) {
          for (int x = 0; x < 256; x++) {
            boolean hole = h.get(y, x) != 0;
            white += hole ? 1 : 0;
            for (int c = 0; c < 3; c++) {
              assertEquals(
                  hole ? 255 : a.get(y, x, c), b.get(y, x, c), name + " pixel " + x + "," + y);
            }
          }
        }
        assertTrue(white > 0, name + ": strokes drawn");
      }
    }
    byte[] first = Bytes.of(in.resolve("00008_masked.png"));
    assertNotEquals(
        java.util.Arrays.hashCode(first),
        java.util.Arrays.hashCode(Bytes.of(in.resolve("00009_masked.png"))),
        "a new mask per face");
    // again: the outputs beside the inputs are not inputs, and the same seed paints the same
    // strokes
    FolderRestoration.Result again =
        run(FolderRestoration.Options.builder(model, in).task(Task.INPAINTING).strokes(3));
    assertEquals(2, again.restored());
    assertArrayEquals(first, Bytes.of(in.resolve("00008_masked.png")));
  }

  @Test
  void inpaintingNeedsOneSourceOfHolesAndOtherTasksNone() {
    Path face = dir.resolve("face.png");
    FolderRestoration.Options.Builder inpainting =
        FolderRestoration.Options.builder(model, face).task(Task.INPAINTING);
    assertEquals(
        "task inpainting needs the missing parts of the faces: a mask image (holeMask, white = missing) or"
            + " a seed for random brush strokes (strokeSeed)",
        assertThrows(BadParameter.class, inpainting::build).getMessage());
    assertEquals(
        "holeMask and strokeSeed both give the missing parts of the faces; give one",
        assertThrows(BadParameter.class, () -> inpainting.holes(face).strokes(1).build())
            .getMessage());
    assertEquals(
        "strokeSeed must be between 0 and 4294967295 (NumPy's seed range), got -1",
        assertThrows(
                BadParameter.class,
                () ->
                    FolderRestoration.Options.builder(model, face)
                        .task(Task.INPAINTING)
                        .strokes(-1)
                        .build())
            .getMessage());
    assertEquals(
        "strokeSeed applies to task inpainting, not colorization",
        assertThrows(
                BadParameter.class,
                () ->
                    FolderRestoration.Options.builder(model, face)
                        .task(Task.COLORIZATION)
                        .strokes(1)
                        .build())
            .getMessage());
  }

  @Test
  void anUnreadableMaskIsNamedBeforeTheModelLoads() throws IOException {
    Path face = face("00000");
    Path missing = dir.resolve("nomask.png");
    BadParameter e =
        assertThrows(
            BadParameter.class,
            () ->
                run(
                    FolderRestoration.Options.builder(model, face)
                        .task(Task.INPAINTING)
                        .holes(missing)));
    assertEquals("holeMask: cannot read image " + missing + ": file not found", e.getMessage());
  }
}
