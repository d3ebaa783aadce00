package io.gpen.cli;

import io.gpen.GpenException;
import io.gpen.api.Restorer;
import io.gpen.data.Batch;
import io.gpen.data.DegradationConfig;
import io.gpen.data.FaceDataset;
import io.gpen.data.FaceLoader;
import io.gpen.eval.EvalImages;
import io.gpen.eval.Evaluation;
import io.gpen.eval.Evaluator;
import io.gpen.eval.IdentitySimilarity;
import io.gpen.eval.Reports;
import io.gpen.eval.SourceSizes;
import io.gpen.image.Images;
import io.gpen.metrics.FeatureStatistics;
import io.gpen.metrics.FidInception;
import io.gpen.metrics.Loaded;
import io.gpen.metrics.Lpips;
import io.gpen.nn.Devices;
import io.gpen.registry.ModelRegistry;
import io.gpen.util.AtomicFiles;
import io.gpen.util.ProgressBars;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import me.tongfei.progressbar.ProgressBar;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.Device;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gpen test}: degrade a folder of high-quality faces with the seeded test degradation,
 * restore them, and score the degraded inputs and the restored faces against the real ones.
 *
 * <p>The faces stream through in batches ({@link FaceLoader} in evaluation mode): each batch is
 * restored, scored ({@link Evaluator}), written as triplets where asked, and freed; only per-image
 * scores and the FID feature statistics are kept.
 */
@Command(
    name = "test",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Evaluate a GPEN model on a folder of high-quality aligned faces (searched recursively,"
          + " sorted): each face is resized to the model size (area interpolation), degraded with"
          + " the seeded test degradation (as `gpen degrade`: blur, downsampling, noise, JPEG; no flip"
          + " or grayscale), rounded to 8 bits and restored. The same seed and files give the same"
          + " numbers.",
      "Prints a table of PSNR, SSIM, LPIPS, FID and identity similarity for the degraded inputs and"
          + " for the restored faces, both against the real faces, and writes metrics.json; with"
          + " --save_dir also each triplet (low quality | restored | real) and an index.html showing"
          + " them. A metric whose weights are not given is skipped with the reason.",
      "Exit status 1 when an image could not be read (it is left out of the scores)."
    })
public final class TestCommand implements Callable<Integer> {
  /** The file name of the metrics, in --save_dir or the working folder. */
  static final String METRICS_FILE = "metrics.json";

  /** The folder of the triplet images inside --save_dir. */
  static final String TRIPLETS = "triplets";

  @Spec CommandSpec spec;

  @Mixin ModelOptions model;

  @Option(names = "--test_path", required = true, paramLabel = "DIR", description = "Folder of high-quality aligned face images.")
  Path testPath;

  @Option(names = "--seed", defaultValue = "100", paramLabel = "S", description = "Seed of the degradation.")
  long seed;

  @Option(names = "--batch_size", defaultValue = "4", paramLabel = "B", description = "Faces per forward pass and per scoring batch.")
  int batchSize;

  @Option(
      names = "--inception",
      paramLabel = "PATH",
      description = "FID InceptionV3 weights (pt_inception-2015-12-05-6726825d.pth, or the name "
          + FidInception.REGISTRY_NAME + "). Without it FID is skipped.")
  String inception;

  @Option(
      names = "--fid_stats",
      paramLabel = "FILE",
      description = "FID statistics of the real faces: reused when the file exists, else computed and"
          + " saved there. They depend on the folder and the model size.")
  Path fidStats;

  @Option(
      names = "--lpips",
      paramLabel = "PATH",
      description = "LPIPS v0.1 AlexNet linear heads (alex.pth, or the name " + Lpips.HEADS_REGISTRY_NAME
          + "). Without it LPIPS is skipped.")
  String lpips;

  @Option(
      names = "--lpips_trunk",
      paramLabel = "PATH",
      defaultValue = Lpips.TRUNK_REGISTRY_NAME,
      description = "torchvision AlexNet weights (alexnet-owt-7be5be79.pth) for LPIPS.")
  String lpipsTrunk;

  @Option(
      names = "--id_weights",
      paramLabel = "PATH",
      description = "Face embedding network for the identity similarity: ArcFace IR-SE50"
          + " (model_ir_se50.pth, or the name ArcFace-IR-SE50) or MobileFaceNet. Without it the"
          + " identity similarity is skipped.")
  String idWeights;

  @Option(
      names = "--save_dir",
      paramLabel = "DIR",
      description = "Write the triplets (" + TRIPLETS + "/<name>.png), index.html and " + METRICS_FILE + " here.")
  Path saveDir;

  @Option(
      names = "--output",
      paramLabel = "FILE",
      description = "Where metrics.json goes. Default: <save_dir>/" + METRICS_FILE + " with --save_dir, else ./"
          + METRICS_FILE + ".")
  Path output;

  @Override
  public Integer call() {
    if (!Files.isDirectory(testPath)) {
      throw new GpenException("--test_path " + testPath + ": " + (Files.exists(testPath) ? "not a folder" : "no such folder"));
    }
    Path metricsFile = output != null ? output : (saveDir != null ? saveDir.resolve(METRICS_FILE) : Path.of(METRICS_FILE));
    if (saveDir != null) {
      if (saveDir.toAbsolutePath().normalize().startsWith(testPath.toAbsolutePath().normalize())) {
        throw new GpenException("--save_dir " + saveDir + " is inside --test_path " + testPath
            + ": choose a folder outside it, or later runs would score the triplets as faces");
      }
      writableFolder("--save_dir", saveDir.resolve(TRIPLETS));
    }
    Path metricsParent = metricsFile.toAbsolutePath().getParent();
    writableFolder("--output", metricsParent);

    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    // listed now so that an empty folder fails before the networks load; the loader lists it again
    int files = Images.list(testPath, true).size();
    boolean withFid = inception != null && !inception.isBlank() && files >= 2;
    FeatureStatistics givenReal = realStatistics(withFid, files, err);
    ModelRegistry registry = ModelRegistry.defaultRegistry();
    Device device = Devices.parse(model.device);
    List<AutoCloseable> open = new ArrayList<>();
    try (Restorer restorer = model.restorer().batchSize(batchSize).build()) {
      err.println(restorer.description());
      Loaded<FidInception> fid = track(
          withFid || inception == null || inception.isBlank()
              ? naming("--inception", () -> FidInception.open(inception, registry))
              : Loaded.skipped("FID needs at least 2 images, got " + files),
          open);
      Loaded<Lpips> lpipsNet = track(naming("--lpips", () -> Lpips.open(lpips, lpipsTrunk, registry)), open);
      Loaded<IdentitySimilarity> identity =
          track(naming("--id_weights", () -> IdentitySimilarity.open(idWeights, registry, device)), open);
      if (!device.is_cpu()) {
        fid.model().ifPresent(n -> n.to(device));
        lpipsNet.model().ifPresent(n -> n.to(device));
      }
      err.flush();
      return evaluate(restorer, fid, lpipsNet, identity, givenReal, metricsFile, err, out);
    } finally {
      for (AutoCloseable c : open) {
        try {
          c.close();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  private int evaluate(Restorer restorer, Loaded<FidInception> fid, Loaded<Lpips> lpipsNet,
      Loaded<IdentitySimilarity> identity, FeatureStatistics givenReal, Path metricsFile, PrintWriter err, PrintWriter out) {
    int size = restorer.size();
    DegradationConfig degradation = Evaluator.TEST_DEGRADATION;
    Evaluator evaluator = new Evaluator(lpipsNet, fid, givenReal, identity);
    Map<String, String> triplets = new HashMap<>();
    int files;
    int resized;
    int unreadable;
    long start = System.nanoTime();
    try (FaceLoader loader = FaceLoader.builder(testPath, size)
        .evaluation()
        .batchSize(batchSize)
        .seed(seed)
        .degradation(degradation)
        .warnings(m -> err.println("gpen test: warning: " + m))
        .build()) {
      FaceDataset data = loader.dataset();
      files = data.count();
      resized = SourceSizes.countResized(data);
      err.println(resized == 0
          ? "all " + files + " image(s) are " + size + "x" + size + " already"
          : resized + " of " + files + " image(s) are not " + size + "x" + size
              + ": each is resized to " + size + "x" + size + " (area interpolation) before it is degraded");
      if (saveDir != null) {
        triplets = tripletNames(data);
      }
      err.flush();
      try (ProgressBar bar = ProgressBars.create("test", files, "img")) {
        while (loader.hasNext()) {
          Batch batch = loader.next();
          scoreBatch(restorer, evaluator, batch, triplets);
          bar.stepBy(batch.count());
        }
        bar.stepTo(files);
      }
      unreadable = loader.skipped();
    }
    if (evaluator.count() == 0) {
      throw new GpenException("--test_path " + testPath + ": none of its " + files + " image(s) could be read");
    }
    Evaluation result = evaluator.finish();
    double seconds = (System.nanoTime() - start) / 1e9;
    if (fidStats != null) {
      result.computedRealStatistics().ifPresent(stats -> {
        stats.save(fidStats);
        err.println("saved the FID statistics of the " + stats.count() + " real faces to " + fidStats);
      });
    }

    String title = "gpen test";
    List<String> summary = List.of(
        restorer.description(),
        result.count() + " of " + files + " image(s) of " + testPath + " at " + size + "x" + size
            + " (" + resized + " resized), seed " + seed + (unreadable > 0 ? ", " + unreadable + " unreadable" : ""),
        "each score compares with the real (high-quality) face; degraded input = what the model was given");
    out.println(summary.get(1));
    out.print(result.table(Charset.defaultCharset().newEncoder().canEncode("\u2191\u2193")));

    Map<String, Object> counts = new LinkedHashMap<>();
    counts.put("files", files);
    counts.put("evaluated", result.count());
    counts.put("unreadable", unreadable);
    counts.put("resized", resized);
    Reports.writeJson(metricsFile, result, config(restorer, degradation), seed, counts);
    out.println("metrics saved in " + metricsFile);
    if (saveDir != null) {
      List<String> links = new ArrayList<>();
      for (String name : result.names()) {
        links.add(triplets.get(name));
      }
      Path index = saveDir.resolve("index.html");
      Reports.writeHtml(index, result, title, summary, links, size);
      out.println("triplets (low quality | restored | real) in " + saveDir.resolve(TRIPLETS) + ", page " + index);
    }
    err.printf("evaluated %d image(s) in %.1f s%n", result.count(), seconds);
    out.flush();
    err.flush();
    return unreadable == 0 ? 0 : 1;
  }

  /** Restores one batch, scores it and writes its triplets; everything native is freed on return. */
  private void scoreBatch(Restorer restorer, Evaluator evaluator, Batch batch, Map<String, String> triplets) {
    int per = 3 * batch.size() * batch.size();
    try (PointerScope scope = new PointerScope()) {
      List<Mat> degraded = new ArrayList<>();
      List<Mat> real = new ArrayList<>();
      for (int i = 0; i < batch.count(); i++) {
        degraded.add(EvalImages.toEightBit(batch.lq(), i * per, batch.size()));
        real.add(EvalImages.toEightBit(batch.gt(), i * per, batch.size()));
      }
      List<Mat> restored = restorer.restore(degraded);
      evaluator.add(batch.names(), degraded, restored, real);
      if (saveDir != null) {
        for (int i = 0; i < batch.count(); i++) {
          Mat triplet = EvalImages.sideBySide(degraded.get(i), restored.get(i), real.get(i));
          Images.write(saveDir.resolve(triplets.get(batch.names().get(i))), triplet);
        }
      }
    }
  }

  /**
   * The FID statistics of the real faces from --fid_stats where that file exists, else null (to
   * compute them, and save them there when --fid_stats is given).
   */
  private FeatureStatistics realStatistics(boolean withFid, int files, PrintWriter err) {
    if (fidStats == null) {
      return null;
    }
    if (!withFid) {
      err.println("gpen test: note: --fid_stats " + fidStats + " is not used: FID is skipped ("
          + (files < 2 ? "fewer than 2 images" : "no --inception") + ")");
      return null;
    }
    if (!Files.exists(fidStats)) {
      err.println("FID statistics of the real faces: computed, then saved to " + fidStats + " (it does not exist yet)");
      return null;
    }
    FeatureStatistics stats = naming("--fid_stats", () -> FeatureStatistics.load(fidStats));
    if (stats.dims() != FidInception.DIMS || !FidInception.FEATURES.equals(stats.features())) {
      throw new GpenException("--fid_stats " + fidStats + ": holds statistics of " + stats.dims() + "-d features '"
          + stats.features() + "', not of the FID InceptionV3's " + FidInception.DIMS
          + "-d pool3; delete it or name another file");
    }
    err.println("FID statistics of the real faces: reusing " + fidStats + " (" + stats.count() + " faces"
        + (stats.count() != files ? "; the folder has " + files + " image(s)" : "") + ")");
    return stats;
  }

  /** Each file's triplet path relative to --save_dir: its relative path as PNG, made unique. */
  private static Map<String, String> tripletNames(FaceDataset data) {
    Map<String, String> names = new HashMap<>();
    Set<String> taken = new HashSet<>();
    for (int i = 0; i < data.count(); i++) {
      String name = data.name(i);
      int dot = name.lastIndexOf('.');
      String stem = TRIPLETS + "/" + (dot > name.lastIndexOf('/') + 1 ? name.substring(0, dot) : name);
      String candidate = stem + ".png";
      // a.jpg and a.png both want a.png: the later one in sorted order gets a-2.png
      for (int k = 2; !taken.add(candidate); k++) {
        candidate = stem + "-" + k + ".png";
      }
      names.put(name, candidate);
    }
    return names;
  }

  private Map<String, Object> config(Restorer restorer, DegradationConfig d) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("command", "gpen test");
    c.put("weights", model.weights);
    c.put("key", model.key);
    c.put("model", restorer.description());
    c.put("size", restorer.config().size());
    c.put("channel_multiplier", restorer.config().channelMultiplier());
    c.put("narrow", restorer.config().narrow());
    c.put("test_path", testPath.toString());
    c.put("batch_size", batchSize);
    c.put("device", model.device);
    Map<String, Object> deg = new LinkedHashMap<>();
    deg.put("flip_prob", d.flipProb());
    deg.put("gray_prob", d.grayProb());
    deg.put("kernel_size", d.kernelSize());
    deg.put("iso_prob", d.isoProb());
    deg.put("sigma", List.of(d.sigma().min(), d.sigma().max()));
    deg.put("downsample", List.of(d.downsample().min(), d.downsample().max()));
    deg.put("noise", List.of(d.noise().min(), d.noise().max()));
    deg.put("jpeg_quality", List.of(d.jpegQuality().min(), d.jpegQuality().max()));
    c.put("degradation", deg);
    c.put("inception", inception);
    c.put("fid_stats", fidStats == null ? null : fidStats.toString());
    c.put("lpips", lpips);
    c.put("lpips_trunk", lpips == null ? null : lpipsTrunk);
    c.put("id_weights", idWeights);
    c.put("save_dir", saveDir == null ? null : saveDir.toString());
    return c;
  }

  private static <T> Loaded<T> track(Loaded<T> loaded, List<AutoCloseable> open) {
    loaded.model().ifPresent(m -> {
      if (m instanceof AutoCloseable c) {
        open.add(c);
      }
    });
    return loaded;
  }

  /** Runs {@code open}, naming {@code option} at the start of its one-line error. */
  static <T> T naming(String option, Supplier<T> open) {
    try {
      return open.get();
    } catch (GpenException e) {
      throw new GpenException(option + ": " + e.getMessage(), e);
    }
  }

  /** Creates {@code dir} and checks that files can be written into it, before any work is done. */
  static void writableFolder(String option, Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new GpenException(option + ": cannot create folder " + dir + ": " + AtomicFiles.reason(e), e);
    }
    if (!Files.isWritable(dir)) {
      throw new GpenException(option + ": cannot write to folder " + dir + ": permission denied");
    }
  }
}
