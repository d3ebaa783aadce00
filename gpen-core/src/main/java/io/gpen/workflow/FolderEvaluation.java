package io.gpen.workflow;

import io.gpen.BadParameter;
import io.gpen.GpenException;
import io.gpen.api.FaceRestorer;
import io.gpen.data.DegradationConfig;
import io.gpen.eval.EvalImages;
import io.gpen.eval.Evaluation;
import io.gpen.eval.Evaluator;
import io.gpen.eval.MetricNetworks;
import io.gpen.eval.Reports;
import io.gpen.eval.Scorer;
import io.gpen.image.Images;
import io.gpen.metrics.FeatureStatistics;
import io.gpen.metrics.FidInception;
import io.gpen.metrics.Lpips;
import io.gpen.model.GpenConfig;
import io.gpen.registry.ModelRegistry;
import io.gpen.util.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Evaluates a restoration model on high-quality faces: each face is resized to the model size (area
 * interpolation), degraded with the seeded test degradation ({@link Evaluator#TEST_DEGRADATION},
 * input i keyed by (seed, 0, i), so that the same seed and files give the same numbers), rounded to
 * 8 bits and restored; the degraded inputs and the restored faces are both scored against the real
 * faces: PSNR, SSIM, and where their weights are given LPIPS, FID and the identity similarity
 * (otherwise skipped with the reason), then any metric of one's own ({@link
 * Options.Builder#addMetric}).
 *
 * <p>The faces stream through in batches: each batch is restored, scored ({@link Evaluator}),
 * written where asked, and freed; only the per-image scores and the FID feature statistics are
 * kept. Outputs, each where asked: {@code metrics.json} ({@link Reports#writeJson}), the triplets
 * (low quality | restored | real) with a page showing them, and the restored images themselves.
 *
 * <p>The input is either a folder of faces, searched recursively ({@code gpen test}), or, with
 * {@link Options.Builder#restoredImages}, the images a {@link FolderRestoration} would restore,
 * each restored image written with its degraded input ({@code gpen infer --degrade}).
 *
 * <pre>{@code
 * FolderEvaluation.Result r = FolderEvaluation.run(
 *     FolderEvaluation.Options.builder(ModelSpec.libtorch("GPEN-BFR-256"), Path.of("faces"))
 *         .seed(100).metricsFile(Path.of("metrics.json")).build(),
 *     WorkflowListener.SILENT);
 * System.out.print(r.evaluation().table(true));
 * }</pre>
 */
public final class FolderEvaluation {
  /** The usual name of the metrics file. */
  public static final String METRICS_FILE = "metrics.json";

  /** The folder of the triplet images inside the save folder. */
  public static final String TRIPLETS = "triplets";

  /** The page showing the triplets, in the save folder. */
  private static final String PAGE = "index.html";

  /**
   * How the reports name this evaluation: as the command that runs it, so that the reports of a
   * library call and of {@code gpen test} are the same files.
   */
  private static final String TITLE = "gpen test";

  private FolderEvaluation() {}

  /**
   * Restored images written by an evaluation, as a {@link FolderRestoration} names them, each with
   * its degraded input beside it ({@link OutputNaming#degradedInput}).
   *
   * @param naming how the restored images are named
   * @param output the output folder or, for a single image, an image file name; null: beside each
   *     input
   */
  public record RestoredImages(OutputNaming naming, Path output) {
    public RestoredImages {
      Objects.requireNonNull(naming, "naming");
    }
  }

  /**
   * What to evaluate and what to write.
   *
   * @param model the restoration model
   * @param input the folder of high-quality faces or, with {@code restoredImages}, an image or a
   *     folder of them (not searched below)
   * @param seed the seed of the degradation
   * @param batchSize faces per forward pass and per scoring batch
   * @param inception FID InceptionV3 weights, a file or a model name; null: FID skipped
   * @param fidStatistics FID statistics of the real faces: reused when the file exists, else
   *     computed and saved there; null: computed and not kept
   * @param lpips LPIPS v0.1 AlexNet heads, a file or a model name; null: LPIPS skipped
   * @param lpipsTrunk the AlexNet trunk of LPIPS, a file or a model name
   * @param identityWeights the face embedding network of the identity similarity; null: skipped
   * @param extraMetrics metrics of one's own, scored and reported after the built-in ones: each
   *     gives a new scorer for each run
   * @param saveDir where the triplets and their page go; null: not written
   * @param metricsFile where the metrics go ({@code metrics.json}); null: not written
   * @param restoredImages how to write the restored images; null: they are not kept, and the input
   *     is a folder searched recursively
   */
  public record Options(
      ModelSpec model,
      Path input,
      long seed,
      int batchSize,
      String inception,
      Path fidStatistics,
      String lpips,
      String lpipsTrunk,
      String identityWeights,
      List<Supplier<? extends Scorer>> extraMetrics,
      Path saveDir,
      Path metricsFile,
      RestoredImages restoredImages) {
    public Options {
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(input, "input");
      Objects.requireNonNull(lpipsTrunk, "lpipsTrunk");
      extraMetrics = List.copyOf(extraMetrics);
      if (batchSize < 1) {
        throw BadParameter.of("batchSize", "must be at least 1, got " + batchSize);
      }
    }

    /**
     * Options for {@code input} with the defaults: seed 100, batch 4, no LPIPS, FID or identity
     * weights, no metric of one's own, nothing written.
     */
    public static Builder builder(ModelSpec model, Path input) {
      return new Builder(model, input);
    }

    /** Builds {@link Options}. */
    public static final class Builder {
      private final ModelSpec model;
      private final Path input;
      private long seed = 100;
      private int batchSize = 4;
      private String inception;
      private Path fidStatistics;
      private String lpips;
      private String lpipsTrunk = Lpips.TRUNK_REGISTRY_NAME;
      private String identityWeights;
      private final List<Supplier<? extends Scorer>> extraMetrics = new ArrayList<>();
      private Path saveDir;
      private Path metricsFile;
      private RestoredImages restoredImages;

      private Builder(ModelSpec model, Path input) {
        this.model = model;
        this.input = input;
      }

      /** The seed of the degradation (default 100). */
      public Builder seed(long seed) {
        this.seed = seed;
        return this;
      }

      /** Faces per forward pass and per scoring batch (default 4). */
      public Builder batchSize(int batchSize) {
        this.batchSize = batchSize;
        return this;
      }

      /**
       * FID InceptionV3 weights ({@value FidInception#REGISTRY_NAME} or a file); without them FID
       * is skipped.
       */
      public Builder inception(String weights) {
        this.inception = weights;
        return this;
      }

      /**
       * FID statistics of the real faces: reused when the file exists, else computed and saved
       * there.
       */
      public Builder fidStatistics(Path file) {
        this.fidStatistics = file;
        return this;
      }

      /**
       * LPIPS heads ({@value Lpips#HEADS_REGISTRY_NAME} or a file); without them LPIPS is skipped.
       */
      public Builder lpips(String heads) {
        this.lpips = heads;
        return this;
      }

      /** The AlexNet trunk of LPIPS (default {@value Lpips#TRUNK_REGISTRY_NAME}). */
      public Builder lpipsTrunk(String trunk) {
        this.lpipsTrunk = trunk;
        return this;
      }

      /**
       * The face embedding network (ArcFace IR-SE50 or MobileFaceNet); without it identity is
       * skipped.
       */
      public Builder identityWeights(String weights) {
        this.identityWeights = weights;
        return this;
      }

      /**
       * Adds a metric of one's own, scored and reported (table, {@code metrics.json}, page) after
       * the built-in ones. {@code scorer} gives a new {@link Scorer} for each run, as a scorer
       * serves one evaluation; the networks it uses stay the caller's.
       */
      public Builder addMetric(Supplier<? extends Scorer> scorer) {
        extraMetrics.add(Objects.requireNonNull(scorer, "scorer"));
        return this;
      }

      /**
       * Writes the triplets ({@value FolderEvaluation#TRIPLETS}/) and their page here; outside the
       * input.
       */
      public Builder saveDir(Path dir) {
        this.saveDir = dir;
        return this;
      }

      /** Writes the metrics here. */
      public Builder metricsFile(Path file) {
        this.metricsFile = file;
        return this;
      }

      /**
       * Evaluates the images a {@link FolderRestoration} would restore (the input image, or the
       * images directly in the input folder without earlier outputs) and writes each restored image
       * with its degraded input.
       *
       * @param output the output folder or, for a single image, an image file name; null: beside
       *     each input
       */
      public Builder restoredImages(OutputNaming naming, Path output) {
        this.restoredImages = new RestoredImages(naming, output);
        return this;
      }

      public Options build() {
        return new Options(
            model,
            input,
            seed,
            batchSize,
            inception,
            fidStatistics,
            lpips,
            lpipsTrunk,
            identityWeights,
            extraMetrics,
            saveDir,
            metricsFile,
            restoredImages);
      }
    }
  }

  /**
   * What was evaluated and written.
   *
   * @param model what the model was and how it ran
   * @param evaluation both columns of every metric, and the per-image values
   * @param files how many image files the input holds
   * @param resized how many of them were not of the model size
   * @param unreadable how many of them could not be read (left out of the scores)
   * @param seconds the time from the loaded networks to the computed metrics
   * @param summary what was evaluated, in one line: images, folder, size, seed
   * @param metricsFile the metrics written, or null
   * @param tripletFolder the folder of the triplets written, or null
   * @param page the page showing the triplets, or null
   * @param written the restored images written (with {@link Options#restoredImages()}), in input
   *     order
   */
  public record Result(
      String model,
      Evaluation evaluation,
      int files,
      int resized,
      int unreadable,
      double seconds,
      String summary,
      Path metricsFile,
      Path tripletFolder,
      Path page,
      List<WrittenFace> written) {
    public Result {
      written = List.copyOf(written);
    }
  }

  /**
   * Runs the evaluation. The input, the output folders and the FID statistics are checked before
   * any network loads.
   *
   * @throws GpenException naming the file or parameter at fault; a folder input none of whose
   *     images can be read is one
   */
  public static Result run(Options options, WorkflowListener listener) {
    Path input = options.input();
    InputImages images = null;
    if (options.restoredImages() == null) {
      if (!Files.isDirectory(input)) {
        throw BadParameter.of(
            "input", input + ": " + (Files.exists(input) ? "not a folder" : "no such folder"));
      }
    } else {
      images = InputImages.list(input, options.restoredImages().naming());
    }
    Path saveDir = options.saveDir();
    if (saveDir != null) {
      if (saveDir.toAbsolutePath().normalize().startsWith(input.toAbsolutePath().normalize())) {
        throw new BadParameter(
            names ->
                names.apply("saveDir")
                    + " "
                    + saveDir
                    + " is inside "
                    + names.apply("input")
                    + " "
                    + input
                    + ": choose a folder outside it, or later runs would score the triplets as faces");
      }
      writableFolder("saveDir", saveDir.resolve(TRIPLETS));
    }
    if (options.metricsFile() != null) {
      writableFolder("metricsFile", options.metricsFile().toAbsolutePath().getParent());
    }
    if (images != null) {
      images.requireWritable(options.restoredImages().output());
    }
    // listed now so that an empty folder fails before the networks load; the evaluation lists it
    // again
    int files = images != null ? images.files().size() : Images.list(input, true).size();
    boolean withFid = !absent(options.inception()) && files >= 2;
    FeatureStatistics givenReal = realStatistics(options, withFid, files, listener);
    try (FaceRestorer restorer = options.model().open(options.batchSize())) {
      listener.info(restorer.description());
      try (MetricNetworks metrics =
          MetricNetworks.open(
              options.inception(),
              options.lpips(),
              options.lpipsTrunk(),
              options.identityWeights(),
              options.model().device(),
              files,
              ModelRegistry.defaultRegistry())) {
        List<Scorer> scorers = new ArrayList<>(metrics.standardScorers(givenReal));
        for (Supplier<? extends Scorer> metric : options.extraMetrics()) {
          scorers.add(metric.get());
        }
        return evaluate(options, images, restorer, new Evaluator(scorers), listener);
      }
    }
  }

  private static Result evaluate(
      Options options,
      InputImages images,
      FaceRestorer restorer,
      Evaluator evaluator,
      WorkflowListener listener) {
    int size = restorer.size();
    Path saveDir = options.saveDir();
    Map<String, String> triplets = Map.of();
    List<WrittenFace> written = new ArrayList<>();
    int files;
    int resized;
    int unreadable;
    long start = System.nanoTime();
    try (DegradedFaces faces =
        images == null
            ? DegradedFaces.folder(
                options.input(), size, options.batchSize(), options.seed(), listener)
            : DegradedFaces.listed(images, size, options.batchSize(), options.seed(), listener)) {
      List<String> names = faces.names();
      files = names.size();
      resized = faces.resized();
      if (images == null) {
        listener.info(
            resized == 0
                ? "all " + files + " image(s) are " + size + "x" + size + " already"
                : resized
                    + " of "
                    + files
                    + " image(s) are not "
                    + size
                    + "x"
                    + size
                    + ": each is resized to "
                    + size
                    + "x"
                    + size
                    + " (area interpolation) before it is degraded");
      }
      if (saveDir != null) {
        triplets = tripletNames(names);
      }
      boolean folder = images == null || images.folder();
      try (WorkflowListener.Progress progress =
          folder ? listener.progress(files) : WorkflowListener.Progress.NONE) {
        while (faces.hasNext()) {
          int inputs;
          try (PointerScope scope = new PointerScope();
              DegradedFaces.Batch batch = faces.next()) {
            List<Mat> restored = restorer.restore(batch.degraded());
            evaluator.add(batch.names(), batch.degraded(), restored, batch.real());
            if (saveDir != null) {
              writeTriplets(saveDir, triplets, batch, restored);
            }
            if (images != null) {
              written.addAll(
                  writeRestored(images, options.restoredImages().output(), batch, restored, size));
            }
            inputs = batch.inputs();
          }
          progress.stepBy(inputs);
        }
        progress.stepTo(files);
      }
      unreadable = faces.unreadable();
    }
    if (evaluator.count() == 0 && images == null) {
      throw new BadParameter(
          names ->
              names.apply("input")
                  + " "
                  + options.input()
                  + ": none of its "
                  + files
                  + " image(s) could be read");
    }
    Evaluation result = evaluator.finish();
    double seconds = (System.nanoTime() - start) / 1e9;
    Path fidStatistics = options.fidStatistics();
    if (fidStatistics != null) {
      result
          .computedRealStatistics()
          .ifPresent(
              stats -> {
                stats.save(fidStatistics);
                listener.info(
                    "saved the FID statistics of the "
                        + stats.count()
                        + " real faces to "
                        + fidStatistics);
              });
    }
    String summary =
        result.count()
            + " of "
            + files
            + " image(s) of "
            + options.input()
            + " at "
            + size
            + "x"
            + size
            + " ("
            + resized
            + " resized), seed "
            + options.seed()
            + (unreadable > 0 ? ", " + unreadable + " unreadable" : "");
    if (options.metricsFile() != null) {
      Map<String, Object> counts = new LinkedHashMap<>();
      counts.put("files", files);
      counts.put("evaluated", result.count());
      counts.put("unreadable", unreadable);
      counts.put("resized", resized);
      Reports.writeJson(
          options.metricsFile(), result, config(options, restorer), options.seed(), counts);
    }
    Path tripletFolder = null;
    Path page = null;
    if (saveDir != null) {
      List<String> links = new ArrayList<>();
      for (String name : result.names()) {
        links.add(triplets.get(name));
      }
      tripletFolder = saveDir.resolve(TRIPLETS);
      page = saveDir.resolve(PAGE);
      List<String> lines =
          List.of(
              restorer.description(),
              summary,
              "each score compares with the real (high-quality) face; degraded input = what the model was given");
      Reports.writeHtml(page, result, TITLE, lines, links, size);
    }
    return new Result(
        restorer.description(),
        result,
        files,
        resized,
        unreadable,
        seconds,
        summary,
        options.metricsFile(),
        tripletFolder,
        page,
        written);
  }

  /** Writes each face's triplet (low quality | restored | real). */
  private static void writeTriplets(
      Path saveDir, Map<String, String> triplets, DegradedFaces.Batch batch, List<Mat> restored) {
    for (int i = 0; i < restored.size(); i++) {
      Mat triplet =
          EvalImages.sideBySide(batch.degraded().get(i), restored.get(i), batch.real().get(i));
      Images.write(saveDir.resolve(triplets.get(batch.names().get(i))), triplet);
    }
  }

  /** Writes each restored face and its degraded input; closes the restored faces. */
  private static List<WrittenFace> writeRestored(
      InputImages images, Path output, DegradedFaces.Batch batch, List<Mat> restored, int size) {
    List<WrittenFace> written = new ArrayList<>();
    for (int i = 0; i < restored.size(); i++) {
      Path source = batch.files().get(i);
      Path target = images.outputFor(source, output);
      Path degraded = OutputNaming.degradedInput(target);
      Images.write(degraded, batch.degraded().get(i));
      InputImages.writeRestored(target, restored.get(i), batch.images().get(i), size);
      written.add(new WrittenFace(source, target, degraded));
    }
    return written;
  }

  /**
   * The FID statistics of the real faces from {@code fidStatistics} where that file exists, else
   * null (to compute them, and save them there when it is given).
   */
  private static FeatureStatistics realStatistics(
      Options options, boolean withFid, int files, WorkflowListener listener) {
    Path file = options.fidStatistics();
    if (file == null) {
      return null;
    }
    if (!withFid) {
      listener.note(
          names ->
              names.apply("fidStatistics")
                  + " "
                  + file
                  + " is not used: FID is skipped ("
                  + (files < 2 ? "fewer than 2 images" : "no " + names.apply("inception"))
                  + ")");
      return null;
    }
    if (!Files.exists(file)) {
      listener.info(
          "FID statistics of the real faces: computed, then saved to "
              + file
              + " (it does not exist yet)");
      return null;
    }
    FeatureStatistics stats = naming("fidStatistics", () -> FeatureStatistics.load(file));
    if (stats.dims() != FidInception.DIMS || !FidInception.FEATURES.equals(stats.features())) {
      throw new BadParameter(
          names ->
              names.apply("fidStatistics")
                  + " "
                  + file
                  + ": holds statistics of "
                  + stats.dims()
                  + "-d features '"
                  + stats.features()
                  + "', not of the FID InceptionV3's "
                  + FidInception.DIMS
                  + "-d pool3; delete it or name another file");
    }
    listener.info(
        "FID statistics of the real faces: reusing "
            + file
            + " ("
            + stats.count()
            + " faces"
            + (stats.count() != files ? "; the folder has " + files + " image(s)" : "")
            + ")");
    return stats;
  }

  /**
   * Each file's triplet path relative to the save folder: its relative path as PNG, made unique.
   */
  private static Map<String, String> tripletNames(List<String> names) {
    Map<String, String> triplets = new HashMap<>();
    Set<String> taken = new HashSet<>();
    for (String name : names) {
      int dot = name.lastIndexOf('.');
      String stem =
          TRIPLETS + "/" + (dot > name.lastIndexOf('/') + 1 ? name.substring(0, dot) : name);
      String candidate = stem + ".png";
      // a.jpg and a.png both want a.png: the later one in sorted order gets a-2.png
      for (int k = 2; !taken.add(candidate); k++) {
        candidate = stem + "-" + k + ".png";
      }
      triplets.put(name, candidate);
    }
    return triplets;
  }

  /** The settings of the run, as {@code metrics.json} records them. */
  private static Map<String, Object> config(Options options, FaceRestorer restorer) {
    Optional<GpenConfig> architecture = restorer.architecture();
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("command", TITLE);
    c.put("weights", options.model().weights());
    c.put("key", options.model().key());
    c.put("model", restorer.description());
    c.put("size", restorer.size());
    c.put("channel_multiplier", architecture.map(GpenConfig::channelMultiplier).orElse(null));
    c.put("narrow", architecture.map(GpenConfig::narrow).orElse(null));
    c.put("test_path", options.input().toString());
    c.put("batch_size", options.batchSize());
    c.put("device", options.model().device());
    c.put("degradation", degradationConfig());
    c.put("inception", options.inception());
    c.put("fid_stats", options.fidStatistics() == null ? null : options.fidStatistics().toString());
    c.put("lpips", options.lpips());
    c.put("lpips_trunk", options.lpips() == null ? null : options.lpipsTrunk());
    c.put("id_weights", options.identityWeights());
    c.put("save_dir", options.saveDir() == null ? null : options.saveDir().toString());
    return c;
  }

  /**
   * The test degradation ({@link Evaluator#TEST_DEGRADATION}) as {@code metrics.json} records it
   * under {@code config.degradation}.
   */
  public static Map<String, Object> degradationConfig() {
    DegradationConfig d = Evaluator.TEST_DEGRADATION;
    Map<String, Object> deg = new LinkedHashMap<>();
    deg.put("flip_prob", d.flipProb());
    deg.put("gray_prob", d.grayProb());
    deg.put("kernel_size", d.kernelSize());
    deg.put("iso_prob", d.isoProb());
    deg.put("sigma", List.of(d.sigma().min(), d.sigma().max()));
    deg.put("downsample", List.of(d.downsample().min(), d.downsample().max()));
    deg.put("noise", List.of(d.noise().min(), d.noise().max()));
    deg.put("jpeg_quality", List.of(d.jpegQuality().min(), d.jpegQuality().max()));
    return deg;
  }

  private static boolean absent(String weights) {
    return weights == null || weights.isBlank();
  }

  /** Runs {@code open}, naming {@code parameter} at the start of its one-line error. */
  private static <T> T naming(String parameter, Supplier<T> open) {
    try {
      return open.get();
    } catch (GpenException e) {
      throw BadParameter.naming(parameter, e);
    }
  }

  /** Creates {@code dir} and checks that files can be written into it, before any work is done. */
  private static void writableFolder(String parameter, Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new BadParameter(
          names ->
              names.apply(parameter)
                  + ": cannot create folder "
                  + dir
                  + ": "
                  + AtomicFiles.reason(e),
          e);
    }
    if (!Files.isWritable(dir)) {
      throw new BadParameter(
          names ->
              names.apply(parameter) + ": cannot write to folder " + dir + ": permission denied");
    }
  }
}
