package io.gpen.train;

import io.gpen.GpenException;
import io.gpen.data.Batch;
import io.gpen.data.FaceLoader;
import io.gpen.identity.FaceEmbedder;
import io.gpen.identity.FaceEmbedders;
import io.gpen.image.Images;
import io.gpen.image.ModelIo;
import io.gpen.metrics.MeanAccumulator;
import io.gpen.metrics.MetricResult;
import io.gpen.metrics.Psnr;
import io.gpen.nn.CpuThreads;
import io.gpen.registry.ModelRegistry;
import io.gpen.train.distributed.GlooGroup;
import io.gpen.train.distributed.Worker;
import io.gpen.util.AtomicFiles;
import io.gpen.util.ProgressBars;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Consumer;
import me.tongfei.progressbar.ProgressBar;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * A whole training run ({@code gpen train}): iterations {@code start … max_iter − 1} of a {@link
 * Trainer} on batches of a {@link FaceLoader}, with a log line every {@code log_every} iterations,
 * a sample grid and the validation PSNR every {@code sample_every}, a checkpoint every {@code
 * save_every} and at the end, and a progress bar with the time left on stderr.
 *
 * <p>Files: {@code ckpt_dir/NNNNNN.safetensors} (N = iterations done), {@code ckpt_dir/train.log}
 * (appended), {@code sample_dir/NNNNNN.png} (rows: degraded input, g_ema's restoration, original).
 *
 * <p>As one {@link Worker} of a data-parallel run, the run steps on its shard of each global batch
 * of {@code batch_size} × world size ({@link Trainer#distribute}); rank 0 alone writes the files
 * and the notes, and passes its log lines to the notes instead of drawing a progress bar (its
 * output reaches the console through the launcher, line by line). {@code threads} 0 means this
 * machine's cores shared equally among its workers.
 */
public final class TrainingRun {
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

  /** Black border between the cells of a sample grid, as torchvision's {@code make_grid}. */
  private static final int PADDING = 2;

  private final TrainConfig config;
  private final Worker worker;
  private final Consumer<String> notes;
  private final RunFolder folder;
  private final RunFolder.Existing existing;
  private final Path log;

  /**
   * What a run did.
   *
   * @param firstIteration the iteration it started at
   * @param iterations iterations done when it ended
   * @param checkpoint the last checkpoint written
   * @param last the numbers of the last iteration
   * @param psnr the last validation PSNR in dB, or NaN without {@code test_path}
   * @param skipped unreadable training images that were skipped
   */
  public record Result(
      long firstIteration,
      long iterations,
      Path checkpoint,
      Trainer.Step last,
      double psnr,
      int skipped) {}

  private TrainingRun(
      TrainConfig config, RunFolder.Existing existing, Worker worker, Consumer<String> notes) {
    this.config = config;
    this.worker = worker;
    this.notes = lead() ? notes : note -> {};
    this.folder = new RunFolder(config.ckptDir());
    this.existing = existing;
    this.log = folder.log();
  }

  /**
   * Runs the training {@code config} describes.
   *
   * @param notes receives one line for each thing a user should know (what was loaded, skipped
   *     images, the identity loss being off, where files went)
   * @throws GpenException with a one-line message for bad settings or files, a folder without
   *     images, a checkpoint of another architecture, or a run whose losses stop being finite;
   *     {@link RunFolder.OccupiedException} when {@code ckpt_dir} holds another run's checkpoints
   */
  public static Result run(TrainConfig config, Consumer<String> notes) {
    return run(config, RunFolder.Existing.REFUSE, notes);
  }

  /**
   * As {@link #run(TrainConfig, Consumer)}, with what to do about another run's checkpoints in
   * {@code ckpt_dir}.
   */
  public static Result run(
      TrainConfig config, RunFolder.Existing existing, Consumer<String> notes) {
    return new TrainingRun(config, existing, null, notes).run();
  }

  /**
   * As {@link #run(TrainConfig, RunFolder.Existing, Consumer)}, as {@code worker} of a
   * data-parallel run (null: the only process). The result's checkpoint and PSNR are rank 0's: the
   * other ranks write nothing and return null and NaN; its losses are each rank's own shard's.
   *
   * @throws GpenException also when the other workers cannot be reached, or one of them stops
   */
  public static Result run(
      TrainConfig config, RunFolder.Existing existing, Worker worker, Consumer<String> notes) {
    return new TrainingRun(config, existing, worker, notes).run();
  }

  /** Whether this process writes the run's files: the only process or rank 0. */
  private boolean lead() {
    return worker == null || worker.lead();
  }

  private Result run() {
    if (config.trainPath() == null) {
      throw new GpenException(
          "train_path is required: give --train_path DIR or set it in the configuration file");
    }
    CpuThreads.configure(
        config.threads() != 0 || worker == null
            ? config.threads()
            : Math.max(1, CpuThreads.everyCore() / worker.localWorldSize()));
    if (lead()) {
      folder.prepare(config.pretrain(), existing, notes);
    }
    try (GlooGroup group = worker == null ? null : worker.connect();
        FaceEmbedder identity = identityNetwork();
        Trainer trainer = Trainer.create(config, identity, notes)) {
      if (group != null) {
        trainer.distribute(group);
        notes.accept(
            String.format(
                Locale.ROOT,
                "data parallel: %d workers × batch %d, Gloo process group at %s:%d",
                group.size(),
                config.batchSize(),
                worker.masterAddress(),
                worker.masterPort()));
      }
      long start = trainer.iteration();
      if (start >= config.maxIter()) {
        throw new GpenException(
            "nothing to train: "
                + start
                + " iterations are done and max_iter is "
                + config.maxIter()
                + " (raise --max_iter)");
      }
      Validation validation = lead() ? Validation.load(config, notes) : null;
      try (FaceLoader loader =
          FaceLoader.builder(config.trainPath(), config.size())
              .batchSize(config.batchSize())
              .shard(worker == null ? 0 : worker.rank(), worker == null ? 1 : worker.worldSize())
              .seed(config.seed())
              .threads(config.workers())
              .degradation(config.degradation())
              .startAt(start)
              .warnings(notes)
              .build()) {
        return loop(trainer, loader, validation, start, group);
      }
    }
  }

  private FaceEmbedder identityNetwork() {
    if (config.idWeight() == 0) {
      return null;
    }
    if (config.idWeights() == null) {
      notes.accept(
          "identity loss off: no id_weights given (the reference uses ArcFace IR-SE50, model_ir_se50.pth;"
              + " MobileFaceNet weights work too)");
      return null;
    }
    FaceEmbedder net =
        FaceEmbedders.load(ModelRegistry.defaultRegistry().resolve(config.idWeights().toString()));
    notes.accept("identity loss: " + net.name() + " from " + config.idWeights());
    return net;
  }

  private Result loop(
      Trainer trainer, FaceLoader loader, Validation validation, long start, GlooGroup group) {
    line(
        String.format(
            Locale.ROOT,
            "start at iteration %d of %d: GPEN %s, batch %s, %s, seed %d, data %s (%d images)",
            start,
            config.maxIter(),
            config.model().describe(),
            group == null
                ? Integer.toString(config.batchSize())
                : group.size() + " × " + config.batchSize(),
            trainer.identity() == null
                ? "no identity loss"
                : "identity loss " + trainer.identity().name(),
            config.seed(),
            config.trainPath(),
            loader.dataset().count()));
    Path checkpoint = null;
    double psnr = Double.NaN;
    Trainer.Step step = null;
    long lastLogTime = System.nanoTime();
    long lastLogIteration = start;
    // the initial broadcast is not an iteration's
    double lastCollectiveSeconds = group == null ? 0 : group.seconds();
    try (ProgressBar bar =
        worker == null ? ProgressBars.create("train", config.maxIter() - start, "it") : null) {
      for (long i = start; i < config.maxIter(); i++) {
        Batch batch = loader.next();
        step = trainer.step(batch);
        long done = i + 1;
        if (!step.finite()) {
          throw new GpenException(
              String.format(
                  Locale.ROOT,
                  "training diverged at iteration %d: d %s, g %s, r1 %s, path %s are not all finite (last checkpoint: %s)",
                  i,
                  step.d(),
                  step.g(),
                  step.r1(),
                  step.path(),
                  checkpoint == null ? "none" : checkpoint));
        }
        if (bar != null) {
          bar.step();
          bar.setExtraMessage(
              String.format(Locale.ROOT, " d %.3f g %.3f r1 %.3f", step.d(), step.g(), step.r1()));
        }
        if (done % config.logEvery() == 0 || i == start) {
          long now = System.nanoTime();
          double perIteration = (now - lastLogTime) / 1e9 / (done - lastLogIteration);
          String text = logLine(done, step, perIteration);
          if (group != null) {
            text +=
                String.format(
                    Locale.ROOT,
                    " allreduce_s/it %.3f",
                    (group.seconds() - lastCollectiveSeconds) / (done - lastLogIteration));
            lastCollectiveSeconds = group.seconds();
            notes.accept(text);
          }
          lastLogTime = now;
          lastLogIteration = done;
          line(text);
        }
        if (lead() && (done % config.sampleEvery() == 0 || done == config.maxIter())) {
          psnr = sample(trainer, validation, batch, done);
        }
        if (lead() && (done % config.saveEvery() == 0 || done == config.maxIter())) {
          checkpoint = folder.checkpoint(done);
          trainer.save(checkpoint);
          line("iter " + done + " checkpoint " + checkpoint);
        }
      }
    }
    if (loader.skipped() > 0) {
      notes.accept("skipped " + loader.skipped() + " unreadable image(s) of " + config.trainPath());
    }
    notes.accept(
        "checkpoint " + checkpoint + ", log " + log + ", samples in " + config.sampleDir());
    return new Result(start, trainer.iteration(), checkpoint, step, psnr, loader.skipped());
  }

  private String logLine(long done, Trainer.Step s, double secondsPerIteration) {
    return String.format(
        Locale.ROOT,
        "iter %d d %.4f g %.4f adv %.4f l1 %.4f id %s r1 %.4f path %.4f path_length %.4f real_score %.4f"
            + " fake_score %.4f lr_g %.6g lr_d %.6g s/it %.3f",
        done,
        s.d(),
        s.g(),
        s.adversarial(),
        s.l1(),
        Double.isNaN(s.identity()) ? "-" : String.format(Locale.ROOT, "%.4f", s.identity()),
        s.r1(),
        s.path(),
        s.pathLength(),
        s.realScore(),
        s.fakeScore(),
        config.generatorLr(),
        config.discriminatorLr(),
        secondsPerIteration);
  }

  /**
   * Writes the sample grid of iteration {@code done} and scores the validation set; the grid shows
   * the validation batch, or the current training batch without {@code test_path}.
   *
   * @return the validation PSNR, NaN without a validation set
   */
  private double sample(Trainer trainer, Validation validation, Batch current, long done) {
    int s = config.size();
    int plane = 3 * s * s;
    Path grid = config.sampleDir().resolve(String.format(Locale.ROOT, "%06d.png", done));
    if (validation == null) {
      float[] restored = trainer.restore(current.lq(), current.count());
      writeGrid(grid, current.lq(), restored, current.gt(), current.count(), s);
      line("iter " + done + " sample " + grid + " (training batch; no test_path, no validation)");
      return Double.NaN;
    }
    MeanAccumulator psnr = new MeanAccumulator(Psnr.NAME);
    float[] restored = new float[validation.lq.length];
    int n = validation.count;
    for (int first = 0; first < n; first += config.batchSize()) {
      int count = Math.min(config.batchSize(), n - first);
      float[] out =
          trainer.restore(
              Arrays.copyOfRange(validation.lq, first * plane, (first + count) * plane), count);
      System.arraycopy(out, 0, restored, first * plane, out.length);
    }
    for (int k = 0; k < n; k++) {
      try (Mat a = ModelIo.fromModelOutput(restored, k * plane, s);
          Mat b = ModelIo.fromModelOutput(validation.gtLevels, k * plane, s)) {
        psnr.add(Psnr.of(a, b));
      }
    }
    int shown = Math.min(n, config.batchSize());
    writeGrid(grid, validation.lq, restored, validation.gt, shown, s);
    MetricResult r = psnr.result();
    double value = r.value().orElse(Double.NaN);
    line(
        String.format(
            Locale.ROOT,
            "iter %d val_psnr %.3f dB (%s of %s) sample %s",
            done,
            value,
            r.note(),
            config.testPath(),
            grid));
    return value;
  }

  /**
   * Rows: degraded, restored, original; {@code count} columns; cells of size×size, 2-pixel black
   * borders.
   */
  private static void writeGrid(
      Path file, float[] lq, float[] restored, float[] gt, int count, int size) {
    int cell = size + PADDING;
    try (Mat grid =
        new Mat(
            3 * cell + PADDING,
            count * cell + PADDING,
            org.bytedeco.opencv.global.opencv_core.CV_8UC3,
            new Scalar(0, 0, 0, 0))) {
      float[][] rows = {lq, restored, gt};
      for (int r = 0; r < 3; r++) {
        for (int c = 0; c < count; c++) {
          try (Mat img = ModelIo.fromModelOutput(rows[r], c * 3 * size * size, size);
              Rect at = new Rect(PADDING + c * cell, PADDING + r * cell, size, size);
              Mat roi = grid.apply(at)) {
            img.copyTo(roi);
          }
        }
      }
      Images.write(file, grid);
    }
  }

  /**
   * Appends a timestamped line to the log (created with its folder on first use); rank 0's alone.
   */
  private void line(String text) {
    if (!lead()) {
      return;
    }
    String stamped = LocalDateTime.now().format(STAMP) + " " + text + System.lineSeparator();
    try {
      Files.createDirectories(log.toAbsolutePath().getParent());
      // one append of a whole line: a reader never sees part of one (AtomicFiles would rewrite the
      // whole log at every line)
      Files.writeString(
          log,
          stamped,
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new GpenException("cannot write " + log + ": " + AtomicFiles.reason(e), e);
    }
  }

  /**
   * The first {@code val_count} faces of {@code test_path}, degraded once with the run's seed (as
   * {@code gpen degrade} would), kept in memory for the whole run.
   */
  private static final class Validation {
    final float[] lq;
    final float[] gt;

    /** The originals shifted by half an 8-bit level, so that the truncating conversion rounds. */
    final float[] gtLevels;

    final int count;

    private Validation(float[] lq, float[] gt, int count) {
      this.lq = lq;
      this.gt = gt;
      this.count = count;
      this.gtLevels = new float[gt.length];
      // one level is 2/255 in [-1, 1]: +1/255 turns ModelIo's truncation into rounding, so the
      // originals come back as the exact 8-bit values they were read from
      for (int i = 0; i < gt.length; i++) {
        gtLevels[i] = gt[i] + 1f / 255f;
      }
    }

    static Validation load(TrainConfig config, Consumer<String> notes) {
      if (config.testPath() == null) {
        notes.accept(
            "no test_path: no validation PSNR; sample grids show the current training batch");
        return null;
      }
      int s = config.size();
      int plane = 3 * s * s;
      int want = config.valCount();
      float[] lq = new float[want * plane];
      float[] gt = new float[want * plane];
      int n = 0;
      try (FaceLoader loader =
          FaceLoader.builder(config.testPath(), s)
              .batchSize(config.batchSize())
              .seed(config.seed())
              .threads(config.workers())
              .degradation(config.degradation().withFlipProb(0).withGrayProb(0))
              .evaluation()
              .warnings(notes)
              .build()) {
        while (n < want && loader.hasNext()) {
          Batch b = loader.next();
          int take = Math.min(b.count(), want - n);
          System.arraycopy(b.lq(), 0, lq, n * plane, take * plane);
          System.arraycopy(b.gt(), 0, gt, n * plane, take * plane);
          n += take;
        }
      }
      if (n == 0) {
        throw new GpenException("test_path " + config.testPath() + ": no readable image");
      }
      return new Validation(Arrays.copyOf(lq, n * plane), Arrays.copyOf(gt, n * plane), n);
    }
  }
}
