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
      ModelFiles.LoadedGenerator loaded =
          ModelFiles.loadGenerator(file, null, ModelFiles.Overrides.NONE);
      try (FullGenerator back = loaded.model()) {
        assertEquals(config, back.config());
        assertTrue(loaded.note().contains("metadata"), loaded.note());
        Tensor x = torch.rand(2, 3, 64, 64);
        assertEquals(0.0, Tensors.maxAbsDiff(g.forward(x).image(), back.forward(x).image()));
      }
    }
  }

  @Test
  void savedSuperResolutionGeneratorLoadsBackWithBothSizes() {
    torch.manual_seed(5);
    GpenConfig config = GpenConfig.of(32, 64, 1, 0.25);
    Path file = dir.resolve("sr.safetensors");
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard();
        FullGenerator g = new FullGenerator(config)) {
      FastPathTest.perturb(g);
      ModelFiles.saveGenerator(g, file);
      Map<String, String> meta = Checkpoints.read(file).metadata();
      assertEquals("32", meta.get("size"));
      assertEquals("64", meta.get("out_size"));
      ModelFiles.LoadedGenerator loaded =
          ModelFiles.loadGenerator(file, null, ModelFiles.Overrides.NONE);
      try (FullGenerator back = loaded.model()) {
        assertEquals(config, back.config());
        assertTrue(
            loaded
                .note()
                .contains(
                    "GPEN size=32 out_size=64 mul=1 narrow=0.25 (settings from the file's metadata)"),
            loaded.note());
        Tensor x = torch.rand(2, 3, 32, 32);
        torch.manual_seed(8);
        Tensor a = g.forward(x).image();
        torch.manual_seed(8);
        assertEquals(0.0, Tensors.maxAbsDiff(a, back.forward(x).image()));
      }
    }
  }

  @Test
  void metadataRoundTripsAndOlderFilesMeanEqualSizes() {
    GpenConfig sr = new GpenConfig(128, 256, 4, 2, 0.5, false, 512);
    assertEquals(sr, GpenConfig.fromMetadata(sr.toMetadata()));
    GpenConfig plain = GpenConfig.of(256, 1, 0.5);
    assertTrue(!plain.toMetadata().containsKey("out_size"));
    assertEquals(plain, GpenConfig.fromMetadata(plain.toMetadata()));
    assertEquals(
        plain,
        GpenConfig.fromMetadata(Map.of("size", "256", "channel_multiplier", "1", "narrow", "0.5")));
    assertEquals(
        "size=128 out_size=512 mul=2 narrow=0.5 isconcat=false style_dim=256 n_mlp=4",
        sr.describe());
  }

  @Test
  void outputSizeCanBeGivenOrLeftToTheCheckpoint() {
    Path golden = SharedData.require("golden/gpen_sr32to64.pth");
    ModelFiles.LoadedGenerator given =
        ModelFiles.loadGenerator(golden, null, new ModelFiles.Overrides(32, null, null, 64));
    try (FullGenerator g = given.model()) {
      assertEquals(GpenConfig.of(32, 64, 1, 0.25), g.config());
      assertTrue(
          given.note().contains("(given size=32 out_size=64, the rest inferred)"), given.note());
    }
    // the size alone keeps the checkpoint's larger output
    try (FullGenerator g =
        ModelFiles.loadGenerator(golden, null, new ModelFiles.Overrides(32, null, null)).model()) {
      assertEquals(64, g.config().outSize());
    }
    GpenException e =
        assertThrows(
            GpenException.class,
            () ->
                ModelFiles.loadGenerator(
                    golden, null, new ModelFiles.Overrides(null, null, null, 128)));
    assertTrue(e.getMessage().contains("generator.convs.8"), e.getMessage());
    // a plain checkpoint with a size alone stays plain: its output side follows the size
    Path plain = SharedData.require("golden/gpen64.pth");
    GpenException p =
        assertThrows(
            GpenException.class,
            () -> ModelFiles.loadGenerator(plain, null, new ModelFiles.Overrides(128, null, null)));
    assertTrue(p.getMessage().contains("GPEN size=128 mul=1"), p.getMessage());
  }

  @Test
  void savedDiscriminatorLoadsBack() {
    torch.manual_seed(4);
    Path file = dir.resolve("d.safetensors");
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard();
        Discriminator d = new Discriminator(64, 2, 0.25)) {
      ModelFiles.saveDiscriminator(d, file);
      try (Discriminator back =
          ModelFiles.loadDiscriminator(file, null, ModelFiles.Overrides.NONE)) {
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
    GpenException e =
        assertThrows(
            GpenException.class,
            () -> ModelFiles.loadGenerator(golden, null, new ModelFiles.Overrides(null, 2, null)));
    String m = e.getMessage();
    assertTrue(m.startsWith(golden.toString()), m);
    assertTrue(
        m.contains("mis-shaped")
            && m.contains("file [1, 64, 256, 3, 3], model [1, 128, 256, 3, 3]"),
        m);
    assertEquals(1, m.lines().count());
  }

  @Test
  void missingAndUnexpectedTensorsAreNamed() throws IOException {
    Path golden = SharedData.require("golden/gpen64.pth");
    Map<String, io.gpen.checkpoint.TensorData> tensors =
        new java.util.LinkedHashMap<>(Checkpoints.read(golden).tensors());
    tensors.remove("generator.style.3.bias");
    tensors.put("extra.weight", io.gpen.checkpoint.TensorData.ofFloats(new long[] {1}, 0f));
    Path file = dir.resolve("edited.safetensors");
    Safetensors.write(file, tensors, Map.of());
    GpenException e =
        assertThrows(
            GpenException.class,
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
    GpenException e =
        assertThrows(
            GpenException.class,
            () -> ModelFiles.loadGenerator(cut, null, ModelFiles.Overrides.NONE));
    assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
  }
}
