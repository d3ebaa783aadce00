package io.gpen.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import io.gpen.image.ModelIo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FaceLoaderTest {
  private static final int SIZE = 64;

  @TempDir static Path root;

  /** Seven readable images, two of them in a subfolder, one of them a JPEG. */
  private static Path faces;

  @BeforeAll
  static void makeFolder() throws IOException {
    faces = TestFaces.folder(root.resolve("faces"), 5);
    TestFaces.draw(faces.resolve("sub/extra-a.jpg"), 90, 70, 11);
    TestFaces.draw(faces.resolve("sub/extra-b.png"), 70, 90, 12);
  }

  private static FaceLoader.Builder loader() {
    return FaceLoader.builder(faces, SIZE).warnings(m -> {});
  }

  private static List<Batch> take(FaceLoader loader, int n) {
    List<Batch> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(loader.next());
    }
    return out;
  }

  @Test
  void shardsOfTwoWorkersAreTheHalvesOfTheGlobalBatchFromAnyStart() {
    // 7 images, global batch 2: 3 batches an epoch, so batch 4 is in the second epoch
    for (long start : new long[] {0, 2}) {
      List<Batch> whole;
      try (FaceLoader l = loader().batchSize(2).seed(5).startAt(start).build()) {
        whole = take(l, 3);
      }
      int plane = 3 * SIZE * SIZE;
      for (int shard = 0; shard < 2; shard++) {
        try (FaceLoader l = loader().batchSize(1).seed(5).startAt(start).shard(shard, 2).build()) {
          assertEquals(3, l.batchesPerEpoch());
          for (Batch w : whole) {
            Batch b = l.next();
            assertEquals(w.index(), b.index());
            assertEquals(w.epoch(), b.epoch());
            assertEquals(List.of(w.names().get(shard)), b.names());
            assertArrayEquals(
                Arrays.copyOfRange(w.lq(), shard * plane, (shard + 1) * plane), b.lq());
            assertArrayEquals(
                Arrays.copyOfRange(w.gt(), shard * plane, (shard + 1) * plane), b.gt());
          }
        }
      }
    }
    GpenException tooFew =
        assertThrows(GpenException.class, () -> loader().batchSize(4).shard(1, 2).build());
    assertTrue(
        tooFew.getMessage().endsWith("fewer than the batch size 8 (2 workers × 4)"),
        tooFew.getMessage());
  }

  private static void assertSameBatches(List<Batch> a, List<Batch> b) {
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i).index(), b.get(i).index());
      assertEquals(a.get(i).epoch(), b.get(i).epoch());
      assertEquals(a.get(i).names(), b.get(i).names());
      assertArrayEquals(a.get(i).lq(), b.get(i).lq(), "lq of batch " + i);
      assertArrayEquals(a.get(i).gt(), b.get(i).gt(), "gt of batch " + i);
    }
  }

  @Test
  void batchesDoNotDependOnTheNumberOfThreads() {
    List<Batch> one;
    List<Batch> two;
    try (FaceLoader l = loader().batchSize(2).seed(7).threads(1).build()) {
      one = take(l, 5);
    }
    try (FaceLoader l = loader().batchSize(2).seed(7).threads(2).prefetch(3).build()) {
      two = take(l, 5);
    }
    assertSameBatches(one, two);
    assertEquals(2 * 3 * SIZE * SIZE, one.get(0).lq().length);
    assertFalse(Arrays.equals(one.get(0).lq(), one.get(0).gt()), "lq is degraded");

    try (FaceLoader l = loader().batchSize(2).seed(8).threads(2).build()) {
      List<Batch> other = take(l, 5);
      boolean differs = false;
      for (int i = 0; i < 5; i++) {
        differs |= !Arrays.equals(one.get(i).lq(), other.get(i).lq());
      }
      assertTrue(differs, "another seed gives other batches");
    }
  }

  @Test
  void backgroundThreadsDoTheWorkAndStopOnClose() throws InterruptedException {
    FaceLoader loader = loader().batchSize(2).threads(2).build();
    take(loader, 3);
    List<Thread> workers = workers();
    Set<String> names = new HashSet<>();
    workers.forEach(t -> names.add(t.getName()));
    assertEquals(Set.of("gpen-data-1", "gpen-data-2"), names);
    loader.close();
    for (Thread t : workers) {
      // close() waits for the tasks; the threads themselves exit just after
      t.join(5000);
      assertFalse(t.isAlive(), t.getName() + " still running after close");
    }
    assertThrows(IllegalStateException.class, loader::next);
  }

  private static List<Thread> workers() {
    List<Thread> out = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("gpen-data-") && t.isAlive()) {
        out.add(t);
      }
    }
    return out;
  }

  @Test
  void epochsAreDeterministicShufflesAndDropTheRemainder() {
    try (FaceLoader l = loader().batchSize(1).seed(3).threads(2).build()) {
      assertEquals(7, l.batchesPerEpoch());
      List<String> first = new ArrayList<>();
      List<String> second = new ArrayList<>();
      for (int i = 0; i < 14; i++) {
        Batch b = l.next();
        assertEquals(i, b.index());
        assertEquals(i / 7, b.epoch());
        (i < 7 ? first : second).add(b.names().get(0));
      }
      List<String> sorted = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        sorted.add(l.dataset().name(i));
      }
      assertEquals(new HashSet<>(sorted), new HashSet<>(first), "every file once per epoch");
      assertEquals(new HashSet<>(sorted), new HashSet<>(second));
      assertNotEquals(first, second, "each epoch has its own order");
      assertNotEquals(sorted, first, "shuffled");
      assertTrue(sorted.contains("sub/extra-a.jpg"), "subfolders are searched: " + sorted);
    }
    try (FaceLoader l = loader().batchSize(3).seed(3).build()) {
      assertEquals(2, l.batchesPerEpoch(), "7 // 3, the last image of each epoch dropped");
      List<Batch> b = take(l, 3);
      assertEquals(List.of(0L, 0L, 1L), b.stream().map(Batch::epoch).toList());
      assertEquals(3, b.get(2).count());
    }
  }

  @Test
  void startingAtAnIterationGivesTheBatchesOfAnUninterruptedRun() {
    List<Batch> whole;
    try (FaceLoader l = loader().batchSize(2).seed(5).build()) {
      whole = take(l, 8);
    }
    try (FaceLoader l = loader().batchSize(2).seed(5).threads(1).startAt(4).build()) {
      assertEquals(4, l.iteration());
      List<Batch> resumed = take(l, 4);
      assertEquals(8, l.iteration());
      // 3 batches per epoch: batches 4..7 span epochs 1 and 2
      assertSameBatches(whole.subList(4, 8), resumed);
    }
  }

  @Test
  void evaluationIsOneSortedPassDegradedWithSeedEpochZeroAndTheFileIndex() {
    try (FaceLoader l = loader().evaluation().batchSize(3).seed(100).build()) {
      List<Batch> all = new ArrayList<>();
      while (l.hasNext()) {
        all.add(l.next());
      }
      assertThrows(NoSuchElementException.class, l::next);
      assertEquals(List.of(3, 3, 1), all.stream().map(Batch::count).toList());
      List<String> names = all.stream().flatMap(b -> b.names().stream()).toList();
      List<String> sorted = new ArrayList<>(names);
      sorted.sort(null);
      assertEquals(sorted, names);

      Degradation degradation = new Degradation(DegradationConfig.REFERENCE);
      FaceDataset data = l.dataset();
      int plane = 3 * SIZE * SIZE;
      for (int i : new int[] {0, 4, 6}) {
        Batch b = all.get(i / 3);
        try (Mat hq8 = data.read(i);
            Mat hq = Degradation.toFloat(hq8);
            Degradation.Pair pair = degradation.apply(hq, degradation.draw(100, 0, i))) {
          assertArrayEquals(
              FaceLoader.toModelLayout(pair.lq()),
              Arrays.copyOfRange(b.lq(), (i % 3) * plane, (i % 3 + 1) * plane));
          assertArrayEquals(
              FaceLoader.toModelLayout(pair.gt()),
              Arrays.copyOfRange(b.gt(), (i % 3) * plane, (i % 3 + 1) * plane));
        }
      }
    }
  }

  @Test
  void undegradedImagesAreTheModelInputOfTheAreaResizedFile() {
    try (FaceLoader l = loader().evaluation().noDegradation().batchSize(7).build()) {
      Batch b = l.next();
      assertSame(b.lq(), b.gt());
      int plane = 3 * SIZE * SIZE;
      for (int i = 0; i < 7; i++) {
        try (Mat hq8 = l.dataset().read(i)) {
          assertArrayEquals(
              ModelIo.toModelInput(hq8, SIZE),
              Arrays.copyOfRange(b.gt(), i * plane, (i + 1) * plane),
              "RGB planes in [-1, 1]");
        }
      }
      assertFalse(l.hasNext());
    }
  }

  @Test
  void unreadableFilesAreSkippedAndReportedOncePerFile() throws IOException {
    Path mixed = TestFaces.folder(root.resolve("mixed"), 4);
    Files.write(mixed.resolve("broken.png"), new byte[] {1, 2, 3, 4, 5});
    Files.write(mixed.resolve("empty.jpg"), new byte[0]);
    List<String> warnings = new CopyOnWriteArrayList<>();

    try (FaceLoader l =
        FaceLoader.builder(mixed, SIZE).evaluation().batchSize(4).warnings(warnings::add).build()) {
      Batch b = l.next();
      assertFalse(l.hasNext());
      assertEquals(4, b.count());
      assertFalse(b.names().contains("broken.png") || b.names().contains("empty.jpg"));
      assertEquals(2, l.skipped());
      assertEquals(2, warnings.size(), warnings.toString());
    }

    warnings.clear();
    try (FaceLoader l =
        FaceLoader.builder(mixed, SIZE).batchSize(2).threads(2).warnings(warnings::add).build()) {
      for (Batch b : take(l, 12)) {
        assertEquals(2, b.count(), "substitutes keep batches full");
        assertFalse(b.names().contains("broken.png") || b.names().contains("empty.jpg"));
      }
      assertEquals(2, l.skipped());
      assertEquals(2, warnings.size(), "once per file over four epochs: " + warnings);
      assertTrue(warnings.stream().anyMatch(w -> w.contains("broken.png")), warnings.toString());
      assertTrue(warnings.stream().anyMatch(w -> w.contains("empty.jpg")), warnings.toString());
    }
  }

  @Test
  void folderProblemsAreNamed() throws IOException {
    Path missing = root.resolve("no-such-folder");
    GpenException e =
        assertThrows(GpenException.class, () -> FaceLoader.builder(missing, SIZE).build());
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());

    Path empty = Files.createDirectories(root.resolve("empty"));
    Files.writeString(empty.resolve("notes.txt"), "no images here");
    e = assertThrows(GpenException.class, () -> FaceLoader.builder(empty, SIZE).build());
    assertTrue(e.getMessage().contains(empty.toString()), e.getMessage());

    e = assertThrows(GpenException.class, () -> loader().batchSize(8).build());
    assertTrue(e.getMessage().contains("fewer than the batch size 8"), e.getMessage());

    Path garbage = Files.createDirectories(root.resolve("garbage"));
    Files.write(garbage.resolve("a.png"), new byte[] {9, 9, 9});
    Files.write(garbage.resolve("b.jpg"), new byte[] {7});
    try (FaceLoader l = FaceLoader.builder(garbage, SIZE).warnings(m -> {}).build()) {
      e = assertThrows(GpenException.class, l::next);
      assertTrue(e.getMessage().startsWith("no readable image in " + garbage), e.getMessage());
    }
  }
}
