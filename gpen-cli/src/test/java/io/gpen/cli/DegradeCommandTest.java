package io.gpen.cli;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.data.Batch;
import io.gpen.data.DegradationConfig;
import io.gpen.data.FaceLoader;
import io.gpen.data.TestFaces;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.image.ModelIo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DegradeCommandTest {
  @TempDir Path tmp;
  private Path input;
  private StringWriter err;

  @BeforeEach
  void makeInput() {
    input = TestFaces.folder(tmp.resolve("in"), 3);
    TestFaces.draw(input.resolve("sub/photo.jpg"), 90, 70, 5);
  }

  private int run(String... args) {
    err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  private int degrade(Path out, String... more) {
    String[] base = {
      "degrade", "--input", input.toString(), "--output", out.toString(), "--size", "64"
    };
    return run(Stream.concat(Arrays.stream(base), Arrays.stream(more)).toArray(String[]::new));
  }

  private static final List<String> NAMES =
      List.of("face00.png", "face01.png", "face02.png", "sub/photo.png");

  @Test
  void writesPairsNamedAfterTheInputs() throws IOException {
    Path out = tmp.resolve("out");
    assertEquals(0, degrade(out, "--threads", "2"), err.toString());
    assertTrue(err.toString().contains("degraded 4 image(s)"), err.toString());
    for (String name : NAMES) {
      String source = name.equals("sub/photo.png") ? "sub/photo.jpg" : name;
      try (Image in = Images.read(input.resolve(source));
          Mat expected = Images.resize(in.bgr(), 64, 64, INTER_AREA);
          Image hq = Images.read(out.resolve("hq").resolve(name));
          Image lq = Images.read(out.resolve("lq").resolve(name))) {
        assertEquals(64, hq.width());
        assertEquals(64, lq.height());
        assertArrayEquals(
            bytes(expected),
            bytes(hq.bgr()),
            "hq of " + name + " is the area-resized input (no flip, no grey by default)");
        assertFalse(Arrays.equals(bytes(hq.bgr()), bytes(lq.bgr())), "lq of " + name + " degraded");
      }
    }
    try (Stream<Path> files = Files.walk(out)) {
      assertEquals(8, files.filter(Files::isRegularFile).count(), "nothing else, no temp files");
    }
  }

  @Test
  void sameSeedGivesTheSameBytesWhateverTheThreads() throws IOException {
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    Path c = tmp.resolve("c");
    assertEquals(0, degrade(a, "--threads", "1"));
    assertEquals(0, degrade(b, "--threads", "2"));
    assertEquals(0, degrade(c, "--seed", "101"));
    int differ = 0;
    for (String name : NAMES) {
      assertArrayEquals(
          Files.readAllBytes(a.resolve("lq").resolve(name)),
          Files.readAllBytes(b.resolve("lq").resolve(name)),
          name);
      assertArrayEquals(
          Files.readAllBytes(a.resolve("hq").resolve(name)),
          Files.readAllBytes(c.resolve("hq").resolve(name)),
          "hq does not depend on the seed");
      if (!Arrays.equals(
          Files.readAllBytes(a.resolve("lq").resolve(name)),
          Files.readAllBytes(c.resolve("lq").resolve(name)))) {
        differ++;
      }
    }
    assertEquals(NAMES.size(), differ, "another seed degrades every image differently");
  }

  @Test
  void pairsAreThoseOfTheLoadersEvaluationPass() {
    Path out = tmp.resolve("out");
    assertEquals(0, degrade(out, "--seed", "9"));
    DegradationConfig testSet = DegradationConfig.REFERENCE.withFlipProb(0).withGrayProb(0);
    try (FaceLoader loader =
        FaceLoader.builder(input, 64)
            .evaluation()
            .seed(9)
            .batchSize(4)
            .degradation(testSet)
            .build()) {
      Batch batch = loader.next();
      int plane = 3 * 64 * 64;
      for (int i = 0; i < 4; i++) {
        try (Image lq = Images.read(out.resolve("lq").resolve(NAMES.get(i)))) {
          float[] written = ModelIo.toModelInput(lq.bgr(), 64);
          float[] loaded = Arrays.copyOfRange(batch.lq(), i * plane, (i + 1) * plane);
          for (int k = 0; k < plane; k++) {
            // the PNG holds the float image rounded to 8 bits: half a level, 1/255 in [-1, 1]
            assertEquals(loaded[k], written[k], 1.0001 / 255, NAMES.get(i) + " value " + k);
          }
        }
      }
    }
  }

  @Test
  void flipProbabilityOneMirrorsBothImages() {
    Path out = tmp.resolve("out");
    assertEquals(0, degrade(out, "--flip_prob", "1"));
    try (Image in = Images.read(input.resolve("face00.png"));
        Mat resized = Images.resize(in.bgr(), 64, 64, INTER_AREA);
        Mat mirrored = new Mat();
        Image hq = Images.read(out.resolve("hq/face00.png"))) {
      opencv_core.flip(resized, mirrored, 1);
      assertArrayEquals(bytes(mirrored), bytes(hq.bgr()));
    }
  }

  @Test
  void unreadableImagesAreSkippedWithExitCodeOne() throws IOException {
    Files.write(input.resolve("broken.png"), new byte[] {1, 2, 3});
    Path out = tmp.resolve("out");
    assertEquals(1, degrade(out));
    String log = err.toString();
    assertTrue(log.contains("gpen degrade: warning: skipped cannot read image "), log);
    assertTrue(log.contains("broken.png"), log);
    assertTrue(log.contains("degraded 4 image(s)") && log.contains(", 1 skipped"), log);
    assertTrue(Files.isRegularFile(out.resolve("lq/face02.png")));
    assertFalse(Files.exists(out.resolve("lq/broken.png")));
  }

  @Test
  void badFoldersGiveOneLineErrors() throws IOException {
    Path missing = tmp.resolve("missing");
    assertEquals(
        1, run("degrade", "--input", missing.toString(), "--output", tmp.resolve("o").toString()));
    assertOneLineError(missing.toString());

    Path empty = Files.createDirectories(tmp.resolve("empty"));
    assertEquals(
        1, run("degrade", "--input", empty.toString(), "--output", tmp.resolve("o").toString()));
    assertOneLineError(empty.toString());

    Path file = Files.writeString(tmp.resolve("a-file"), "x");
    assertEquals(1, degrade(file));
    assertOneLineError("cannot create output folder " + file.resolve("lq"));

    assertEquals(1, degrade(input.resolve("pairs")));
    assertOneLineError("is inside --input");

    Files.writeString(input.resolve("face00.jpg"), "x");
    assertEquals(1, degrade(tmp.resolve("o")));
    assertOneLineError("face00.jpg and face00.png would both be written as face00.png");

    assertEquals(1, degrade(tmp.resolve("o"), "--gray_prob", "2"));
    assertOneLineError("gray_prob must be 0 to 1");
  }

  private void assertOneLineError(String fragment) {
    String log = err.toString();
    assertTrue(log.startsWith("gpen degrade: error: ") && log.contains(fragment), log);
    assertEquals(1, log.strip().lines().count(), log);
  }

  private static byte[] bytes(Mat m) {
    byte[] out = new byte[(int) (m.total() * m.channels())];
    try (Mat dense = m.clone()) {
      dense.data().capacity(out.length).get(out);
    }
    return out;
  }
}
