package io.gpen.spark;

import io.gpen.BadParameter;
import io.gpen.GpenException;
import io.gpen.api.Engine;
import io.gpen.face.FaceDetectors;
import io.gpen.metrics.Lpips;
import io.gpen.nn.Precision;
import io.gpen.workflow.ModelSpec;
import io.gpen.workflow.PhotoPipeline;
import io.gpen.workflow.PhotoRestoration;
import io.gpen.workflow.WorkflowListener;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The Spark application: {@code spark-submit --class io.gpen.spark.GpenSpark gpen-spark.jar --input
 * URI --output URI -w W [options]}, or {@code ./gpen spark --master 'local[2]' ...} in one JVM.
 * {@code --task restore} (the default) restores every input as {@code gpen restore} does ({@link
 * SparkRestoration}); {@code --task test} evaluates a folder as {@code gpen test} does ({@link
 * SparkEvaluation}).
 *
 * <p>Without {@code --master} the session is spark-submit's; with it the command starts a session
 * of its own and stops it at the end. A {@code local[N]} session binds to 127.0.0.1, has no web UI
 * and gives each task the N cores ({@code spark.task.cpus}), unless {@code --conf} says otherwise.
 * Errors are one line on stderr, exit status 1; with {@code --task restore} the exit status is 1
 * too when an input was an error row.
 */
@Command(
    name = "gpen spark",
    showDefaultValues = true,
    sortOptions = false,
    description = {
      "Restore (--task restore) or evaluate (--task test) an archive of images on Apache Spark: decoding,"
          + " detection, restoration and encoding run in the executors, each executor JVM loading the networks"
          + " once (libtorch threads = spark.task.cpus).",
      "restore: every file --input names (a Hadoop URI, folder or glob) is restored as `gpen restore` does,"
          + " its files written into --output under the same names, through a temporary name and a rename;"
          + " a manifest (Parquet: path, output, status, faces, size, seconds, error) goes to"
          + " <output>/_manifest. Inputs whose <name>_GPEN.png exists are skipped unless --overwrite; an"
          + " unreadable input is an error row (exit status 1), not a failed job.",
      "test: the images of the folder --input and below it are evaluated as `gpen test` does (same seed,"
          + " same numbers); <output>/metrics.json is written."
    })
public final class GpenSpark implements Callable<Integer> {
  /** What the job does. */
  enum Task {
    RESTORE,
    TEST;

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * {@code local}, {@code local[N]}, {@code local[*]}, {@code local[N,F]}: group 1 the cores, if
   * given.
   */
  private static final Pattern LOCAL_MASTER =
      Pattern.compile("local(?:\\[(\\d+|\\*)(?:,\\d+)?\\])?");

  @Spec CommandSpec spec;

  @Option(
      names = "--task",
      paramLabel = "TASK",
      defaultValue = "restore",
      description = "restore or test.",
      converter = TaskConverter.class)
  Task task;

  @Option(
      names = "--master",
      paramLabel = "URL",
      description =
          "Spark master, e.g. 'local[2]'; default:"
              + " spark-submit's. With local[N] each task gets the N cores (spark.task.cpus=N, unless --conf sets it):"
              + " the tasks of one JVM share one set of networks.")
  String master;

  @Option(
      names = "--conf",
      paramLabel = "KEY=VALUE",
      showDefaultValue = CommandLine.Help.Visibility.NEVER,
      description =
          "A Spark setting for the session this command starts (with --master), e.g."
              + " spark.task.cpus=2.")
  Map<String, String> conf = new LinkedHashMap<>();

  @Option(
      names = "--input",
      required = true,
      paramLabel = "URI",
      description =
          "restore: a Hadoop URI, folder or glob of images; test: a folder of high-quality faces.")
  String input;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "URI",
      description = "The output folder (created when" + " missing).")
  String output;

  @Option(
      names = {"-w", "--weights", "--w"},
      required = true,
      paramLabel = "WEIGHTS",
      description =
          "Checkpoint file or a model name from `gpen models` (resolved on the driver and shipped to the"
              + " executors); with --engine onnx an ONNX model file.")
  String weights;

  @Option(
      names = "--engine",
      paramLabel = "ENGINE",
      defaultValue = "libtorch",
      description = "libtorch or onnx.")
  Engine engine;

  @Option(
      names = "--key",
      paramLabel = "KEY",
      description = "Entry of a training checkpoint. Default: g_ema when" + " present.")
  String key;

  @Option(
      names = "--size",
      paramLabel = "N",
      description = "Model size. Default: inferred from the weights.")
  Integer size;

  @Option(
      names = "--mul",
      paramLabel = "M",
      description = "Channel multiplier. Default: inferred from the weights.")
  Integer mul;

  @Option(
      names = "--narrow",
      paramLabel = "F",
      description = "Width factor. Default: inferred from the weights.")
  Double narrow;

  @Option(
      names = "--out_size",
      paramLabel = "N",
      description =
          "Output side of a FullGenerator_SR model (larger than --size). Default: inferred from the"
              + " weights.")
  Integer outSize;

  @Option(
      names = "--precision",
      paramLabel = "P",
      defaultValue = "fp32",
      description =
          "Convolutions in fp32, or in bf16 (faster on CPUs with AVX-512-BF16). Engine libtorch"
              + " only.")
  String precision;

  @Option(
      names = "--batch_size",
      paramLabel = "B",
      description = "Faces per forward pass. Default: 1 (restore)," + " 4 (test).")
  Integer batchSize;

  @Option(
      names = "--partitions",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Tasks sharing the inputs;" + " 0: four per core (restore), one per core (test).")
  int partitions;

  @Option(
      names = "--javacpp_cachedir",
      paramLabel = "DIR",
      description =
          "Where the executors unpack the native"
              + " libraries (org.bytedeco.javacpp.cachedir), for read-only home folders. Default: ~/.javacpp/cache.")
  String javacppCacheDir;

  // restore
  @Option(
      names = "--aligned",
      description = "restore: the inputs are aligned faces, restored whole.")
  boolean aligned;

  @Option(
      names = "--alpha",
      paramLabel = "A",
      defaultValue = "1.0",
      description = "restore: weight of the restored" + " face against the original one.")
  double alpha;

  @Option(
      names = "--detector",
      paramLabel = "NAME",
      defaultValue = "retinaface",
      description = "restore: face" + " detector, ${COMPLETION-CANDIDATES}.")
  FaceDetectors.Kind detector;

  @Option(
      names = "--detector_weights",
      paramLabel = "PATH|NAME",
      description =
          "restore: detector weights." + " Default: the detector's model from the registry.")
  String detectorWeights;

  @Option(
      names = "--mask",
      paramLabel = "MASK",
      defaultValue = "auto",
      description = "restore: paste mask, parse," + " box or auto.")
  PhotoRestoration.Mask mask;

  @Option(
      names = "--parse_weights",
      paramLabel = "PATH|NAME",
      description =
          "restore: face parser weights"
              + " (ParseNet). Default: ParseNet-latest where it is in the driver's model cache.")
  String parserWeights;

  @Option(names = "--use_sr", description = "restore: super-resolve the background (Real-ESRNet).")
  boolean useSr;

  @Option(
      names = "--sr_scale",
      paramLabel = "S",
      description =
          "restore, with --use_sr: 1, 2 or 4. Default: 2, or" + " the scale of --sr_weights.")
  Integer srScale;

  @Option(
      names = "--sr_weights",
      paramLabel = "PATH|NAME",
      description =
          "restore, with --use_sr: the"
              + " super-resolution network. Default: realesrnet_x<--sr_scale>.")
  String srWeights;

  @Option(
      names = "--tile_size",
      paramLabel = "N",
      description = "restore, with --use_sr: tiles of N input pixels;" + " 0: the whole photo.")
  Integer tileSize;

  @Option(
      names = "--compare",
      description = "restore: also write <name>_COMP.jpg (input | output).")
  boolean compare;

  @Option(
      names = "--save_faces",
      description = "restore: also write each aligned face and its restoration.")
  boolean saveFaces;

  @Option(names = "--overwrite", description = "restore: restore inputs whose outputs exist again.")
  boolean overwrite;

  @Option(
      names = "--manifest",
      paramLabel = "URI",
      description = "restore: where the manifest goes. Default:" + " <output>/_manifest.")
  String manifest;

  // test
  @Option(
      names = "--seed",
      paramLabel = "S",
      defaultValue = "100",
      description = "test: seed of the degradation.")
  long seed;

  @Option(
      names = "--inception",
      paramLabel = "PATH|NAME",
      description = "test: FID InceptionV3 weights; without" + " them FID is skipped.")
  String inception;

  @Option(
      names = "--lpips",
      paramLabel = "PATH|NAME",
      description = "test: LPIPS heads; without them LPIPS is" + " skipped.")
  String lpips;

  @Option(
      names = "--lpips_trunk",
      paramLabel = "PATH|NAME",
      defaultValue = Lpips.TRUNK_REGISTRY_NAME,
      description = "test: LPIPS's AlexNet trunk.")
  String lpipsTrunk;

  @Option(
      names = "--id_weights",
      paramLabel = "PATH|NAME",
      description =
          "test: face embedder of the identity" + " similarity; without it identity is skipped.")
  String identityWeights;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help and exit.")
  boolean help;

  /** Parses {@code restore} and {@code test} in any case. */
  static final class TaskConverter implements CommandLine.ITypeConverter<Task> {
    @Override
    public Task convert(String value) {
      return Task.valueOf(value.toUpperCase(Locale.ROOT));
    }
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line with one-line errors. */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new GpenSpark());
    cl.setUsageHelpAutoWidth(true);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setExecutionExceptionHandler(GpenSpark::handleException);
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          PrintWriter err = ex.getCommandLine().getErr();
          err.println("gpen spark: " + ex.getMessage());
          err.println("Try 'gpen spark --help' for the options.");
          err.flush();
          return 1;
        });
    return cl;
  }

  @Override
  public Integer call() {
    ModelSpec model =
        ModelSpec.of(engine, weights)
            .withKey(key)
            .withArchitecture(size, mul, narrow, outSize)
            .withPrecision(Precision.of(precision));
    WorkflowListener listener = listener(spec.commandLine().getErr());
    SparkSession existing = SparkSession.getDefaultSession().getOrElse(() -> null);
    SparkSession spark = session();
    try {
      return task == Task.RESTORE ? restore(spark, model, listener) : test(spark, model, listener);
    } finally {
      if (existing == null && master != null) {
        spark.stop();
      }
    }
  }

  private int restore(SparkSession spark, ModelSpec model, WorkflowListener listener) {
    if (!useSr && (srScale != null || srWeights != null || tileSize != null)) {
      throw new GpenException("--sr_scale, --sr_weights and --tile_size apply with --use_sr");
    }
    EnumSet<PhotoRestoration.Extra> extras = EnumSet.noneOf(PhotoRestoration.Extra.class);
    if (compare) {
      extras.add(PhotoRestoration.Extra.COMPARISON);
    }
    if (saveFaces) {
      extras.add(PhotoRestoration.Extra.FACES);
    }
    PhotoRestoration.SuperResolution sr =
        !useSr ? null : PhotoRestoration.SuperResolution.of(srScale, srWeights, tileSize);
    PhotoPipeline.Settings settings =
        new PhotoPipeline.Settings(
            model,
            detector,
            detectorWeights,
            alpha,
            aligned ? PhotoRestoration.Inputs.ALIGNED_FACES : PhotoRestoration.Inputs.PHOTOS,
            extras,
            batchSize == null ? 1 : batchSize,
            mask,
            parserWeights,
            sr);
    SparkRestoration.Result r =
        SparkRestoration.run(
            spark,
            settings,
            new SparkRestoration.Job(
                input, output, manifest, overwrite, partitions, javacppCacheDir),
            listener);
    PrintWriter err = spec.commandLine().getErr();
    err.printf(
        Locale.ROOT,
        "restored %d image(s), %d face(s); %d skipped (outputs exist), %d error(s); %.1f s%n",
        r.restored(),
        r.faces(),
        r.skipped(),
        r.failed(),
        r.seconds());
    err.println("manifest: " + r.manifest());
    err.flush();
    return r.failed() == 0 ? 0 : 1;
  }

  private int test(SparkSession spark, ModelSpec model, WorkflowListener listener) {
    SparkEvaluation.Result r =
        SparkEvaluation.run(
            spark,
            new SparkEvaluation.Job(
                model,
                input,
                output,
                seed,
                batchSize == null ? 4 : batchSize,
                inception,
                lpips,
                lpipsTrunk,
                identityWeights,
                partitions,
                javacppCacheDir),
            listener);
    PrintWriter out = spec.commandLine().getOut();
    out.println(r.summary());
    out.print(
        r.evaluation().table(Charset.defaultCharset().newEncoder().canEncode("\u2191\u2193")));
    out.println("metrics saved in " + r.metricsFile());
    out.flush();
    return r.unreadable() == 0 ? 0 : 1;
  }

  /** spark-submit's session, or with --master one of this command's. */
  private SparkSession session() {
    SparkSession.Builder b = SparkSession.builder().appName("gpen spark " + task);
    if (master != null) {
      b.master(master);
      Matcher local = LOCAL_MASTER.matcher(master);
      if (local.matches()) {
        b.config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false");
        // the tasks of this JVM share one set of networks, one photo at a time: each gets every
        // core
        String cores =
            local.group(1) == null
                ? "1"
                : local.group(1).equals("*")
                    ? Integer.toString(Runtime.getRuntime().availableProcessors())
                    : local.group(1);
        b.config("spark.task.cpus", cores);
      }
    }
    conf.forEach(b::config);
    return b.getOrCreate();
  }

  /** Notes and warnings as lines on stderr, with the job's flags. */
  private static WorkflowListener listener(PrintWriter err) {
    Consumer<String> line =
        s -> {
          err.println(s);
          err.flush();
        };
    return new WorkflowListener() {
      @Override
      public void info(String message) {
        line.accept(message);
      }

      @Override
      public void warning(String message) {
        line.accept("warning: " + message);
      }

      @Override
      public void note(io.gpen.ParameterText text) {
        line.accept("note: " + text.render(Flags::of));
      }
    };
  }

  /**
   * One line for errors users can act on, the job's flags named; a stack trace only with
   * GPEN_DEBUG=1.
   */
  static int handleException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
    PrintWriter err = cl.getErr();
    if ("1".equals(System.getenv("GPEN_DEBUG"))) {
      ex.printStackTrace(err);
    }
    GpenException cause = gpenCause(ex);
    if (cause != null) {
      err.println(
          "gpen spark: error: "
              + (cause instanceof BadParameter b ? b.message(Flags::of) : cause.getMessage()));
      err.flush();
      return 1;
    }
    String m = String.valueOf(ex.getMessage()).strip();
    int nl = m.indexOf('\n');
    err.println(
        "gpen spark: error: "
            + ex.getClass().getSimpleName()
            + ": "
            + (nl < 0 ? m : m.substring(0, nl))
            + " (set GPEN_DEBUG=1 for the stack trace)");
    err.flush();
    return 2;
  }

  /** The library error at the root of a failure, also where a failed Spark task carried it. */
  private static GpenException gpenCause(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof GpenException g) {
        return g;
      }
    }
    return null;
  }
}
