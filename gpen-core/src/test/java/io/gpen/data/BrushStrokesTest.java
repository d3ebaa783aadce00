package io.gpen.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

/**
 * The demo's brush strokes: NumPy's legacy draws number for number (values printed by NumPy 2.4
 * running the demo's {@code brush_stroke_mask} geometry after {@code np.random.seed}), the stated
 * ranges, and the mask they paint.
 */
class BrushStrokesTest {
  @Test
  void theGeneratorDrawsWhatNumpysLegacyGlobalGeneratorDraws() {
    // np.random.seed(5489); np.random.randint(0, 2**32, dtype=np.uint64) gives MT19937's first
    // output
    assertEquals(3499211612L, new NumpyRandom(5489).nextInt32() & 0xffffffffL);
    NumpyRandom r = new NumpyRandom(42);
    long[] ints = new long[8];
    for (int i = 0; i < ints.length; i++) {
      ints[i] = r.randint(1, 4);
    }
    assertArrayEquals(new long[] {3, 1, 3, 3, 1, 1, 3, 2}, ints);
    assertEquals(0.15599452033620265, r.uniform(0, 1));
    assertEquals(0.05808361216819946, r.uniform(0, 1));
    assertEquals(0.8661761457749352, r.uniform(0, 1));
    assertEquals(13.158425631014783, r.normal(10, 2), 1e-12);
    assertEquals(11.534869458305817, r.normal(10, 2), 1e-12);
    assertEquals(9.061051228130095, r.normal(10, 2), 1e-12);
    assertEquals(191, r.randint(0, 1000));
    assertThrows(IllegalArgumentException.class, () -> new NumpyRandom(-1));
    assertThrows(IllegalArgumentException.class, () -> new NumpyRandom(1L << 32));
  }

  /** Sum over the points of (position + 1)·(1000·x + y), as the NumPy script printed it. */
  static long digest(List<BrushStrokes.Stroke> strokes) {
    long sum = 0;
    for (BrushStrokes.Stroke s : strokes) {
      for (int i = 0; i < s.xs().length; i++) {
        sum += (i + 1) * (1000L * s.xs()[i] + s.ys()[i]);
      }
    }
    return sum;
  }

  @Test
  void theStrokesAreTheDemosAfterNumpysSeed() {
    BrushStrokes seed0 = new BrushStrokes(0);
    List<BrushStrokes.Stroke> first = seed0.next(256, 256);
    assertEquals(1, first.size());
    assertEquals(41, first.get(0).width());
    assertEquals(23, first.get(0).vertices());
    assertEquals(9, first.get(0).xs()[0]);
    assertEquals(185, first.get(0).ys()[0]);
    assertEquals(256, first.get(0).xs()[23]);
    assertEquals(144, first.get(0).ys()[23]);
    assertEquals(60362687L, digest(first));
    List<BrushStrokes.Stroke> second = seed0.next(256, 256);
    assertEquals(47, second.get(0).width());
    assertEquals(29071615L, digest(second));

    BrushStrokes seed2024 = new BrushStrokes(2024);
    BrushStrokes.Stroke only = seed2024.next(256, 256).get(0);
    assertEquals(29, only.width());
    assertArrayEquals(new int[] {110, 111, 113, 113, 120, 137, 144, 152, 170}, only.xs());
    assertArrayEquals(new int[] {95, 81, 114, 114, 155, 86, 120, 107, 137}, only.ys());
    List<BrushStrokes.Stroke> three = seed2024.next(256, 256);
    assertEquals(List.of(13, 38, 79), three.stream().map(BrushStrokes.Stroke::width).toList());
    assertEquals(List.of(16, 8, 23), three.stream().map(BrushStrokes.Stroke::vertices).toList());
    assertEquals(112280646L, digest(three));

    // not square: x follows the width (160), y the height (100)
    BrushStrokes seed11 = new BrushStrokes(11);
    assertEquals(60175648L, digest(seed11.next(160, 100)));
    assertEquals(62044299L, digest(seed11.next(160, 100)));
    assertEquals(60001562L, digest(seed11.next(160, 100)));
  }

  @Test
  void everyDrawIsWithinTheStatedRangesAndReachesTheirEnds() {
    int minStrokes = Integer.MAX_VALUE,
        maxStrokes = 0,
        minVertices = Integer.MAX_VALUE,
        maxVertices = 0;
    int minWidth = Integer.MAX_VALUE, maxWidth = 0;
    for (long seed = 0; seed < 200; seed++) {
      List<BrushStrokes.Stroke> strokes = new BrushStrokes(seed).next(120, 90);
      minStrokes = Math.min(minStrokes, strokes.size());
      maxStrokes = Math.max(maxStrokes, strokes.size());
      for (BrushStrokes.Stroke s : strokes) {
        minVertices = Math.min(minVertices, s.vertices());
        maxVertices = Math.max(maxVertices, s.vertices());
        minWidth = Math.min(minWidth, s.width());
        maxWidth = Math.max(maxWidth, s.width());
        assertEquals(s.xs().length, s.ys().length);
        for (int i = 0; i < s.xs().length; i++) {
          assertTrue(s.xs()[i] >= 0 && s.xs()[i] <= 120, "x " + s.xs()[i]);
          assertTrue(s.ys()[i] >= 0 && s.ys()[i] <= 90, "y " + s.ys()[i]);
        }
      }
    }
    assertEquals(List.of(1, 3), List.of(minStrokes, maxStrokes));
    assertEquals(List.of(8, 27), List.of(minVertices, maxVertices));
    assertEquals(List.of(12, 79), List.of(minWidth, maxWidth));
  }

  @Test
  void theMaskIsBinaryCoversEveryVertexAndFollowsTheSeed() {
    List<BrushStrokes.Stroke> strokes = new BrushStrokes(7).next(96, 80);
    try (Mat mask = BrushStrokes.mask(strokes, 96, 80);
        Mat again = BrushStrokes.mask(new BrushStrokes(7).next(96, 80), 96, 80);
        Mat other = BrushStrokes.mask(new BrushStrokes(8).next(96, 80), 96, 80);
        Mat diff = new Mat()) {
      assertEquals(96, mask.cols());
      assertEquals(80, mask.rows());
      opencv_core.absdiff(mask, again, diff);
      assertEquals(0, opencv_core.countNonZero(diff), "one seed, one mask");
      opencv_core.absdiff(mask, other, diff);
      assertNotEquals(0, opencv_core.countNonZero(diff), "another seed, another mask");
      int set = opencv_core.countNonZero(mask);
      assertTrue(set > 0 && set < 96 * 80, "strokes cover part of the image: " + set);
      try (UByteIndexer ix = mask.createIndexer()) {
        for (int y = 0; y < 80; y++) {
          for (int x = 0; x < 96; x++) {
            int v = ix.get(y, x);
            assertTrue(v == 0 || v == 255, "binary mask");
          }
        }
        for (BrushStrokes.Stroke s : strokes) {
          for (int i = 0; i < s.xs().length; i++) {
            if (s.xs()[i] < 96 && s.ys()[i] < 80) {
              assertEquals(255, ix.get(s.ys()[i], s.xs()[i]), "vertex " + i);
            }
          }
        }
      }
    }
  }
}
