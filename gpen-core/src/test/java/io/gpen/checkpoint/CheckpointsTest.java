package io.gpen.checkpoint;

import static io.gpen.checkpoint.CheckpointFixtures.assertFails;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What is not a checkpoint at all, through every entry point. */
class CheckpointsTest {
  @TempDir Path dir;

  @Test
  void missingFile() {
    Path file = dir.resolve("nope.pth");
    assertFails(file, "no such file", () -> Checkpoints.read(file));
    assertFails(file, "no such file", () -> Checkpoints.readObject(file));
    assertFails(file, "no such file", () -> Checkpoints.detect(file));
    assertFails(file, "no such file", () -> Safetensors.read(file));
  }

  @Test
  void directory() {
    assertFails(dir, "is a directory, not a checkpoint file", () -> Checkpoints.read(dir, "g"));
    assertFails(dir, "is a directory, not a checkpoint file", () -> Safetensors.read(dir));
  }

  @Test
  void emptyFile() throws IOException {
    Path file = Files.createFile(dir.resolve("empty.pth"));
    assertFails(file, "is empty", () -> Checkpoints.read(file));
    assertFails(file, "is empty", () -> Safetensors.read(file));
  }

  @Test
  void notACheckpoint() throws IOException {
    Path png = dir.resolve("face.pth");
    Files.write(
        png,
        new byte[] {
          (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'
        });
    assertFails(
        png,
        "not a checkpoint (expected a PyTorch .pth/.pt, a PaddlePaddle .pdparams or"
            + " a safetensors file)",
        () -> Checkpoints.read(png));
    Path text = dir.resolve("notes.safetensors");
    Files.writeString(text, "hello");
    assertFails(text, "not a checkpoint", () -> Checkpoints.detect(text));
    assertFails(text, "truncated: no safetensors header", () -> Safetensors.read(text));
  }
}
