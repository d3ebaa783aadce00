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
        long[] shape = dims.isEmpty() ? new long[0] : Arrays.stream(dims.split(",")).mapToLong(Long::parseLong).toArray();
        current.put(line.substring(0, sp), shape);
      }
    }
    return sections;
  }

  static void assertSameKeys(Map<String, long[]> expected, Module m) {
    Map<String, long[]> actual = new LinkedHashMap<>();
    m.stateDict().forEach((k, v) -> actual.put(k, Tensors.shape(v)));
    assertEquals(new java.util.TreeSet<>(expected.keySet()), new java.util.TreeSet<>(actual.keySet()));
    expected.forEach((k, shape) -> assertArrayEquals(shape, actual.get(k), k));
  }

  static void assertArrayEquals(long[] a, long[] b, String what) {
    assertTrue(Arrays.equals(a, b), what + ": expected " + Arrays.toString(a) + ", got " + Arrays.toString(b));
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
  void unsupportedSizesAreRefusedClearly() {
    GpenException e = assertThrows(GpenException.class, () -> GpenConfig.of(100, 1, 1));
    assertTrue(e.getMessage().contains("power of two"), e.getMessage());
    assertThrows(GpenException.class, () -> GpenConfig.of(32, 1, 1));
    assertThrows(GpenException.class, () -> GpenConfig.of(4096, 1, 1));
    assertThrows(GpenException.class, () -> GpenConfig.of(256, 1, 0.001));
  }
}
