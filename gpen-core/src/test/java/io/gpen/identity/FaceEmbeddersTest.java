package io.gpen.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import io.gpen.SharedData;
import io.gpen.checkpoint.Checkpoints;
import io.gpen.checkpoint.Safetensors;
import io.gpen.checkpoint.StateDict;
import io.gpen.checkpoint.TensorData;
import io.gpen.nn.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The identity crop, the cosine similarity and the loader's recognition and errors. */
class FaceEmbeddersTest {
  /** [1, 1, n, n] holding 1000·row + column, to read back where a crop came from. */
  static Tensor coordinates(int n) {
    float[] v = new float[n * n];
    for (int r = 0; r < n; r++) {
      for (int c = 0; c < n; c++) {
        v[r * n + c] = 1000f * r + c;
      }
    }
    return Tensors.fromFloats(v, 1, 1, n, n);
  }

  /**
   * The crop of an n×n image: top-left and bottom-right outputs average the first and last pooling
   * windows of the region [top, n - bottom) × [left, n - right).
   */
  static void assertCrop(int n, int top, int bottom, int left, int right) {
    try (PointerScope scope = new PointerScope()) {
      Tensor out = FaceEmbedders.crop(coordinates(n));
      assertArrayEquals(new long[] {1, 1, 112, 112}, Tensors.shape(out));
      float[] v = Tensors.toFloats(out);
      int rows = n - top - bottom;
      int cols = n - left - right;
      // adaptive pooling: window i covers [floor(i·in/112), ceil((i+1)·in/112))
      double firstRow = mean(top, top + (int) Math.ceil(rows / 112.0));
      double firstCol = mean(left, left + (int) Math.ceil(cols / 112.0));
      double lastRow = mean(top + (int) Math.floor(111.0 * rows / 112), top + rows);
      double lastCol = mean(left + (int) Math.floor(111.0 * cols / 112), left + cols);
      assertEquals(1000 * firstRow + firstCol, v[0], 1e-2, "top-left at " + n);
      assertEquals(1000 * lastRow + lastCol, v[v.length - 1], 1e-2, "bottom-right at " + n);
    }
  }

  /** Mean of the integers in [from, to). */
  static double mean(int from, int to) {
    return (from + to - 1) / 2.0;
  }

  @Test
  void cropIsTheReferenceRegionFrom256Up() {
    assertCrop(256, 35, 33, 32, 36);
    assertCrop(512, 70, 66, 64, 72);
  }

  @Test
  void cropBelow256ScalesTheOffsetsInsteadOfTheReferenceEmptySlice() {
    // 35, 33, 32, 36 times 64/256 = 8.75, 8.25, 8, 9, rounded
    assertCrop(64, 9, 8, 8, 9);
    assertCrop(128, 18, 17, 16, 18);
  }

  @Test
  void cropShapes() {
    try (PointerScope scope = new PointerScope()) {
      for (int n : new int[] {64, 256, 512}) {
        assertArrayEquals(
            new long[] {2, 3, 112, 112},
            Tensors.shape(FaceEmbedders.crop(torch.zeros(2, 3, n, n))));
      }
      assertThrows(
          IllegalArgumentException.class, () -> FaceEmbedders.crop(torch.zeros(3, 64, 64)));
    }
  }

  @Test
  void cosineSimilarityPerPair() {
    try (PointerScope scope = new PointerScope()) {
      Tensor a = Tensors.fromFloats(new float[] {1, 0, 1, 1, 3, 4}, 3, 2);
      Tensor b = Tensors.fromFloats(new float[] {0, 1, 2, 2, -3, -4}, 3, 2);
      assertArrayEquals(
          new float[] {0, 1, -1}, Tensors.toFloats(FaceEmbedders.cosineSimilarity(a, b)), 1e-6f);
      assertThrows(
          IllegalArgumentException.class,
          () -> FaceEmbedders.cosineSimilarity(a, b.narrow(0, 0, 2)));
    }
  }

  @Test
  void aGeneratorIsNotAFaceEmbedder() {
    Path gpen = SharedData.require("golden/gpen64.pth");
    GpenException e = assertThrows(GpenException.class, () -> FaceEmbedders.load(gpen));
    assertOneLine(e);
    assertTrue(e.getMessage().contains(gpen.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("is not a face embedding network"), e.getMessage());
    assertTrue(
        e.getMessage().contains("ArcFace IR-SE50") && e.getMessage().contains("MobileFaceNet"),
        e.getMessage());
  }

  @Test
  void aTruncatedFileFailsNamingIt(@TempDir Path dir) throws IOException {
    byte[] bytes = Files.readAllBytes(SharedData.require("models/mobilefacenet.pt"));
    Path cut = dir.resolve("mobilefacenet.pt");
    Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
    GpenException e = assertThrows(GpenException.class, () -> FaceEmbedders.load(cut));
    assertOneLine(e);
    assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
  }

  @Test
  void aMismatchedStateDictFailsListingTheDifferences(@TempDir Path dir) {
    StateDict real = Checkpoints.read(SharedData.require("models/mobilefacenet.pt"));
    Map<String, TensorData> tensors = new LinkedHashMap<>(real.tensors());
    tensors.remove("conv3.bias");
    tensors.put(
        "features.3.conv.2.weight",
        TensorData.ofFloats(new long[] {64, 64, 1, 1}, new float[64 * 64]));
    Path file = dir.resolve("broken.safetensors");
    Safetensors.write(file, tensors, Map.of());
    GpenException e = assertThrows(GpenException.class, () -> FaceEmbedders.load(file));
    assertOneLine(e);
    String m = e.getMessage();
    assertTrue(m.contains(file.toString()) && m.contains("MobileFaceNet"), m);
    assertTrue(m.contains("missing [conv3.bias]"), m);
    assertTrue(
        m.contains("features.3.conv.2.weight (file [64, 64, 1, 1], model [64, 128, 1, 1])"), m);
  }

  @Test
  void batchCountersMayBeAbsent(@TempDir Path dir) {
    Path real = SharedData.require("models/mobilefacenet.pt");
    Map<String, TensorData> tensors = new LinkedHashMap<>(Checkpoints.read(real).tensors());
    assertTrue(tensors.keySet().removeIf(k -> k.endsWith(".num_batches_tracked")));
    Path file = dir.resolve("no-counters.safetensors");
    Safetensors.write(file, tensors, Map.of());
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard();
        FaceEmbedder a = FaceEmbedders.load(real);
        FaceEmbedder b = FaceEmbedders.load(file)) {
      Tensor face =
          torch
              .rand(2, 3, 112, 112)
              .mul(new org.bytedeco.pytorch.Scalar(2))
              .sub(new org.bytedeco.pytorch.Scalar(1));
      assertEquals(0.0, Tensors.maxAbsDiff(a.embed(face), b.embed(face)));
    }
  }

  static void assertOneLine(GpenException e) {
    assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
  }
}
