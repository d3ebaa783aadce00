package io.gpen.sr;

import java.util.ArrayList;
import java.util.List;

/**
 * How {@link RealEsrNet} cuts an image into tiles: the arithmetic of the reference's {@code
 * RealESRNet.tile_process}. The image is cut into a grid of {@code tileSize}×{@code tileSize} cores
 * (the last row and column shorter), {@code ceil(width / tileSize)} by {@code ceil(height /
 * tileSize)}; each core is run with up to {@code pad} pixels of context on every side (clipped at
 * the image edges), and only the core of each result is kept. The cores partition the image, so
 * every output pixel comes from exactly one tile.
 *
 * <p>One change to the reference, where the reference fails: for ×2 and ×1 the network
 * pixel-unshuffles its input by 2 or 4, which needs both sides of a padded tile to divide by that.
 * The reference's padded tiles often do not (at ×1 any tile size that is a multiple of 4 gives
 * padded sides of the form 4k + 2; its {@code pixel_unshuffle} assertion then fails and the photo
 * is left without super-resolution). Here the context is widened outward to the unshuffle grid: the
 * padded start is rounded down and the padded end up to a multiple of {@code align} (the image
 * sides are multiples of it already, having been reflect-padded). Wherever the reference's padded
 * tiles are on that grid (every tile at ×4, even tile sizes at ×2) the tiles are exactly the
 * reference's, and the tiles are then also on the same unshuffle grid as the whole image.
 */
final class SrTiles {
  private SrTiles() {}

  /**
   * One tile: its core [{@code x0}, {@code x1}) × [{@code y0}, {@code y1}) and the padded region
   * [{@code px0}, {@code px1}) × [{@code py0}, {@code py1}) the network sees, in input pixels.
   */
  record Tile(int x0, int y0, int x1, int y1, int px0, int py0, int px1, int py1) {
    int paddedWidth() {
      return px1 - px0;
    }

    int paddedHeight() {
      return py1 - py0;
    }
  }

  /**
   * The tiles of a {@code width}×{@code height} image, row by row.
   *
   * @param tileSize the core side; 0 for one tile of the whole image (the reference's untiled run)
   * @param pad the context on each side ({@code tile_pad}, 10 in the reference)
   * @param align the unshuffle side (1, 2 or 4); {@code width} and {@code height} must divide by it
   */
  static List<Tile> plan(int width, int height, int tileSize, int pad, int align) {
    if (width < 1 || height < 1 || tileSize < 0 || pad < 0 || align < 1) {
      throw new IllegalArgumentException(
          "bad tiling: "
              + width
              + "x"
              + height
              + ", tile "
              + tileSize
              + ", pad "
              + pad
              + ", align "
              + align);
    }
    if (width % align != 0 || height % align != 0) {
      throw new IllegalArgumentException(width + "x" + height + " is not a multiple of " + align);
    }
    if (tileSize == 0) {
      return List.of(new Tile(0, 0, width, height, 0, 0, width, height));
    }
    int tilesX = ceilDiv(width, tileSize);
    int tilesY = ceilDiv(height, tileSize);
    List<Tile> tiles = new ArrayList<>(tilesX * tilesY);
    for (int ty = 0; ty < tilesY; ty++) {
      for (int tx = 0; tx < tilesX; tx++) {
        int x0 = tx * tileSize;
        int y0 = ty * tileSize;
        int x1 = Math.min(x0 + tileSize, width);
        int y1 = Math.min(y0 + tileSize, height);
        int px0 = floorTo(Math.max(x0 - pad, 0), align);
        int py0 = floorTo(Math.max(y0 - pad, 0), align);
        int px1 = Math.min(ceilTo(Math.min(x1 + pad, width), align), width);
        int py1 = Math.min(ceilTo(Math.min(y1 + pad, height), align), height);
        tiles.add(new Tile(x0, y0, x1, y1, px0, py0, px1, py1));
      }
    }
    return tiles;
  }

  /**
   * The largest padded side any tile can have: {@code tileSize + 2·pad}, plus up to {@code align −
   * 1} on each side for the grid; independent of the image size.
   */
  static int maxPaddedSide(int tileSize, int pad, int align) {
    return tileSize + 2 * pad + 2 * (align - 1);
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  private static int floorTo(int v, int m) {
    return v / m * m;
  }

  private static int ceilTo(int v, int m) {
    return ceilDiv(v, m) * m;
  }
}
