package io.gpen.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import io.gpen.SharedData;
import io.gpen.nn.Module;
import io.gpen.nn.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;

/** The module tree carries exactly the official parameter names and shapes. */
class ArchitectureTest {
  /** Sections of state-dict-keys.txt: title → (name → shape). */
  static Map<String, Map<String, long[]>> officialKeys() throws IOException {
    Map<String, Map<String, long[]>> sections = new LinkedHashMap<>();
    Map<String, long[]> current = null;
    for (String line : Files.readAllLines(SharedData.require("docs/state-dict-keys.txt"))) {
      if (line.startsWith("## ")) {
        current = new LinkedHashMap<>();
        sections.put(line.substring(3, line.indexOf(':')), current);
      } else if (!line.isBlank() && current != null) {
        int sp = line.indexOf(' ');
        String dims = line.substring(sp + 1).replaceAll("[\\[\\]\\s]", "");
        long[] shape =
            dims.isEmpty()
                ? new long[0]
                : Arrays.stream(dims.split(",")).mapToLong(Long::parseLong).toArray();
        current.put(line.substring(0, sp), shape);
      }
    }
    return sections;
  }

  static void assertSameKeys(Map<String, long[]> expected, Module m) {
    Map<String, long[]> actual = new LinkedHashMap<>();
    m.stateDict().forEach((k, v) -> actual.put(k, Tensors.shape(v)));
    assertEquals(
        new java.util.TreeSet<>(expected.keySet()), new java.util.TreeSet<>(actual.keySet()));
    expected.forEach((k, shape) -> assertArrayEquals(shape, actual.get(k), k));
  }

  static void assertArrayEquals(long[] a, long[] b, String what) {
    assertTrue(
        Arrays.equals(a, b),
        what + ": expected " + Arrays.toString(a) + ", got " + Arrays.toString(b));
  }

  @Test
  void officialGenerator256And512NamesAndShapes() throws IOException {
    Map<String, Map<String, long[]>> keys = officialKeys();
    try (PointerScope scope = new PointerScope();
        FullGenerator g256 = new FullGenerator(GpenConfig.of(256, 1, 0.5))) {
      assertSameKeys(keys.get("GPEN-BFR-256 FullGenerator"), g256);
    }
    try (PointerScope scope = new PointerScope();
        FullGenerator g512 = new FullGenerator(GpenConfig.of(512, 2, 1))) {
      assertSameKeys(keys.get("GPEN-BFR-512 FullGenerator"), g512);
    }
  }

  @Test
  void officialDiscriminatorNamesAndShapes() throws IOException {
    Map<String, Map<String, long[]>> keys = officialKeys();
    try (PointerScope scope = new PointerScope();
        Discriminator d256 = new Discriminator(256, 1, 0.5);
        Discriminator d512 = new Discriminator(512, 2, 1)) {
      assertSameKeys(keys.get("GPEN-BFR-256-D Discriminator"), d256);
      assertSameKeys(keys.get("GPEN-BFR-512-D Discriminator"), d512);
    }
  }

  @Test
  void officialShapesGiveTheDocumentedArchitectures() throws IOException {
    Map<String, Map<String, long[]>> keys = officialKeys();
    GpenConfig c256 = ModelFiles.inferConfig(keys.get("GPEN-BFR-256 FullGenerator"), "256");
    assertEquals(GpenConfig.of(256, 1, 0.5), c256);
    GpenConfig c512 = ModelFiles.inferConfig(keys.get("GPEN-BFR-512 FullGenerator"), "512");
    assertEquals(GpenConfig.of(512, 2, 1), c512);
  }

  /**
   * The state dict (names and shapes, kernel buffers included) that the official {@code
   * FullGenerator_SR(in_size, out_size, 512, 8, channel_multiplier, narrow=narrow)} creates,
   * derived here line by line from its constructor in {@code face_model/gpen_model.py} (HEAD
   * 0a2d460), independently of the project's classes; with {@code in == out} it is {@code
   * FullGenerator(size, ...)}'s, whose constructor differs only in using one size.
   */
  static Map<String, long[]> officialGeneratorShapes(int in, int out, int mul, double narrow) {
    int style = 512;
    Map<Integer, Long> ch = new LinkedHashMap<>();
    // the channels dict, with Python's int() of the float product
    for (int r = 4; r <= 32; r *= 2) {
      ch.put(r, (long) (512 * narrow));
    }
    int[] base = {256, 128, 64, 32, 16, 8};
    for (int i = 0; i < base.length; i++) {
      ch.put(64 << i, (long) (base[i] * mul * narrow));
    }
    Map<String, long[]> m = new LinkedHashMap<>();
    // Generator(out_size, ...): isconcat doubles every feature that the noise joins
    for (int i = 1; i <= 8; i++) {
      m.put("generator.style." + i + ".weight", new long[] {style, style});
      m.put("generator.style." + i + ".bias", new long[] {style});
    }
    long c4 = ch.get(4);
    m.put("generator.input.input", new long[] {1, c4, 4, 4});
    styledConv(m, "generator.conv1", c4, c4, false);
    toRgb(m, "generator.to_rgb1", 2 * c4, false);
    long inCh = c4;
    int logOut = Integer.numberOfTrailingZeros(out);
    for (int i = 3; i <= logOut; i++) {
      long o = ch.get(1 << i);
      styledConv(m, "generator.convs." + 2 * (i - 3), 2 * inCh, o, true);
      styledConv(m, "generator.convs." + (2 * (i - 3) + 1), 2 * o, o, false);
      toRgb(m, "generator.to_rgbs." + (i - 3), 2 * o, true);
      inCh = o;
    }
    // encoder at in_size: ConvLayer(3, C[in], 1), then a downsampling ConvLayer per stage
    int logIn = Integer.numberOfTrailingZeros(in);
    m.put("ecd0.0.0.weight", new long[] {ch.get(in), 3, 1, 1});
    m.put("ecd0.0.1.bias", new long[] {ch.get(in)});
    long c = ch.get(in);
    for (int i = logIn; i > 2; i--) {
      long o = ch.get(1 << (i - 1));
      String name = "ecd" + (logIn - i + 1) + ".0.";
      m.put(name + "0.kernel", new long[] {4, 4});
      m.put(name + "1.weight", new long[] {o, c, 3, 3});
      m.put(name + "2.bias", new long[] {o});
      c = o;
    }
    m.put("final_linear.0.weight", new long[] {style, c4 * 16});
    m.put("final_linear.0.bias", new long[] {style});
    return m;
  }

  private static void styledConv(
      Map<String, long[]> m, String name, long in, long out, boolean up) {
    m.put(name + ".conv.weight", new long[] {1, out, in, 3, 3});
    if (up) {
      m.put(name + ".conv.blur.kernel", new long[] {4, 4});
    }
    m.put(name + ".conv.modulation.weight", new long[] {in, 512});
    m.put(name + ".conv.modulation.bias", new long[] {in});
    m.put(name + ".noise.weight", new long[] {1});
    m.put(name + ".activate.bias", new long[] {2 * out});
  }

  private static void toRgb(Map<String, long[]> m, String name, long in, boolean up) {
    m.put(name + ".conv.weight", new long[] {1, 3, in, 1, 1});
    m.put(name + ".conv.modulation.weight", new long[] {in, 512});
    m.put(name + ".conv.modulation.bias", new long[] {in});
    m.put(name + ".bias", new long[] {1, 3, 1, 1});
    if (up) {
      m.put(name + ".upsample.kernel", new long[] {4, 4});
    }
  }

  static void assertSameShapes(Map<String, long[]> expected, Map<String, long[]> actual) {
    assertEquals(
        new java.util.TreeSet<>(expected.keySet()), new java.util.TreeSet<>(actual.keySet()));
    expected.forEach((k, shape) -> assertArrayEquals(shape, actual.get(k), k));
  }

  /**
   * The derivation above gives the listed official state dicts and the golden FullGenerator_SR's.
   */
  @Test
  void officialDerivationGivesTheListedAndTheGoldenStateDicts() throws IOException {
    Map<String, Map<String, long[]>> keys = officialKeys();
    assertSameShapes(
        keys.get("GPEN-BFR-256 FullGenerator"), officialGeneratorShapes(256, 256, 1, 0.5));
    assertSameShapes(
        keys.get("GPEN-BFR-512 FullGenerator"), officialGeneratorShapes(512, 512, 2, 1));
    Map<String, long[]> golden = new LinkedHashMap<>();
    io.gpen.checkpoint.Checkpoints.read(SharedData.require("golden/gpen_sr32to64.pth"))
        .tensors()
        .forEach((k, v) -> golden.put(k, v.shape()));
    assertSameShapes(golden, officialGeneratorShapes(32, 64, 1, 0.25));
  }

  /**
   * FullGenerator_SR at the sizes of the large models (512→1024 and 1024→2048, cm 2, narrow 1) and
   * the plain 1024 and 2048 FullGenerators that GPEN-BFR-1024/2048 are: built without weights,
   * their names and shapes are the official ones, the shapes give the architecture back, and the SR
   * and plain state dicts of one output size differ (the SR encoder has a stage fewer).
   */
  @Test
  void largeModelsPlainAndSuperResolutionNamesAndShapes() {
    GpenConfig[] configs = {
      GpenConfig.of(512, 1024, 2, 1), GpenConfig.of(1024, 2048, 2, 1),
      GpenConfig.of(1024, 2, 1), GpenConfig.of(2048, 2, 1)
    };
    for (GpenConfig c : configs) {
      Map<String, long[]> expected =
          officialGeneratorShapes(c.size(), c.outSize(), c.channelMultiplier(), c.narrow());
      try (PointerScope scope = new PointerScope();
          FullGenerator g = new FullGenerator(c)) {
        assertSameKeys(expected, g);
      }
      assertEquals(c, ModelFiles.inferConfig(expected, c.describe()), c.describe());
    }
    Map<String, long[]> sr = officialGeneratorShapes(1024, 2048, 2, 1);
    Map<String, long[]> plain = officialGeneratorShapes(2048, 2048, 2, 1);
    assertTrue(plain.containsKey("ecd9.0.1.weight") && !sr.containsKey("ecd9.0.1.weight"));
    assertArrayEquals(new long[] {16, 3, 1, 1}, plain.get("ecd0.0.0.weight"), "plain 2048 ecd0");
    assertArrayEquals(new long[] {32, 3, 1, 1}, sr.get("ecd0.0.0.weight"), "SR 1024→2048 ecd0");
    // the decoders are the same
    sr.keySet().stream()
        .filter(k -> k.startsWith("generator."))
        .forEach(k -> assertArrayEquals(plain.get(k), sr.get(k), k));
  }

  @Test
  void everySizeFrom64To2048Builds() {
    for (int size = 64; size <= 2048; size *= 2) {
      GpenConfig c = GpenConfig.of(size, 2, size >= 1024 ? 0.25 : 0.5);
      try (PointerScope scope = new PointerScope();
          FullGenerator g = new FullGenerator(c)) {
        assertEquals(c.logSize() - 1, g.encoder().size());
        assertEquals(2 * (c.logSize() - 2), g.generator().convs().size());
        assertEquals(c.logSize() - 2, g.generator().toRgbs().size());
      }
    }
  }

  @Test
  void superResolutionDecoderIsBuiltAtTheOutputSize() {
    GpenConfig c = GpenConfig.of(32, 128, 1, 0.25);
    try (PointerScope scope = new PointerScope();
        FullGenerator g = new FullGenerator(c)) {
      assertEquals(4, g.encoder().size());
      assertEquals(2 * (7 - 2), g.generator().convs().size());
      assertEquals(12, c.nLatent());
    }
  }

  @Test
  void unsupportedSizesAreRefusedClearly() {
    GpenException e = assertThrows(GpenException.class, () -> GpenConfig.of(100, 1, 1));
    assertTrue(e.getMessage().contains("power of two"), e.getMessage());
    assertThrows(GpenException.class, () -> GpenConfig.of(32, 1, 1));
    assertThrows(GpenException.class, () -> GpenConfig.of(4096, 1, 1));
    assertThrows(GpenException.class, () -> GpenConfig.of(256, 1, 0.001));
    // an encoder finer than the decoder has no place in the reference's noise list
    GpenException larger = assertThrows(GpenException.class, () -> GpenConfig.of(128, 64, 1, 1));
    assertTrue(larger.getMessage().contains("to out_size 64"), larger.getMessage());
    assertThrows(GpenException.class, () -> GpenConfig.of(2, 64, 1, 1));
    GpenException out = assertThrows(GpenException.class, () -> GpenConfig.of(512, 4096, 1, 1));
    assertTrue(out.getMessage().startsWith("out_size must be"), out.getMessage());
  }
}
