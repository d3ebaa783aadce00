package io.gpen.data;

import io.gpen.GpenException;
import io.gpen.util.Futures;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Batches of (degraded, ground-truth) faces from a folder, decoded and degraded by background
 * threads ahead of use.
 *
 * <p><b>Training</b> (the default) runs forever. Epoch e visits the files in a shuffled order that
 * depends only on (seed, e); each epoch gives {@code count / batchSize} batches and drops the
 * remainder, as the reference's {@code DataLoader(drop_last=True)}. Batch b is epoch {@code b /
 * batchesPerEpoch()}, positions {@code (b % batchesPerEpoch())·B} onwards, and the degradation of
 * each sample depends only on (seed, epoch, position). So batches do not depend on the number of
 * threads, and {@link Builder#startAt(long)} reproduces exactly the batches an uninterrupted run
 * would have reached. With {@link Builder#shard(int, int)} the loader gives shard k of n of each
 * global batch of {@code n·batchSize}: positions {@code k·batchSize} onwards of the batch a single
 * loader with batch size {@code n·batchSize} would give, degraded exactly as that loader degrades
 * them. An unreadable file is reported once and replaced, wherever it falls, by the next readable
 * file of the sorted list (keeping the batch size and all later batches as they are).
 *
 * <p><b>Evaluation</b> ({@link Builder#evaluation()}) makes one pass in sorted order; sample i is
 * degraded with (seed, 0, i), as {@code gpen degrade} does, so two runs score the same images.
 * Unreadable files are reported and left out; the last batch may be smaller.
 *
 * <p>{@link Builder#noDegradation()} gives the images as they are (after the resize), for folders
 * that already hold low-quality or ground-truth images.
 *
 * <p>Not thread-safe: one consumer calls {@link #next()}. Close it to stop the threads.
 */
public final class FaceLoader implements Iterator<Batch>, AutoCloseable {
  private final FaceDataset data;
  private final Degradation degradation;
  private final int batchSize;

  /** Samples per batch over all shards: {@code batchSize · shards}. */
  private final int globalBatch;

  private final int shard;
  private final long seed;
  private final boolean training;
  private final Consumer<String> warnings;
  private final ExecutorService pool;
  private final int window;

  /** Samples submitted and not yet consumed, in stream order. */
  private final ArrayDeque<Future<Sample>> inFlight = new ArrayDeque<>();

  /** Unreadable files met by any thread: index → message. */
  private final ConcurrentHashMap<Integer, String> unreadable = new ConcurrentHashMap<>();

  /** Unreadable files already reported to the consumer. */
  private final Set<Integer> reported = new HashSet<>();

  /** The stream position of the next sample to submit (training: over all epochs). */
  private long submitted;

  private long nextBatch;
  private Batch pending;
  private int[] order;
  private long orderEpoch = -1;
  private boolean closed;

  private FaceLoader(Builder b) {
    this.data = FaceDataset.open(b.dir, b.size);
    this.degradation = b.degrade ? new Degradation(b.config) : null;
    this.batchSize = b.batchSize;
    this.globalBatch = b.batchSize * b.shards;
    this.shard = b.shard;
    this.seed = b.seed;
    this.training = !b.evaluation;
    this.warnings = b.warnings;
    if (training && data.count() < globalBatch) {
      throw new GpenException(
          "cannot train on "
              + data.root()
              + ": it holds "
              + data.count()
              + " image(s), fewer than the batch size "
              + globalBatch
              + (b.shards > 1 ? " (" + b.shards + " workers × " + batchSize + ")" : ""));
    }
    this.nextBatch = b.startAt;
    this.submitted = training ? b.startAt * batchSize : 0;
    this.window = Math.max(b.threads, b.prefetch * batchSize);
    AtomicInteger n = new AtomicInteger();
    this.pool =
        Executors.newFixedThreadPool(
            b.threads,
            r -> {
              Thread t = new Thread(r, "gpen-data-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    fill();
  }

  /** A builder for the images of {@code dir} (and below it) at size×size. */
  public static Builder builder(Path dir, int size) {
    return new Builder(dir, size);
  }

  /** The folder's files. */
  public FaceDataset dataset() {
    return data;
  }

  /** Training batches per epoch: {@code count / (batchSize · shards)}, the remainder dropped. */
  public long batchesPerEpoch() {
    return data.count() / globalBatch;
  }

  /** The index of the batch the next call to {@link #next()} returns. */
  public long iteration() {
    return nextBatch;
  }

  /** How many distinct files have been found unreadable so far (each reported once). */
  public int skipped() {
    return reported.size();
  }

  /** Always true in training; in evaluation, whether a readable image remains. */
  @Override
  public boolean hasNext() {
    checkOpen();
    if (training) {
      return true;
    }
    if (pending == null) {
      pending = assembleEvaluation();
    }
    return pending != null;
  }

  /** The next batch; waits only when the background threads have not made it yet. */
  @Override
  public Batch next() {
    if (!hasNext()) {
      throw new NoSuchElementException("no more images in " + data.root());
    }
    Batch b = training ? assembleTraining() : pending;
    pending = null;
    nextBatch++;
    return b;
  }

  private Batch assembleTraining() {
    List<Sample> samples = new ArrayList<>(batchSize);
    for (int i = 0; i < batchSize; i++) {
      samples.add(take());
    }
    return batch(samples, nextBatch / batchesPerEpoch());
  }

  private Batch assembleEvaluation() {
    List<Sample> samples = new ArrayList<>(batchSize);
    while (samples.size() < batchSize && !inFlight.isEmpty()) {
      Sample s = take();
      if (s.gt != null) {
        samples.add(s);
      }
    }
    return samples.isEmpty() ? null : batch(samples, 0);
  }

  private Batch batch(List<Sample> samples, long epoch) {
    int plane = 3 * data.resolution() * data.resolution();
    float[] lq = new float[samples.size() * plane];
    float[] gt = degradation == null ? lq : new float[lq.length];
    List<String> names = new ArrayList<>(samples.size());
    for (int i = 0; i < samples.size(); i++) {
      Sample s = samples.get(i);
      names.add(s.name);
      System.arraycopy(s.gt, 0, gt, i * plane, plane);
      if (degradation != null) {
        System.arraycopy(s.lq, 0, lq, i * plane, plane);
      }
    }
    return new Batch(nextBatch, epoch, data.resolution(), names, lq, gt);
  }

  /** The oldest submitted sample, once ready; submits one more to keep the window full. */
  private Sample take() {
    Future<Sample> f = inFlight.poll();
    Sample s;
    try {
      s = Futures.get(f);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while loading images from " + data.root(), e);
    }
    for (int file : s.failed) {
      if (reported.add(file)) {
        warnings.accept("skipped " + unreadable.get(file));
      }
    }
    fill();
    return s;
  }

  private void fill() {
    while (inFlight.size() < window && (training || submitted < data.count())) {
      long position = submitted++;
      if (training) {
        long perEpoch = batchesPerEpoch() * globalBatch;
        // this shard's samples of each global batch: its slice of batchSize positions
        long global =
            position / batchSize * globalBatch + (long) shard * batchSize + position % batchSize;
        long epoch = global / perEpoch;
        int within = (int) (global % perEpoch);
        int file = order(epoch)[within];
        inFlight.add(pool.submit(() -> trainingSample(epoch, within, file)));
      } else {
        int file = (int) position;
        inFlight.add(pool.submit(() -> evaluationSample(file)));
      }
    }
  }

  /** The file order of {@code epoch}: a Fisher–Yates shuffle from (seed, epoch). */
  private int[] order(long epoch) {
    if (epoch != orderEpoch) {
      int n = data.count();
      order = new int[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      SplittableRandom rng = Seeds.stream(seed, Seeds.SHUFFLE, epoch, 0);
      for (int i = n - 1; i > 0; i--) {
        int j = rng.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      orderEpoch = epoch;
    }
    return order;
  }

  private Sample trainingSample(long epoch, int position, int file) {
    int n = data.count();
    List<Integer> failed = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      int f = (file + k) % n;
      if (unreadable.containsKey(f)) {
        failed.add(f);
        continue;
      }
      Mat hq;
      try {
        hq = data.read(f);
      } catch (GpenException e) {
        unreadable.putIfAbsent(f, e.getMessage());
        failed.add(f);
        continue;
      }
      return make(hq, f, epoch, position, failed);
    }
    throw new GpenException(
        "no readable image in "
            + data.root()
            + ": all "
            + n
            + " files failed, e.g. "
            + unreadable.get(file));
  }

  private Sample evaluationSample(int file) {
    Mat hq;
    try {
      hq = data.read(file);
    } catch (GpenException e) {
      unreadable.putIfAbsent(file, e.getMessage());
      return new Sample(data.name(file), null, null, List.of(file));
    }
    return make(hq, file, 0, file, List.of());
  }

  private Sample make(Mat hq8, int file, long epoch, long position, List<Integer> failed) {
    try (PointerScope scope = new PointerScope();
        hq8;
        Mat hq = Degradation.toFloat(hq8)) {
      if (degradation == null) {
        return new Sample(data.name(file), null, toModelLayout(hq), failed);
      }
      float[][] lqGt = degrade(degradation, hq, degradation.draw(seed, epoch, position));
      return new Sample(data.name(file), lqGt[0], lqGt[1], failed);
    }
  }

  /**
   * Sample {@code position} of an evaluation ({@link Builder#evaluation()}) made from its 8-bit
   * face, exactly as the loader makes it: the degraded face and the ground truth, each as the
   * model's RGB planes in [-1, 1] ({@code [3, size, size]}, float32), the degradation drawn from
   * (seed, 0, position). For evaluations whose images are read elsewhere (the partitions of a Spark
   * job).
   *
   * @param hq8 the face as {@link FaceDataset#read} gives it: BGR {@code CV_8UC3} at the loader's
   *     size; not modified
   * @return {lq, gt}
   */
  public static float[][] evaluationSample(
      Degradation degradation, long seed, Mat hq8, long position) {
    try (PointerScope scope = new PointerScope();
        Mat hq = Degradation.toFloat(hq8)) {
      return degrade(degradation, hq, degradation.draw(seed, 0, position));
    }
  }

  private static float[][] degrade(Degradation degradation, Mat hq, Degradation.Params p) {
    try (Degradation.Pair pair = degradation.apply(hq, p)) {
      return new float[][] {toModelLayout(pair.lq()), toModelLayout(pair.gt())};
    }
  }

  /**
   * A BGR float image in [0, 1] as the model's RGB planes in [-1, 1]: {@code (x − 0.5) / 0.5} in
   * float32, as the reference's dataset does.
   */
  static float[] toModelLayout(Mat bgr) {
    int plane = bgr.rows() * bgr.cols();
    float[] hwc = new float[3 * plane];
    try (Mat dense = bgr.isContinuous() ? null : bgr.clone();
        FloatPointer src = new FloatPointer((dense == null ? bgr : dense).data())) {
      src.capacity(hwc.length).get(hwc);
    }
    float[] chw = new float[3 * plane];
    for (int o = 0, i = 0; o < plane; o++, i += 3) {
      chw[2 * plane + o] = (hwc[i] - 0.5f) / 0.5f;
      chw[plane + o] = (hwc[i + 1] - 0.5f) / 0.5f;
      chw[o] = (hwc[i + 2] - 0.5f) / 0.5f;
    }
    return chw;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("loader for " + data.root() + " is closed");
    }
  }

  /** Cancels the queued work and waits for the running samples to finish. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    inFlight.forEach(f -> f.cancel(false));
    inFlight.clear();
    pool.shutdown();
    try {
      pool.awaitTermination(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One decoded sample; {@code gt == null} for an unreadable file in evaluation. */
  private record Sample(String name, float[] lq, float[] gt, List<Integer> failed) {}

  /** Settings of a {@link FaceLoader}. */
  public static final class Builder {
    private final Path dir;
    private final int size;
    private int batchSize = 1;
    private long seed = 100;
    private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    private int prefetch = 2;
    private DegradationConfig config = DegradationConfig.REFERENCE;
    private boolean degrade = true;
    private boolean evaluation;
    private long startAt;
    private int shard;
    private int shards = 1;
    private Consumer<String> warnings = m -> System.err.println("gpen: warning: " + m);

    private Builder(Path dir, int size) {
      this.dir = Objects.requireNonNull(dir, "dir");
      if (size < 1 || size > 4096) {
        throw new IllegalArgumentException("size must be 1 to 4096, got " + size);
      }
      this.size = size;
    }

    /** Samples per batch (default 1). */
    public Builder batchSize(int batchSize) {
      if (batchSize < 1) {
        throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
      }
      this.batchSize = batchSize;
      return this;
    }

    /** Seed of the shuffles and the degradations (default 100). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Background threads (default: the available cores). */
    public Builder threads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be at least 1, got " + threads);
      }
      this.threads = threads;
      return this;
    }

    /**
     * Batches made ahead of use (default 2); at least as many samples as threads are always in
     * progress.
     */
    public Builder prefetch(int batches) {
      if (batches < 1) {
        throw new IllegalArgumentException("prefetch must be at least 1 batch, got " + batches);
      }
      this.prefetch = batches;
      return this;
    }

    /** The degradation settings (default {@link DegradationConfig#REFERENCE}). */
    public Builder degradation(DegradationConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      this.degrade = true;
      return this;
    }

    /** Gives the images undegraded: each {@link Batch} has {@code lq == gt}. */
    public Builder noDegradation() {
      this.degrade = false;
      return this;
    }

    /** One pass in sorted order instead of endless shuffled epochs. */
    public Builder evaluation() {
      this.evaluation = true;
      return this;
    }

    /** Training: start at batch {@code iteration}, as an uninterrupted run would reach it. */
    public Builder startAt(long iteration) {
      if (iteration < 0) {
        throw new IllegalArgumentException("start iteration must not be negative: " + iteration);
      }
      this.startAt = iteration;
      return this;
    }

    /**
     * Training: gives only shard {@code index} of {@code count} of each global batch of {@code
     * count · batchSize} samples (one data-parallel worker's part); the default is the one shard 0
     * of 1.
     */
    public Builder shard(int index, int count) {
      if (count < 1 || index < 0 || index >= count) {
        throw new IllegalArgumentException("shard " + index + " of " + count);
      }
      this.shard = index;
      this.shards = count;
      return this;
    }

    /** Where the one-line reports of unreadable files go (default: stderr). */
    public Builder warnings(Consumer<String> warnings) {
      this.warnings = Objects.requireNonNull(warnings, "warnings");
      return this;
    }

    /**
     * Lists the folder and starts the threads.
     *
     * @throws GpenException naming the folder when it is missing or empty, or (training) holds
     *     fewer images than a batch
     */
    public FaceLoader build() {
      if (evaluation && (startAt != 0 || shards != 1)) {
        throw new IllegalArgumentException(
            "startAt and shard apply to training, not to evaluation");
      }
      return new FaceLoader(this);
    }
  }
}
