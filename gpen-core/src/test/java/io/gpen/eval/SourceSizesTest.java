package io.gpen.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.gpen.data.FaceDataset;
import io.gpen.data.TestFaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Images not of the model size are counted from their headers, in every listed format. */
class SourceSizesTest {
  @TempDir Path dir;

  @Test
  void countsTheImagesThatGetResized() throws IOException {
    TestFaces.draw(dir.resolve("a.png"), 64, 64, 1);
    TestFaces.draw(dir.resolve("b.jpg"), 80, 64, 2);
    TestFaces.draw(dir.resolve("sub/c.webp"), 64, 64, 3);
    TestFaces.draw(dir.resolve("d.webp"), 64, 48, 4);
    TestFaces.draw(dir.resolve("e.tif"), 64, 64, 5);
    TestFaces.draw(dir.resolve("f.bmp"), 32, 32, 6);
    Files.writeString(dir.resolve("g.png"), "not an image");
    assertArrayEquals(new long[] {80, 64}, SourceSizes.dimensions(dir.resolve("b.jpg")));
    assertArrayEquals(new long[] {64, 48}, SourceSizes.dimensions(dir.resolve("d.webp")));
    assertNull(SourceSizes.dimensions(dir.resolve("g.png")));
    assertEquals(3, SourceSizes.countResized(FaceDataset.open(dir, 64)), "b.jpg, d.webp, f.bmp");
    assertEquals(
        5, SourceSizes.countResized(FaceDataset.open(dir, 32)), "the readable ones but f.bmp");
  }
}
