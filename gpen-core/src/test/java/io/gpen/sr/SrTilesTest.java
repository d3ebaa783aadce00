package io.gpen.sr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.sr.SrTiles.Tile;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tile arithmetic, against the reference's {@code tile_process} formulas; no natives. */
class SrTilesTest {
  static final int PAD = RealEsrNet.TILE_PAD;

  /**
   * The reference's tiles, verbatim: cores of tile_size, padded by tile_pad, clipped at the image.
   */
  static List<Tile> reference(int width, int height, int tileSize, int pad) {
    List<Tile> out = new ArrayList<>();
    int tilesX = (int) Math.ceil(width / (double) tileSize);
    int tilesY = (int) Math.ceil(height / (double) tileSize);
    for (int y = 0; y < tilesY; y++) {
      for (int x = 0; x < tilesX; x++) {
        int sx = x * tileSize;
        int sy = y * tileSize;
        int ex = Math.min(sx + tileSize, width);
        int ey = Math.min(sy + tileSize, height);
        out.add(
            new Tile(
                sx,
                sy,
                ex,
                ey,
                Math.max(sx - pad, 0),
                Math.max(sy - pad, 0),
                Math.min(ex + pad, width),
                Math.min(ey + pad, height)));
      }
    }
    return out;
  }

  @Test
  void coresPartitionTheImageAndPaddedTilesHoldTheirContextOnTheUnshuffleGrid() {
    int[][] cases = {
      {40, 24, 16, 4},
      {40, 24, 7, 1},
      {38, 26, 9, 2},
      {100, 60, 100, 4},
      {64, 64, 1, 4},
      {12, 8, 5, 4}
    };
    for (int[] c : cases) {
      int w = c[0];
      int h = c[1];
      int align = c[3];
      int[] covered = new int[w * h];
      for (Tile t : SrTiles.plan(w, h, c[2], PAD, align)) {
        for (int y = t.y0(); y < t.y1(); y++) {
          for (int x = t.x0(); x < t.x1(); x++) {
            covered[y * w + x]++;
          }
        }
        String what = java.util.Arrays.toString(c) + " " + t;
        assertTrue(t.px0() >= 0 && t.py0() >= 0 && t.px1() <= w && t.py1() <= h, what);
        assertTrue(
            t.px0() <= Math.max(t.x0() - PAD, 0) && t.py0() <= Math.max(t.y0() - PAD, 0), what);
        assertTrue(
            t.px1() >= Math.min(t.x1() + PAD, w) && t.py1() >= Math.min(t.y1() + PAD, h), what);
        assertEquals(0, t.px0() % align, what);
        assertEquals(0, t.py0() % align, what);
        assertEquals(0, t.paddedWidth() % align, what);
        assertEquals(0, t.paddedHeight() % align, what);
      }
      for (int n : covered) {
        assertEquals(1, n, "every pixel in exactly one core: " + java.util.Arrays.toString(c));
      }
    }
  }

  /** At ×4 (no unshuffle) and at ×2 with even tiles, the tiles are exactly the reference's. */
  @Test
  void tilesAreTheReferencesWhereThoseAreOnTheGrid() {
    for (int tile : new int[] {1, 7, 16, 33, 100}) {
      assertEquals(
          reference(97, 61, tile, PAD), SrTiles.plan(97, 61, tile, PAD, 1), "x4 tile " + tile);
    }
    for (int tile : new int[] {2, 16, 34, 100}) {
      assertEquals(
          reference(98, 62, tile, PAD), SrTiles.plan(98, 62, tile, PAD, 2), "x2 tile " + tile);
    }
  }

  /**
   * The reference at ×1: a multiple of 4 as tile size gives padded sides of 4k + 2, which its
   * pixel_unshuffle(4) rejects (the photo then gets no super-resolution); here they are widened.
   */
  @Test
  void theReferencesTilesAtX1DoNotDivideByFourAndOursDo() {
    List<Tile> ref = reference(40, 24, 16, PAD);
    assertTrue(
        ref.stream().anyMatch(t -> t.paddedWidth() % 4 != 0 || t.paddedHeight() % 4 != 0),
        ref.toString());
    assertEquals(26, ref.get(0).paddedWidth());
    Tile first = SrTiles.plan(40, 24, 16, PAD, 4).get(0);
    assertEquals(new Tile(0, 0, 16, 16, 0, 0, 28, 24), first);
  }

  /** What the network sees is bounded by the tile, whatever the photo's size. */
  @Test
  void paddedTilesAreBoundedByTheTileNotTheImage() {
    for (int align : new int[] {1, 2, 4}) {
      List<Tile> tiles = SrTiles.plan(12000, 9000, 400, PAD, align);
      assertEquals(30 * 23, tiles.size());
      int bound = SrTiles.maxPaddedSide(400, PAD, align);
      assertTrue(bound <= 426);
      for (Tile t : tiles) {
        assertTrue(t.paddedWidth() <= bound && t.paddedHeight() <= bound, t.toString());
      }
    }
  }

  @Test
  void tileSizeZeroIsOneTileOfTheWholeImage() {
    assertEquals(List.of(new Tile(0, 0, 40, 24, 0, 0, 40, 24)), SrTiles.plan(40, 24, 0, PAD, 4));
    assertThrows(IllegalArgumentException.class, () -> SrTiles.plan(41, 24, 0, PAD, 4));
    assertThrows(IllegalArgumentException.class, () -> SrTiles.plan(40, 24, -1, PAD, 1));
  }
}
