package io.gpen.cli;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gpen.SharedData;
import io.gpen.image.Images;
import io.gpen.registry.ModelRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RestoreCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  @TempDir Path dir;

  private int run(String... args) {
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  /** restore with the golden GPEN-64 model and the shared MobileNet detector. */
  private int restore(Path input, Path output, String... more) {
    String[] base = {
      "restore",
      "-w",
      SharedData.require("golden/gpen64.pth").toString(),
      "--detector_weights",
      SharedData.require("models/retinaface_mobilenet0.25.pth").toString(),
      "--input",
      input.toString(),
      "--output",
      output.toString()
    };
    String[] args = new String[base.length + more.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(more, 0, args, base.length, more.length);
    return run(args);
  }

  /** A part of the Solvay photo with two faces (quick to restore). */
  private static Mat solvayPart() {
    try (Mat photo = imread(SharedData.require("faces/Solvay_conference_1927.png").toString());
        Mat part = new Mat(photo, new Rect(580, 60, 140, 160))) {
      return part.clone();
    }
  }

  @Test
  void restoresTheSolvayPhoto() throws Exception {
    Path photo = SharedData.require("faces/Solvay_conference_1927.png");
    Path results = dir.resolve("results");
    assertEquals(0, restore(photo, results, "--compare", "--save_faces"), err.toString());
    assertTrue(err.toString().contains("RetinaFace (MobileNet-0.25)"), err.toString());
    JsonNode json =
        new ObjectMapper().readTree(results.resolve("Solvay_conference_1927.faces.json").toFile());
    assertEquals(1328, json.get("width").asInt());
    int faces = json.get("faces").size();
    assertTrue(faces >= 27 && faces <= 29, "faces: " + faces);
    for (JsonNode f : json.get("faces")) {
      assertEquals(4, f.get("box").size());
      assertEquals(5, f.get("landmarks").size());
      assertEquals(2, f.get("landmarks").get(4).size());
      assertTrue(f.get("score").asDouble() > 0.9);
    }
    assertTrue(
        err.toString().contains("restored 1 image(s), " + faces + " face(s)"), err.toString());
    try (Mat in = imread(photo.toString());
        Mat stored = imread(photo.toString(), IMREAD_UNCHANGED);
        Mat written =
            imread(
                results.resolve("Solvay_conference_1927_GPEN.png").toString(), IMREAD_UNCHANGED);
        Mat gpen = imread(results.resolve("Solvay_conference_1927_GPEN.png").toString());
        Mat comp = imread(results.resolve("Solvay_conference_1927_COMP.jpg").toString());
        Mat face = imread(results.resolve("Solvay_conference_1927_face00.png").toString());
        Mat restored =
            imread(results.resolve("Solvay_conference_1927_face00_GPEN.png").toString())) {
      assertEquals(in.cols(), gpen.cols());
      assertEquals(in.rows(), gpen.rows());
      // the photo is stored with an alpha channel (all opaque): the result keeps it
      assertEquals(stored.channels(), written.channels());
      assertEquals(2 * in.cols(), comp.cols());
      assertEquals(in.rows(), comp.rows());
      assertEquals(64, face.cols());
      assertEquals(64, restored.rows());
      // every face sits above row 300 and no paste reaches 80 px further: the rest is untouched
      Rect below = new Rect(0, 380, in.cols(), in.rows() - 380);
      assertEquals(
          0,
          opencv_core.norm(
              new Mat(in, below), new Mat(gpen, below), opencv_core.NORM_INF, new Mat()));
      // while the faces did change (the golden model is an untrained one)
      assertTrue(opencv_core.norm(in, gpen, opencv_core.NORM_INF, new Mat()) > 50);
    }
    assertTrue(
        Files.exists(
            results.resolve(
                "Solvay_conference_1927_face" + String.format("%02d", faces - 1) + "_GPEN.png")));
  }

  @Test
  void aFolderOfRgbaAndGrayPhotosKeepsTheirFormats() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("in"));
    Mat alpha;
    try (Mat part = solvayPart();
        Mat gray = new Mat();
        Mat rgba = new Mat()) {
      alpha = new Mat(part.rows(), part.cols(), opencv_core.CV_8UC1);
      try (UByteIndexer a = alpha.createIndexer()) {
        for (int y = 0; y < part.rows(); y++) {
          for (int x = 0; x < part.cols(); x++) {
            a.put(y, x, (x * 7 + y * 3) % 256);
          }
        }
      }
      opencv_core.merge(new MatVector(part, alpha), rgba);
      Images.write(folder.resolve("rgba.png"), rgba);
      opencv_imgproc.cvtColor(part, gray, opencv_imgproc.COLOR_BGR2GRAY);
      Images.write(folder.resolve("gray.png"), gray);
    }
    // outputs of an earlier run beside the inputs are not taken as inputs
    Files.writeString(folder.resolve("old_GPEN.png"), "not even an image");
    Files.writeString(folder.resolve("old_face03.png"), "not even an image");
    Path results = folder;
    assertEquals(0, restore(folder, results), err.toString());
    assertTrue(
        err.toString()
            .matches(
                "(?s).*restored 2 image\\(s\\), \\d+ face\\(s\\) in [0-9.]+ s \\([0-9.]+ faces/s\\).*"),
        err.toString());
    assertFalse(err.toString().contains("warning"), err.toString());
    try (Mat rgbaOut = imread(results.resolve("rgba_GPEN.png").toString(), IMREAD_UNCHANGED);
        Mat grayOut = imread(results.resolve("gray_GPEN.png").toString(), IMREAD_UNCHANGED);
        Mat alphaOut = new Mat()) {
      assertEquals(4, rgbaOut.channels());
      opencv_core.extractChannel(rgbaOut, alphaOut, 3);
      assertEquals(
          0,
          opencv_core.norm(alpha, alphaOut, opencv_core.NORM_INF, new Mat()),
          "alpha kept exactly");
      assertEquals(1, grayOut.channels());
      assertEquals(140, grayOut.cols());
    }
    alpha.close();
  }

  @Test
  void aPhotoWithoutFacesIsWrittenUnchangedWithAWarning() throws Exception {
    Path photo = dir.resolve("wall.png");
    try (Mat wall = new Mat(120, 200, opencv_core.CV_8UC3)) {
      try (UByteIndexer ix = wall.createIndexer()) {
        for (int y = 0; y < 120; y++) {
          for (int x = 0; x < 200; x++) {
            for (int c = 0; c < 3; c++) {
              ix.put(y, x, c, (x + 2 * y + 40 * c) % 256);
            }
          }
        }
      }
      Images.write(photo, wall);
    }
    assertEquals(0, restore(photo, dir.resolve("out")), err.toString());
    assertTrue(
        err.toString().contains("warning: no face found in " + photo + "; written unchanged"),
        err.toString());
    try (Mat in = imread(photo.toString());
        Mat result = imread(dir.resolve("out/wall_GPEN.png").toString())) {
      assertEquals(0, opencv_core.norm(in, result, opencv_core.NORM_INF, new Mat()));
    }
    JsonNode json = new ObjectMapper().readTree(dir.resolve("out/wall.faces.json").toFile());
    assertEquals(0, json.get("faces").size());
  }

  @Test
  void alignedFacesAreRestoredWhole() {
    Path face = dir.resolve("face.png");
    try (Mat part = solvayPart();
        Mat crop = new Mat(part, new Rect(20, 30, 100, 100))) {
      Images.write(face, crop);
    }
    assertEquals(0, restore(face, dir.resolve("out"), "--aligned", "--compare"), err.toString());
    try (Mat result = imread(dir.resolve("out/face_GPEN.png").toString());
        Mat comp = imread(dir.resolve("out/face_COMP.jpg").toString())) {
      assertEquals(64, result.cols());
      assertEquals(64, result.rows());
      assertEquals(128, comp.cols());
    }
    assertFalse(Files.exists(dir.resolve("out/face.faces.json")));
  }

  @Test
  void errorsAreOneLineNamingTheCulprit() throws Exception {
    Path missing = dir.resolve("nope.png");
    assertEquals(1, restore(missing, dir.resolve("out")));
    assertEquals(
        "gpen restore: error: --input " + missing + ": no such file or folder",
        err.toString().strip());

    Path photo = dir.resolve("p.png");
    try (Mat part = solvayPart()) {
      Images.write(photo, part);
    }
    Path file = Files.writeString(dir.resolve("taken"), "x");
    err.getBuffer().setLength(0);
    assertEquals(1, restore(photo, file));
    assertEquals(
        "gpen restore: error: --output " + file + ": not a folder", err.toString().strip());

    err.getBuffer().setLength(0);
    assertEquals(1, restore(photo, file.resolve("sub")));
    assertTrue(
        err.toString()
            .strip()
            .startsWith(
                "gpen restore: error: --output "
                    + file.resolve("sub")
                    + ": cannot create the folder"),
        err.toString());
    assertEquals(1, err.toString().strip().lines().count());

    Path gpen = SharedData.require("golden/gpen64.pth");
    err.getBuffer().setLength(0);
    assertEquals(
        1,
        run(
            "restore",
            "-w",
            gpen.toString(),
            "--detector_weights",
            gpen.toString(),
            "--input",
            photo.toString(),
            "--output",
            dir.resolve("out").toString()));
    String lastLine = err.toString().strip().lines().reduce((a, b) -> b).orElse("");
    assertTrue(
        lastLine.startsWith("gpen restore: error: " + gpen + ": not a RetinaFace checkpoint"),
        err.toString());

    err.getBuffer().setLength(0);
    assertEquals(1, restore(photo, dir.resolve("out"), "--alpha", "1.5"));
    assertEquals(
        "gpen restore: error: --alpha must be between 0 and 1, got 1.5", err.toString().strip());

    // the pixel limit is checked in the header, before decoding: nothing is written
    err.getBuffer().setLength(0);
    assertEquals(1, restore(photo, dir.resolve("big"), "--max_pixels", "1000"));
    assertTrue(
        err.toString().contains(photo.toString())
            && err.toString().contains("more than the limit of 1000"),
        err.toString());
    assertFalse(Files.exists(dir.resolve("big/p_GPEN.png")));

    err.getBuffer().setLength(0);
    assertEquals(1, restore(photo, dir.resolve("out"), "--max_pixels", "0"));
    assertEquals(
        "gpen restore: error: --max_pixels must be at least 1, got 0", err.toString().strip());
  }

  @Test
  void theParsersMaskAndTheSuperResolvedBackground() throws Exception {
    Path photo = dir.resolve("p.png");
    try (Mat part = solvayPart()) {
      Images.write(photo, part);
    }
    Path results = dir.resolve("results");
    assertEquals(
        0,
        restore(
            photo,
            results,
            "--parse_weights",
            SharedData.require("golden/parsenet_small.pth").toString(),
            "--use_sr",
            "--sr_weights",
            SharedData.require("golden/rrdb_x2_small.pth").toString(),
            "--tile_size",
            "48"),
        err.toString());
    assertTrue(err.toString().contains("ParseNet"), err.toString());
    assertTrue(err.toString().contains("RRDBNet x2"), err.toString());
    assertFalse(err.toString().contains("note:"), err.toString());
    try (Mat out = imread(results.resolve("p_GPEN.png").toString())) {
      assertEquals(280, out.cols());
      assertEquals(320, out.rows());
    }
    JsonNode json = new ObjectMapper().readTree(results.resolve("p.faces.json").toFile());
    assertEquals(280, json.get("width").asInt(), "boxes in the pixels of the enlarged photo");
    assertEquals(2, json.get("faces").size());
  }

  @Test
  void withoutAParserTheRectangleMaskIsUsedWithANoteUnlessItIsChosen() throws Exception {
    Path photo = dir.resolve("p.png");
    try (Mat part = solvayPart()) {
      Images.write(photo, part);
    }
    ModelRegistry registry = ModelRegistry.defaultRegistry();
    boolean cached = registry.isCached(registry.require("ParseNet-latest"));
    assertEquals(0, restore(photo, dir.resolve("auto")), err.toString());
    long notes = err.toString().lines().filter(l -> l.startsWith("gpen restore: note: ")).count();
    if (cached) {
      assertEquals(0, notes, "the cached parser is used: " + err);
    } else {
      assertEquals(1, notes, err.toString());
      assertTrue(
          err.toString()
              .contains(
                  "gpen restore: note: no face parser weights given (--parse_weights) and"
                      + " ParseNet-latest is not in the model cache "
                      + registry.cacheDir()
                      + "; the faces are pasted under the"
                      + " rectangle mask (--mask box chooses it without this note)"),
          err.toString());
    }
    err.getBuffer().setLength(0);
    assertEquals(0, restore(photo, dir.resolve("box"), "--mask", "box"), err.toString());
    assertFalse(err.toString().contains("note:"), err.toString());
  }

  @Test
  void parserAndSuperResolutionErrorsNameTheirFlags() throws Exception {
    Path photo = dir.resolve("p.png");
    try (Mat part = solvayPart()) {
      Images.write(photo, part);
    }
    Path out = dir.resolve("out");
    Path missing = dir.resolve("parser.pth");
    assertEquals(1, restore(photo, out, "--mask", "parse", "--parse_weights", missing.toString()));
    assertTrue(
        err.toString()
            .strip()
            .startsWith(
                "gpen restore: error: --parse_weights: no such file or known model: " + missing),
        err.toString());

    err.getBuffer().setLength(0);
    assertEquals(1, restore(photo, out, "--use_sr", "--sr_scale", "3"));
    assertEquals(
        "gpen restore: error: --sr_scale must be 1, 2 or 4, got 3", err.toString().strip());

    err.getBuffer().setLength(0);
    assertEquals(1, restore(photo, out, "--tile_size", "64"));
    assertEquals(
        "gpen restore: error: --sr_scale, --sr_weights and --tile_size apply with --use_sr",
        err.toString().strip());

    Path x2 = SharedData.require("golden/rrdb_x2_small.pth");
    err.getBuffer().setLength(0);
    assertEquals(
        1,
        restore(
            photo,
            out,
            "--mask",
            "box",
            "--use_sr",
            "--sr_scale",
            "4",
            "--sr_weights",
            x2.toString()));
    assertEquals(
        "gpen restore: error: --sr_weights " + x2 + " is a x2 network, not the x4 of --sr_scale",
        err.toString().strip());

    err.getBuffer().setLength(0);
    assertEquals(2, restore(photo, out, "--mask", "fancy"));
    assertTrue(err.toString().contains("--mask"), err.toString());
  }
}
