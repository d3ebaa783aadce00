package io.gpen.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.gpen.image.Image;
import io.gpen.image.Images;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticFacesTest {
  @TempDir Path dir;

  @Test
  void sameSeedSameImagesOtherSeedOtherImages() throws IOException {
    List<Path> a = SyntheticFaces.write(dir.resolve("a"), 3, 96, 7);
    List<Path> b = SyntheticFaces.write(dir.resolve("b"), 3, 96, 7);
    List<Path> c = SyntheticFaces.write(dir.resolve("c"), 3, 96, 8);
    assertEquals(3, a.size());
    for (int i = 0; i < 3; i++) {
      assertArrayEquals(Files.readAllBytes(a.get(i)), Files.readAllBytes(b.get(i)));
      assertFalse(Arrays.equals(Files.readAllBytes(a.get(i)), Files.readAllBytes(c.get(i))));
      try (Image im = Images.read(a.get(i))) {
        assertEquals(96, im.width());
        assertEquals(96, im.height());
      }
    }
    assertFalse(
        Arrays.equals(Files.readAllBytes(a.get(0)), Files.readAllBytes(a.get(1))), "faces differ");
  }
}
