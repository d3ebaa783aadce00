package io.gpen.cli;

import io.gpen.GpenException;
import io.gpen.train.RunFolder;
import io.gpen.train.TrainConfig;
import io.gpen.train.TrainingRun;
import io.gpen.train.distributed.Launcher;
import io.gpen.train.distributed.Worker;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gpen train}: train GPEN as the official train_simple.py does. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    modelTransformer = SettingOptions.class,
    description = {
      "Train GPEN on a folder of aligned high-quality faces, degraded on the fly, with the reference's"
          + " losses and schedule: logistic GAN loss, R1 every d_reg_every iterations, path-length"
          + " regularisation every g_reg_every, smooth L1, identity loss (with --id_weights), Adam with"
          + " lazy-regularisation rates, and an exponential moving average g_ema of the generator.",
      "Settings come from the built-in defaults (GPEN-BFR-256), then --config FILE (YAML with the same"
          + " keys as the options below, plus a 'degradation' section), then the options given.",
      "Writes CKPT_DIR/NNNNNN.safetensors (every --save_every iterations and at the end; N = iterations"
          + " done), CKPT_DIR/train.log, and SAMPLE_DIR/NNNNNN.png grids (degraded | g_ema | original)"
          + " with the validation PSNR on --test_path. --pretrain CHECKPOINT continues a run exactly;"
          + " it also takes official PyTorch training checkpoints and plain generator weights.",
      "Data parallel: --nproc_per_node N starts N worker processes on this machine (libtorch c10d, Gloo),"
          + " each with batch --batch_size, its gradients averaged; across machines run it on each with"
          + " --nnodes, --node_rank, --master_addr and --master_port, or start the workers yourself with"
          + " torchrun's variables RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT."
    })
public final class TrainCommand implements Callable<Integer> {
  // the training settings are options too, added from the schema by SettingOptions
  @Spec CommandSpec spec;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "YAML file of settings (see configs/gpen.yaml).")
  Path config;

  @Option(
      names = "--overwrite",
      description =
          "Delete the checkpoints and train.log of an earlier run in --ckpt_dir instead of refusing the folder.")
  boolean overwrite;

  @Option(
      names = "--nproc_per_node",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "Worker processes on this machine (data-parallel training; the cores are shared among them).")
  int nprocPerNode;

  @Option(
      names = "--nnodes",
      paramLabel = "N",
      defaultValue = "1",
      description = "Machines taking part.")
  int nnodes;

  @Option(
      names = "--node_rank",
      paramLabel = "I",
      defaultValue = "0",
      description =
          "This machine's index, 0 to nnodes − 1 (0 runs rank 0, which writes the files).")
  int nodeRank;

  @Option(
      names = "--master_addr",
      paramLabel = "HOST",
      defaultValue = "127.0.0.1",
      description = "Address of machine 0, where rank 0 serves the rendezvous.")
  String masterAddr;

  @Option(
      names = "--master_port",
      paramLabel = "PORT",
      defaultValue = "0",
      description = "Port of the rendezvous on machine 0 (0 on one machine: a free port).")
  int masterPort;

  @Option(
      names = "--dist_timeout",
      paramLabel = "SECONDS",
      defaultValue = "300",
      description =
          "How long the workers wait for each other (rendezvous, each gradient exchange) before they stop.")
  int distTimeout;

  private static Consumer<String> printer(PrintWriter w) {
    return line -> {
      w.println(line);
      w.flush();
    };
  }

  @Override
  public Integer call() {
    Optional<Worker> worker =
        Worker.fromEnvironment(System.getenv(), Duration.ofSeconds(distTimeout));
    if (worker.isEmpty() && (nprocPerNode > 1 || nnodes > 1)) {
      // the launcher: the workers run this same command line, told their rank by the environment
      return Launcher.run(
          new Launcher.Layout(nprocPerNode, nnodes, nodeRank, masterAddr, masterPort),
          Main.class.getName(),
          List.copyOf(spec.root().commandLine().getParseResult().originalArgs()),
          printer(spec.commandLine().getOut()),
          printer(spec.commandLine().getErr()));
    }
    // only what was typed: the file's values must win over the defaults the help shows
    TrainConfig settings =
        TrainConfig.resolve(config, SettingOptions.given(spec.commandLine().getParseResult()));
    PrintWriter err = spec.commandLine().getErr();
    TrainingRun.Result r;
    try {
      r =
          TrainingRun.run(
              settings,
              overwrite ? RunFolder.Existing.REPLACE : RunFolder.Existing.REFUSE,
              worker.orElse(null),
              note -> {
                err.println("gpen train: " + note);
                err.flush();
              });
    } catch (RunFolder.OccupiedException e) {
      throw new GpenException(
          e.getMessage() + " (--pretrain FILE, another --ckpt_dir, or --overwrite)", e);
    }
    if (worker.isPresent() && !worker.get().lead()) {
      return 0;
    }
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        Locale.ROOT,
        "trained iterations %d to %d: d %.4f, g %.4f, l1 %.4f%s; checkpoint %s%n",
        r.firstIteration(),
        r.iterations(),
        r.last().d(),
        r.last().g(),
        r.last().l1(),
        Double.isNaN(r.psnr())
            ? ""
            : String.format(Locale.ROOT, ", validation PSNR %.2f dB", r.psnr()),
        r.checkpoint());
    out.flush();
    return 0;
  }
}
