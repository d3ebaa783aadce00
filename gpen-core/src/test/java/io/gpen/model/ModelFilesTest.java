package io.gpen.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import io.gpen.SharedData;
import io.gpen.checkpoint.Checkpoints;
import io.gpen.checkpoint.Safetensors;
import io.gpen.checkpoint.StateDict;
import io.gpen.nn.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving and loading models in the project's format, and the messages of files that do not fit. */
class ModelFilesTest {
  @TempDir Path dir;

  @Test
  void savedGeneratorLoadsBackWithItsArchitectureAndTheSameOutput() {
    torch.manual_seed(3);
    GpenConfig config = new GpenConfig(64, 128, 3, 2, 0.125, false);
    Path file = dir.resolve("g.safetensors");
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard();
        FullGenerator g = new FullGenerator(config)) {
      FastPathTest.perturb(g);
      ModelFiles.saveGenerator(g, file);
      StateDict sd = Checkpoints.read(file);
      assertEquals(ModelFiles.GENERATOR_FORMAT, sd.metadata().get(Safetensors.FORMAT_KEY));
      ModelFiles.LoadedGenerator loaded = ModelFiles.loadGenerator(file, null, ModelFiles.Overrides.NONE);
      try (FullGenerator back = loaded.model()) {
        assertEquals(config, back.config());
        assertTrue(loaded.note().contains("metadata"), loaded.note());
        Tensor x = torch.rand(2, 3, 64, 64);
        assertEquals(0.0, Tensors.maxAbsDiff(g.forward(x).image(), back.forward(x).image()));
      }
    }
  }

  @Test
  void savedDiscriminatorLoadsBack() {
    torch.manual_seed(4);
    Path file = dir.resolve("d.safetensors");
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard();
        Discriminator d = new Discriminator(64, 2, 0.25)) {
      ModelFiles.saveDiscriminator(d, file);
      try (Discriminator back = ModelFiles.loadDiscriminator(file, null, ModelFiles.Overrides.NONE)) {
        assertEquals(2, back.channelMultiplier());
        assertEquals(0.25, back.narrow());
        Tensor x = torch.rand(2, 3, 64, 64);
        assertEquals(0.0, Tensors.maxAbsDiff(d.forward(x), back.forward(x)));
      }
    }
  }

  @Test
  void aCheckpointOfAnotherArchitectureListsWhatDoesNotFit() {
    Path golden = SharedData.require("golden/gpen64.pth");
    GpenException e = assertThrows(GpenException.class,
        () -> ModelFiles.loadGenerator(golden, null, new ModelFiles.Overrides(null, 2, null)));
    String m = e.getMessage();
    assertTrue(m.startsWith(golden.toString()), m);
    assertTrue(m.contains("mis-shaped") && m.contains("file [1, 64, 256, 3, 3], model [1, 128, 256, 3, 3]"), m);
    assertEquals(1, m.lines().count());
  }

  @Test
  void missingAndUnexpectedTensorsAreNamed() throws IOException {
    Path golden = SharedData.require("golden/gpen64.pth");
    Map<String, io.gpen.checkpoint.TensorData> tensors = new java.util.LinkedHashMap<>(Checkpoints.read(golden).tensors());
    tensors.remove("generator.style.3.bias");
    tensors.put("extra.weight", io.gpen.checkpoint.TensorData.ofFloats(new long[] {1}, 0f));
    Path file = dir.resolve("edited.safetensors");
    Safetensors.write(file, tensors, Map.of());
    GpenException e = assertThrows(GpenException.class,
        () -> ModelFiles.loadGenerator(file, null, ModelFiles.Overrides.NONE));
    assertTrue(e.getMessage().contains("1 missing [generator.style.3.bias]"), e.getMessage());
    assertTrue(e.getMessage().contains("1 unexpected [extra.weight]"), e.getMessage());
  }

  @Test
  void aTruncatedFileIsNamed() throws IOException {
    Path golden = SharedData.require("golden/gpen64.pth");
    Path cut = dir.resolve("cut.pth");
    byte[] b = Files.readAllBytes(golden);
    Files.write(cut, java.util.Arrays.copyOf(b, b.length - 1000));
    GpenException e = assertThrows(GpenException.class,
        () -> ModelFiles.loadGenerator(cut, null, ModelFiles.Overrides.NONE));
    assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
  }
}
