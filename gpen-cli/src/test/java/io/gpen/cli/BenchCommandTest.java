package io.gpen.cli;

import static io.gpen.TextAssertions.assertContainsAll;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.image.Images;
import io.gpen.video.TestClips;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {
  @Test
  void reportsEveryFigure() {
    CliRun r =
        CliRun.of(
            "bench",
            "--size",
            "64",
            "--mul",
            "1",
            "--narrow",
            "0.25",
            "--iters",
            "3",
            "--warmup",
            "1");
    assertEquals(0, r.exitCode(), r.err());
    assertContainsAll(
        r.out(),
        "median",
        "p90",
        "faces/s",
        "GFLOP per face",
        "GFLOP/s achieved",
        "peak resident",
        "threads");
    assertTrue(r.out().contains("size=64 mul=1 narrow=0.25"), r.out());
  }

  @Test
  void precisionBothPrintsFp32AndBf16SideBySideWithPeakShareAndQuality() {
    CliRun r =
        CliRun.of(
            "bench",
            "--size",
            "64",
            "--mul",
            "1",
            "--narrow",
            "0.25",
            "--iters",
            "1",
            "--warmup",
            "0",
            "--precision",
            "both");
    assertEquals(0, r.exitCode(), r.err());
    List<String> lines = r.out().lines().toList();
    assertTrue(
        lines.get(2).startsWith("engines     fp32: libtorch ")
            && lines.get(2).contains("fast path, fp32"),
        r.out());
    assertTrue(
        lines.get(3).startsWith("            bf16: libtorch ")
            && lines.get(3).contains("fast path, bf16"),
        r.out());
    assertTrue(lines.stream().anyMatch(l -> l.matches(" +fp32 +bf16")), r.out());
    assertTrue(lines.stream().anyMatch(l -> l.matches(" +% of peak +\\d+% +\\d+%")), r.out());
    assertTrue(
        lines.stream().anyMatch(l -> l.matches("peak +GFLOP/s +\\d+\\.\\d fp32 +\\d+\\.\\d bf16")),
        r.out());
    assertTrue(
        lines.stream()
            .anyMatch(
                l ->
                    l.matches(
                        "quality     bf16 vs fp32 on 1 faces \\(random pixels\\): mean \\d+\\.\\d\\d, p99\\.9 \\d+, max \\d+ levels of 255")),
        r.out());

    CliRun one =
        CliRun.of(
            "bench",
            "--size",
            "64",
            "--mul",
            "1",
            "--narrow",
            "0.25",
            "--iters",
            "1",
            "--warmup",
            "0",
            "--precision",
            "bf16");
    assertEquals(0, one.exitCode(), one.err());
    assertTrue(one.out().contains("fast path, bf16"), one.out());
    assertTrue(
        one.out()
            .matches("(?s).*GFLOP/s achieved, \\d+% of peak\\R.*peak +\\d+\\.\\d GFLOP/s bf16 .*"),
        one.out());

    CliRun bad = CliRun.of("bench", "--size", "64", "--precision", "fp16");
    assertEquals(1, bad.exitCode());
    assertEquals(1, bad.errorLines(), bad.err());
    assertTrue(bad.err().contains("--precision must be fp32, bf16 or both, got 'fp16'"), bad.err());
  }

  @Test
  void trainingBenchReportsSecondsPerIteration() {
    CliRun r =
        CliRun.of(
            "bench",
            "--train",
            "--size",
            "64",
            "--narrow",
            "0.25",
            "--iters",
            "1",
            "--identity",
            "none");
    assertEquals(0, r.exitCode(), r.err());
    assertContainsAll(
        r.out(),
        "s plain (D step",
        "R1 step",
        "every 16 iterations",
        "path step",
        "every 4 iterations",
        "s per iteration (plain + R1/16 + path/4)",
        "batch 2",
        "peak resident");
  }

  @Test
  void trainingBenchRefusesInferenceOptions() {
    CliRun r = CliRun.of("bench", "--train", "--size", "64", "--engine", "onnx");
    assertEquals(1, r.exitCode());
    assertEquals(1, r.errorLines(), r.err());
    assertTrue(r.err().contains("does not combine with"), r.err());
  }

  @Test
  void theParseMaskNeedsAPhotoOrVideoAndAKnownMask() {
    CliRun noPhoto = CliRun.of("bench", "--mask", "parse", "--size", "64");
    assertEquals(1, noPhoto.exitCode());
    assertEquals(
        "gpen bench: error: --mask parse times the face parser on a photo or video; give it with"
            + " --photo or --video",
        noPhoto.err().strip());
    CliRun unknown = CliRun.of("bench", "--mask", "oval", "--size", "64");
    assertEquals(1, unknown.exitCode());
    assertEquals(
        "gpen bench: error: --mask must be box or parse, got 'oval'", unknown.err().strip());
  }

  @Test
  void badCountsAreRefused() {
    CliRun r = CliRun.of("bench", "--size", "64", "--iters", "0");
    assertEquals(1, r.exitCode());
    assertEquals(1, r.errorLines(), r.err());
  }

  @Test
  void photoBenchTimesTheSuperResolutionPerInputMegapixel(@TempDir Path dir) {
    Path photo = dir.resolve("small.png");
    try (Mat whole = imread(SharedData.require("faces/Solvay_conference_1927.png").toString());
        Rect r = new Rect(600, 80, 48, 40);
        Mat part = new Mat(whole, r)) {
      Images.write(photo, part);
    }
    CliRun run =
        benchOnASmallModel(
            "--photo", photo.toString(), "--use_sr", "--iters", "1", "--warmup", "0");
    assertEquals(0, run.exitCode(), run.err());
    assertContainsAll(
        run.out(),
        "sr x2       ",
        "sr x4       ",
        "s per input megapixel",
        "RRDBNet x4 (32 features, 23 blocks, growth 32), random weights",
        "untiled");
    CliRun noPhoto = CliRun.of("bench", "--use_sr", "--size", "64");
    assertEquals(1, noPhoto.exitCode());
    assertEquals(
        "gpen bench: error: --use_sr times the super-resolution of a photo or video; give it with"
            + " --photo or --video",
        noPhoto.err().strip());
    CliRun noSr = CliRun.of("bench", "--photo", photo.toString(), "--sr_scale", "4");
    assertEquals(1, noSr.exitCode());
    assertEquals("gpen bench: error: --sr_scale applies with --use_sr", noSr.err().strip());
    CliRun badScale =
        CliRun.of(
            "bench", "--photo", photo.toString(), "--use_sr", "--sr_scale", "3", "--size", "64");
    assertEquals(1, badScale.exitCode());
    assertEquals("gpen bench: error: --sr_scale must be 1, 2 or 4, got 3", badScale.err().strip());
  }

  @Test
  void videoBenchSuperResolvesEveryFrameAtTheScaleAsked(@TempDir Path dir) {
    Path clip = TestClips.write(dir.resolve("two.mp4"), TestClips.Scene.PAN, false, 2, 1);
    CliRun run = benchOnASmallModel("--video", clip.toString(), "--use_sr", "--sr_scale", "1");
    assertEquals(0, run.exitCode(), run.err());
    assertContainsAll(
        run.out(),
        "upscaler    RRDBNet x1 (32 features, 23 blocks, growth 32), random weights",
        "video       two.mp4, 160x120, 10.000 fps, 2 frames, 2 faces in 2 frames",
        "(decoding, super-resolution x1, detection,");
  }

  /** {@code gpen bench ARGS} on a random 64 px model, with the shared RetinaFace weights. */
  private static CliRun benchOnASmallModel(String... args) {
    List<String> all = new ArrayList<>(List.of("bench"));
    all.addAll(List.of(args));
    all.addAll(
        List.of(
            "--size",
            "64",
            "--mul",
            "1",
            "--narrow",
            "0.25",
            "--detector_weights",
            SharedData.require("models/retinaface_mobilenet0.25.pth").toString()));
    return CliRun.of(all.toArray(String[]::new));
  }
}
