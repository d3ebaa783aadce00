package io.gpen;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.checkpoint.Checkpoints;
import io.gpen.checkpoint.Safetensors;
import io.gpen.checkpoint.TensorData;
import io.gpen.checkpoint.TorchFiles;
import io.gpen.image.Image;
import io.gpen.image.Images;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged images and checkpoints ({@link Fuzz}), made from small valid files: a face of {@code
 * ../shared} as PNG and JPEG, the golden {@code gpen64_io.pth} (zip layout) and its tensors written
 * in the legacy layout, as a {@code .pdparams} pickle and as safetensors.
 */
class ReadersFuzzTest {
  @TempDir static Path dir;

  private static Map<String, TensorData> tensors;

  @BeforeAll
  static void goldenTensors() {
    tensors = Checkpoints.read(SharedData.require("golden/gpen64_io.pth")).tensors();
  }

  @Test
  void png() throws IOException {
    image("face.png", new int[0], 11);
  }

  @Test
  void jpeg() throws IOException {
    image("face.jpg", new int[] {IMWRITE_JPEG_QUALITY, 90}, 12);
  }

  /** A 64x64 crop of a real face: small enough to decode hundreds of times in a second. */
  private static void image(String name, int[] params, long seed) throws IOException {
    Path valid = dir.resolve("valid_" + name);
    try (Image face = Images.read(SharedData.require("faces/ffhq256/00000.png"));
        Rect box = new Rect(96, 96, 64, 64);
        Mat crop = face.bgr().apply(box)) {
      assertTrue(imwrite(valid.toString(), crop, params));
    }
    Fuzz.run(
        name.endsWith(".png") ? "PNG" : "JPEG",
        Files.readAllBytes(valid),
        dir,
        name,
        seed,
        false,
        file -> {
          try (Image image = Images.read(file)) {
            assertTrue(image.width() > 0 && image.height() > 0);
          }
        });
  }

  @Test
  void torchZip() throws IOException {
    checkpoint(
        "PyTorch zip",
        Files.readAllBytes(SharedData.require("golden/gpen64_io.pth")),
        "zip.pth",
        21);
  }

  @Test
  void torchLegacy() throws IOException {
    Path valid = dir.resolve("valid_legacy.pt");
    TorchFiles.writeStateDict(valid, tensors, true);
    checkpoint("PyTorch legacy", Files.readAllBytes(valid), "legacy.pt", 22);
  }

  @Test
  void pdparams() throws IOException {
    Path valid = dir.resolve("valid.pdparams");
    TorchFiles.writePdparams(valid, tensors);
    checkpoint("pdparams", Files.readAllBytes(valid), "paddle.pdparams", 23);
  }

  @Test
  void safetensors() throws IOException {
    Path valid = dir.resolve("valid.safetensors");
    Safetensors.write(valid, tensors, Map.of("format", "pt"));
    checkpoint("safetensors", Files.readAllBytes(valid), "model.safetensors", 24);
  }

  /** Every byte of a checkpoint matters: a truncated one must always be refused. */
  private static void checkpoint(String label, byte[] valid, String name, long seed)
      throws IOException {
    Fuzz.run(label, valid, dir, name, seed, true, file -> Checkpoints.read(file));
  }
}
