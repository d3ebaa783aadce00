package io.gpen.cli;

import io.gpen.GpenException;
import io.gpen.data.SyntheticFaces;
import io.gpen.image.Images;
import io.gpen.train.RunFolder;
import io.gpen.util.AtomicFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gpen lite}: the lite train → export → infer → evaluate chain of the original's test
 * pipeline, small enough for any machine and needing no downloads.
 */
@Command(
    name = "lite",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Run the whole system end to end at a small size: prepare a tiny data set, train, export to"
          + " ONNX, infer with ONNX Runtime on a degraded image, and evaluate the trained model.",
      "Data: --data when given, else ../shared/faces/ffhq256 when present, else faces the project"
          + " draws itself. Prints one line per stage, 'Run successfully with command - ...' or 'Run"
          + " failed with command - ...'; each stage's output goes to LOG_DIR/<stage>.log and the"
          + " lines to LOG_DIR/results.log. Exits 1 when a stage fails."
    })
public final class LiteCommand implements Callable<Integer> {
  /** Where the chain looks for sample faces when no --data is given (the project's test data). */
  static final Path SHARED_FACES = Path.of("..", "shared", "faces", "ffhq256");

  @Spec CommandSpec spec;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description = "Folder of aligned high-quality faces.")
  Path data;

  @Option(names = "--size", paramLabel = "N", defaultValue = "64", description = "Model size.")
  int size;

  @Option(
      names = "--iters",
      paramLabel = "N",
      defaultValue = "50",
      description = "Training iterations.")
  int iters;

  @Option(
      names = "--work_dir",
      paramLabel = "DIR",
      defaultValue = "lite",
      description = "Data, checkpoints, model and results.")
  Path workDir;

  @Option(
      names = "--log_dir",
      paramLabel = "DIR",
      defaultValue = "log/lite",
      description = "Stage logs and results.log.")
  Path logDir;

  @Option(
      names = "--seed",
      paramLabel = "S",
      defaultValue = "100",
      description = "Seed of training and of the test degradation.")
  long seed;

  /** A stage: a name for its log and the gpen command line it runs. */
  private record Stage(String name, List<String> args) {}

  @Override
  public Integer call() {
    if (iters < 1) {
      throw new GpenException("--iters must be at least 1, got " + iters);
    }
    PrintWriter out = spec.commandLine().getOut();
    try {
      Files.createDirectories(logDir);
    } catch (IOException e) {
      throw new GpenException(
          "cannot create log folder " + logDir + ": " + AtomicFiles.reason(e), e);
    }
    Path results = logDir.resolve("results.log");
    Path faces = prepareData(out, results);
    if (faces == null) {
      return 1;
    }
    Path ckpts = workDir.resolve("ckpts");
    Path checkpoint = new RunFolder(ckpts).checkpoint(iters);
    Path model = workDir.resolve("inference").resolve("GPEN");
    Path probe = Images.list(faces).get(0);
    List<Stage> stages =
        List.of(
            new Stage(
                "train",
                List.of(
                    "train",
                    "--size",
                    Integer.toString(size),
                    "--mul",
                    "1",
                    "--narrow",
                    "0.25",
                    "--start_iter",
                    "0",
                    "--max_iter",
                    Integer.toString(iters),
                    "--batch_size",
                    "2",
                    "--train_path",
                    faces.toString(),
                    "--test_path",
                    faces.toString(),
                    "--ckpt_dir",
                    ckpts.toString(),
                    "--sample_dir",
                    workDir.resolve("samples").toString(),
                    "--save_every",
                    Integer.toString(iters),
                    "--sample_every",
                    Integer.toString(iters),
                    "--log_every",
                    Integer.toString(Math.max(1, iters / 5)),
                    "--seed",
                    Long.toString(seed),
                    "--overwrite")),
            new Stage(
                "export",
                List.of(
                    "export",
                    "--model_path",
                    checkpoint.toString(),
                    "--save_dir",
                    model.toString())),
            new Stage(
                "infer",
                List.of(
                    "infer",
                    "--model_file",
                    model.resolve("model.onnx").toString(),
                    "--img",
                    probe.toString(),
                    "--output",
                    workDir.resolve("predict").toString(),
                    "--degrade",
                    "--seed",
                    Long.toString(seed))),
            new Stage(
                "test",
                List.of(
                    "test",
                    "-w",
                    checkpoint.toString(),
                    "--test_path",
                    faces.toString(),
                    "--seed",
                    Long.toString(seed),
                    "--save_dir",
                    workDir.resolve("eval").toString())));
    for (Stage stage : stages) {
      if (!run(stage, out, results)) {
        return 1;
      }
    }
    return 0;
  }

  /**
   * The faces to train and test on: --data, the shared test faces, or drawn ones. Returns null when
   * the stage failed (already reported).
   */
  private Path prepareData(PrintWriter out, Path results) {
    String what;
    Path dir;
    if (data != null) {
      dir = data;
      what = "use --data " + data;
    } else if (Files.isDirectory(SHARED_FACES)) {
      dir = SHARED_FACES;
      what = "use " + SHARED_FACES;
    } else {
      dir = workDir.resolve("data");
      what = "draw 8 synthetic faces into " + dir;
    }
    String command = "prepare data: " + what;
    try {
      if (data == null && !Files.isDirectory(SHARED_FACES)) {
        SyntheticFaces.write(dir, 8, 256, seed);
      }
      int n = Images.list(dir).size();
      log(logDir.resolve("prepare.log"), command + " (" + n + " images)\n");
      report(true, command, out, results);
      return dir;
    } catch (RuntimeException e) {
      log(logDir.resolve("prepare.log"), command + "\n" + e + "\n");
      report(false, command, out, results);
      out.println("  " + e.getMessage());
      return null;
    }
  }

  /** Runs one stage in this process, its output captured to its log. */
  private boolean run(Stage stage, PrintWriter out, Path results) {
    String command = "gpen " + String.join(" ", stage.args());
    StringWriter captured = new StringWriter();
    PrintWriter w = new PrintWriter(captured, true);
    CommandLine cl = Main.commandLine();
    cl.setOut(w);
    cl.setErr(w);
    int code;
    try {
      code = cl.execute(stage.args().toArray(String[]::new));
    } catch (RuntimeException e) {
      w.println(e);
      code = 2;
    }
    w.flush();
    log(logDir.resolve(stage.name() + ".log"), command + "\n" + captured);
    boolean ok = code == 0;
    report(ok, command, out, results);
    if (!ok) {
      out.println("  see " + logDir.resolve(stage.name() + ".log"));
    }
    return ok;
  }

  private static void report(boolean ok, String command, PrintWriter out, Path results) {
    String line =
        (ok ? "Run successfully with command - " : "Run failed with command - ") + command;
    out.println(line);
    out.flush();
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME);
    append(results, "[" + stamp + "] " + line + "\n");
  }

  private static void log(Path file, String text) {
    AtomicFiles.write(file, text.getBytes(StandardCharsets.UTF_8));
  }

  private static void append(Path file, String line) {
    try {
      Files.writeString(
          file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new GpenException("cannot write " + file + ": " + AtomicFiles.reason(e), e);
    }
  }
}
