package io.gpen.train.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import io.gpen.nn.Tensors;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** Two ranks of a {@link GlooGroup} as two threads of this JVM over a TCPStore on 127.0.0.1. */
class GlooGroupTest {
  @Test
  void averagesInBucketsGathersAndBroadcasts() throws Exception {
    int port = DataParallelTest.freePort();
    List<CompletableFuture<float[][]>> ranks =
        List.of(0, 1).stream()
            .map(
                rank ->
                    CompletableFuture.supplyAsync(
                        () -> {
                          try (GlooGroup g =
                                  GlooGroup.connect(
                                      "127.0.0.1", port, rank, 2, Duration.ofSeconds(30));
                              PointerScope scope = new PointerScope()) {
                            // more than one bucket: 7M + 7M floats > 25 MB
                            int big = 7 << 20;
                            Tensor a = Tensors.fromFloats(filled(big, rank + 1), big);
                            Tensor b = Tensors.fromFloats(filled(big, 10 * (rank + 1)), big);
                            Tensor c = Tensors.fromFloats(new float[] {rank, 2 * rank}, 2);
                            g.average(List.of(a, b, c));
                            Tensor whole = g.gather(Tensors.fromFloats(new float[] {rank + 5}, 1));
                            Tensor w = Tensors.fromFloats(new float[] {rank + 100}, 1);
                            g.broadcast(List.of(w));
                            return new float[][] {
                              {
                                a.get(0).item_float(),
                                a.get(big - 1).item_float(),
                                b.get(big - 1).item_float()
                              },
                              Tensors.toFloats(c),
                              Tensors.toFloats(whole),
                              Tensors.toFloats(w)
                            };
                          }
                        }))
            .toList();
    for (CompletableFuture<float[][]> f : ranks) {
      float[][] r = f.get(60, TimeUnit.SECONDS);
      assertArrayEquals(new float[] {1.5f, 1.5f, 15f}, r[0]);
      assertArrayEquals(new float[] {0.5f, 1f}, r[1]);
      assertArrayEquals(new float[] {5, 6}, r[2]);
      assertArrayEquals(new float[] {100}, r[3]);
    }
  }

  @Test
  void aRankThatLeavesFailsTheOthersCollectiveWithOneLine() throws Exception {
    int port = DataParallelTest.freePort();
    CompletableFuture<Void> leaver =
        CompletableFuture.runAsync(
            () -> {
              GlooGroup.connect("127.0.0.1", port, 1, 2, Duration.ofSeconds(10)).close();
            });
    long t0 = System.nanoTime();
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () ->
                CompletableFuture.runAsync(
                        () -> {
                          try (GlooGroup g =
                                  GlooGroup.connect(
                                      "127.0.0.1", port, 0, 2, Duration.ofSeconds(10));
                              PointerScope scope = new PointerScope()) {
                            leaver.join();
                            g.sum(Tensors.fromFloats(new float[] {1}, 1));
                          }
                        })
                    .get(60, TimeUnit.SECONDS));
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertTrue(e.getCause() instanceof GpenException, String.valueOf(e.getCause()));
    String m = e.getCause().getMessage();
    assertTrue(
        m.startsWith("rank 0 of 2: allreduce failed, another worker stopped or timed out: ")
            && !m.contains("\n"),
        m);
    assertTrue(seconds < 30, seconds + " s");
  }

  static float[] filled(int n, float v) {
    float[] a = new float[n];
    java.util.Arrays.fill(a, v);
    return a;
  }
}
