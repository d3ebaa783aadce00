package io.gpen.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.gpen.ChildJvm;
import io.gpen.image.Image;
import io.gpen.image.Images;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Libraries of the same names as the bundled ones, on {@code LD_LIBRARY_PATH} and {@code
 * java.library.path}, are never mapped: a child JVM reads an image (OpenCV) and runs a convolution
 * (libtorch) with a folder of impostors first on both paths, and lists what it mapped.
 */
class BundledLibrariesTest {
  /**
   * What JavaCPP or the system loader would look for on the paths: the bundled libraries' names,
   * the CUDA variants' and the other versions the presets list. (Not libgcc_s.so.1, libstdc++ or
   * libz: the JVM itself needs those before any Java runs.)
   */
  private static final List<String> IMPOSTORS =
      List.of(
          "libtorch_cpu.so",
          "libtorch.so",
          "libc10.so",
          "libjnitorch.so",
          "libgomp.so.1",
          "libgomp.so",
          "libopenblas.so.0",
          "libgfortran.so",
          "libgfortran.so.5",
          "libgfortran.so.4",
          "libquadmath.so.0",
          "libgcc_s.so",
          "libtorch_cuda.so",
          "libc10_cuda.so",
          "libcudart.so",
          "libcudart.so.13",
          "libopencv_cudev.so",
          "libopencv_core.so.413",
          "libopencv_imgproc.so.413",
          "libopencv_imgcodecs.so.413");

  private static final String MARK = "IMPOSTOR LOADED";

  @TempDir Path dir;

  @Test
  void noLibraryOfTheSameNameOnTheLibraryPathIsMapped() throws Exception {
    Path impostors = Files.createDirectories(dir.resolve("system"));
    Path source =
        Files.writeString(
            dir.resolve("impostor.c"),
            "#include <stdio.h>\n__attribute__((constructor)) static void mark(void) { fputs(\""
                + MARK
                + "\\n\", stderr); }\n");
    Path built = impostors.resolve(IMPOSTORS.get(0));
    Process gcc =
        new ProcessBuilder("gcc", "-shared", "-fPIC", "-o", built.toString(), source.toString())
            .redirectErrorStream(true)
            .start();
    String gccOutput = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, gcc.waitFor(), "gcc builds the impostor library: " + gccOutput);
    for (String name : IMPOSTORS.subList(1, IMPOSTORS.size())) {
      Files.copy(built, impostors.resolve(name));
    }
    Path png = dir.resolve("face.png");
    try (Mat m = new Mat(8, 8, org.bytedeco.opencv.global.opencv_core.CV_8UC3)) {
      assertTrue(opencv_imgcodecs.imwrite(png.toString(), m));
    }

    ProcessBuilder child =
        ChildJvm.of(
            Probe.class,
            List.of("-Djava.library.path=" + impostors),
            png.toString(),
            impostors.toString());
    child.environment().put("LD_LIBRARY_PATH", impostors.toString());
    Process p = ChildJvm.start(child);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("the child JVM did not finish in 120 s");
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("ran: 8x8 image, convolution sum 192.0"), out);
    assertFalse(out.contains(MARK), out);
    assertTrue(out.contains("mapped from the impostors' folder: none"), out);
  }

  /** The child: OpenCV first, as {@code gpen restore} reads its photo first, then libtorch. */
  public static final class Probe {
    public static void main(String[] args) throws IOException {
      Path png = Path.of(args[0]);
      String impostors = args[1];
      try (Image image = Images.read(png);
          Conv2d conv = new Conv2d(3, 1, 1, 1, 0, 1, false);
          NoGradGuard noGrad = new NoGradGuard()) {
        for (Tensor p : conv.parameters()) {
          p.fill_(new Scalar(1.0));
        }
        float sum = conv.forward(torch.ones(1, 3, 8, 8)).sum().item_float();
        System.out.println(
            "ran: " + image.width() + "x" + image.height() + " image, convolution sum " + sum);
      }
      List<String> mapped =
          Files.readAllLines(Path.of("/proc/self/maps")).stream()
              .filter(l -> l.contains(impostors))
              .toList();
      System.out.println(
          "mapped from the impostors' folder: " + (mapped.isEmpty() ? "none" : mapped));
    }
  }
}
