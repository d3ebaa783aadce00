package io.gpen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.checkpoint.Checkpoints;
import io.gpen.checkpoint.TensorData;
import io.gpen.checkpoint.TorchFiles;
import io.gpen.image.Image;
import io.gpen.image.Images;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model options every restoring command shares: {@code --out_size}, {@code --allow_nonfinite}.
 */
class ModelOptionsTest {
  @TempDir Path dir;

  private Path face() throws IOException {
    Path face = dir.resolve("face.png");
    Files.copy(SharedData.require("faces/ffhq256/00000.png"), face);
    return face;
  }

  @Test
  void outSizeChecksAFullGeneratorSrAgainstItsShapes() throws IOException {
    Path weights = SharedData.require("golden/gpen_sr32to64.pth");
    Path face = face();
    CliRun ok =
        CliRun.of(
            "predict",
            "-w",
            weights.toString(),
            "--size",
            "32",
            "--out_size",
            "64",
            "--img",
            face.toString(),
            "--output",
            dir.resolve("sr.png").toString());
    assertEquals(0, ok.exitCode(), ok.err());
    try (Image written = Images.read(dir.resolve("sr.png"))) {
      assertEquals(64, written.width(), "the decoder's side");
    }
    CliRun wrong =
        CliRun.of(
            "predict",
            "-w",
            weights.toString(),
            "--size",
            "32",
            "--out_size",
            "128",
            "--img",
            face.toString(),
            "--output",
            dir.resolve("wrong.png").toString());
    assertEquals(1, wrong.exitCode(), wrong.err());
    assertTrue(wrong.err().contains(weights.toString()), wrong.err());
    assertFalse(Files.exists(dir.resolve("wrong.png")));
  }

  @Test
  void nonFiniteWeightsAreRefusedUnlessAllowed() throws IOException {
    Map<String, TensorData> tensors =
        new LinkedHashMap<>(Checkpoints.read(SharedData.require("golden/gpen64.pth")).tensors());
    TensorData t = tensors.get("ecd0.0.0.weight");
    ByteBuffer b = ByteBuffer.allocate(t.data().remaining()).order(ByteOrder.LITTLE_ENDIAN);
    b.put(t.data()).flip();
    b.putFloat(0, Float.NaN);
    tensors.put("ecd0.0.0.weight", new TensorData(t.dtype(), t.shape(), b));
    Path damaged = dir.resolve("damaged.pth");
    TorchFiles.writeStateDict(damaged, tensors, false);
    Path face = face();

    CliRun refused =
        CliRun.of(
            "predict",
            "-w",
            damaged.toString(),
            "--img",
            face.toString(),
            "--output",
            dir.resolve("a.png").toString());
    assertEquals(1, refused.exitCode(), refused.err());
    assertTrue(refused.err().contains("ecd0.0.0.weight (1 NaN)"), refused.err());

    // loaded, the NaN reaches every output pixel, and the restoration says so instead of writing
    CliRun allowed =
        CliRun.of(
            "predict",
            "-w",
            damaged.toString(),
            "--allow_nonfinite",
            "--img",
            face.toString(),
            "--output",
            dir.resolve("b.png").toString());
    assertEquals(1, allowed.exitCode(), allowed.err());
    assertTrue(allowed.err().contains("non-finite values"), allowed.err());
    assertFalse(allowed.err().contains("(--allow_nonfinite loads it anyway)"), allowed.err());
    assertFalse(Files.exists(dir.resolve("b.png")));
  }
}
