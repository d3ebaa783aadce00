package io.gpen.train.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.data.FaceLoader;
import io.gpen.data.TestFaces;
import io.gpen.nn.Module;
import io.gpen.train.DoublePrecision;
import io.gpen.train.TrainConfig;
import io.gpen.train.Trainer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training against one process: 2 ranks × batch 1 (two threads of this JVM, each its
 * own {@link GlooGroup} rank over a TCPStore on 127.0.0.1) reach the same G, D and g_ema after 5
 * iterations as 1 process × batch 2, R1 and path-length steps included (iterations 0 and 3). In
 * float64 ({@link DoublePrecision}): in float32 the rounding of any two summation orders, even 1
 * against 2 threads of one process, already moves D by 2e-4 of its weights after two iterations.
 */
class DataParallelTest {
  static final int ITERATIONS = 5;

  @TempDir Path dir;

  TrainConfig config(int batch) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("size", 64);
    s.put("narrow", 0.25);
    s.put("batch_size", batch);
    s.put("d_reg_every", 3);
    s.put("g_reg_every", 3);
    s.put("train_path", faces());
    return TrainConfig.resolve(null, s);
  }

  Path faces() {
    Path f = dir.resolve("faces");
    return f.toFile().isDirectory() ? f : TestFaces.folder(f, 6);
  }

  FaceLoader loader(TrainConfig c, int shard, int shards) {
    return FaceLoader.builder(c.trainPath(), c.size())
        .batchSize(c.batchSize())
        .seed(c.seed())
        .threads(1)
        .degradation(c.degradation())
        .shard(shard, shards)
        .build();
  }

  @Test
  void twoRanksOfBatchOneTrainAsOneProcessOfBatchTwo() throws Exception {
    TrainConfig whole = config(2);
    TrainConfig half = config(1);
    Trainer initial = DoublePrecision.fresh(whole);
    Trainer single = DoublePrecision.fresh(whole);
    try (FaceLoader l = loader(whole, 0, 1)) {
      for (int i = 0; i < ITERATIONS; i++) {
        DoublePrecision.step(single, l.next());
      }
    }

    Trainer[] ranks = {DoublePrecision.fresh(half), DoublePrecision.fresh(half)};
    // rank 1 starts elsewhere: only rank 0's broadcast weights can make it agree
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      ranks[1].generator().parameters().forEach(p -> p.add_(new Scalar(0.5)));
    }
    int port = freePort();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Future<Double>> done = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      int rank = r;
      done.add(
          pool.submit(
              () -> {
                try (GlooGroup group =
                        GlooGroup.connect("127.0.0.1", port, rank, 2, Duration.ofSeconds(60));
                    FaceLoader l = loader(half, rank, 2)) {
                  ranks[rank].distribute(group);
                  for (int i = 0; i < ITERATIONS; i++) {
                    DoublePrecision.step(ranks[rank], l.next());
                  }
                  return group.seconds();
                }
              }));
    }
    pool.shutdown();
    for (Future<Double> f : done) {
      assertTrue(f.get(120, TimeUnit.SECONDS) > 0, "collectives took time");
    }

    for (Trainer t : ranks) {
      assertEquals(ITERATIONS, t.iteration());
      assertEquals(
          single.meanPathLength(), t.meanPathLength(), 1e-6 * Math.abs(single.meanPathLength()));
      assertClose("G", initial.generator(), single.generator(), t.generator());
      assertClose("D", initial.discriminator(), single.discriminator(), t.discriminator());
      assertClose("g_ema", initial.emaGenerator(), single.emaGenerator(), t.emaGenerator());
    }
    // the ranks apply the same averaged gradients: bit-identical
    assertEquals(0.0, difference(ranks[0].generator(), ranks[1].generator()));
    assertEquals(0.0, difference(ranks[0].discriminator(), ranks[1].discriminator()));
    for (Trainer t : List.of(initial, single, ranks[0], ranks[1])) {
      t.close();
    }
  }

  /**
   * The two trainings moved the weights away from {@code start} by the same amount: ‖b − a‖ within
   * 1e-5 of ‖a − start‖ (a stricter measure than relative to the weights, which barely move in 5
   * iterations).
   */
  static void assertClose(String name, Module start, Module a, Module b) {
    double moved = difference(start, a);
    assertTrue(moved > 0, name + " did not train");
    double d = difference(a, b) / moved;
    assertTrue(d < 1e-5, name + ": differs by " + d + " of its change in training");
  }

  /** ‖a − b‖ over every parameter and buffer. */
  static double difference(Module a, Module b) {
    Map<String, Tensor> bs = b.stateDict();
    double sum = 0;
    try (PointerScope scope = new PointerScope()) {
      for (Map.Entry<String, Tensor> e : a.stateDict().entrySet()) {
        sum += e.getValue().sub(bs.get(e.getKey())).pow(new Scalar(2)).sum().item_double();
      }
    }
    return Math.sqrt(sum);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
