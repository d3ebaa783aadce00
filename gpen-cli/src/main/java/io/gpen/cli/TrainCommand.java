package io.gpen.cli;

import io.gpen.GpenException;
import io.gpen.train.RunFolder;
import io.gpen.train.TrainConfig;
import io.gpen.train.TrainingRun;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gpen train}: train GPEN as the official train_simple.py does. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    defaultValueProvider = TrainCommand.Defaults.class,
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
          + " it also takes official PyTorch training checkpoints and plain generator weights."
    })
public final class TrainCommand implements Callable<Integer> {
  // The option fields give picocli the types to parse into; call() reads the values through the
  // parse result, because only the options actually given may override the configuration file.
  @Spec CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML file of settings (see configs/gpen.yaml).")
  Path config;

  @Option(names = "--size", paramLabel = "N", description = "Face size of G and D.")
  Integer size;

  @Option(names = "--mul", paramLabel = "M", description = "Channel multiplier.")
  Integer mul;

  @Option(names = "--narrow", paramLabel = "F", description = "Width factor.")
  Double narrow;

  @Option(names = "--start_iter", paramLabel = "I", description = "First iteration.")
  Long startIter;

  @Option(names = "--max_iter", paramLabel = "N", description = "Stop when this many iterations are done.")
  Long maxIter;

  @Option(names = "--batch_size", paramLabel = "B", description = "Faces per iteration.")
  Integer batchSize;

  @Option(names = "--lr", paramLabel = "LR", description = "Base learning rate.")
  Double lr;

  @Option(names = "--r1", paramLabel = "W", description = "R1 weight.")
  Double r1;

  @Option(names = "--path_regularize", paramLabel = "W", description = "Path-length weight.")
  Double pathRegularize;

  @Option(names = "--d_reg_every", paramLabel = "K", description = "R1 every K iterations, 0 off.")
  Integer dRegEvery;

  @Option(names = "--g_reg_every", paramLabel = "K", description = "Path-length step every K iterations, 0 off.")
  Integer gRegEvery;

  @Option(names = "--l1_weight", paramLabel = "W", description = "Smooth L1 weight.")
  Double l1Weight;

  @Option(names = "--id_weight", paramLabel = "W", description = "Identity loss weight.")
  Double idWeight;

  @Option(names = "--save_every", paramLabel = "N", description = "Checkpoint every N iterations.")
  Long saveEvery;

  @Option(names = "--sample_every", paramLabel = "N", description = "Sample grid and validation every N.")
  Long sampleEvery;

  @Option(names = "--log_every", paramLabel = "N", description = "Log line every N iterations.")
  Long logEvery;

  @Option(names = "--val_count", paramLabel = "N", description = "Validation images scored.")
  Integer valCount;

  @Option(names = "--seed", paramLabel = "S", description = "Seed of weights, data order, degradation, noise.")
  Long seed;

  @Option(names = "--train_path", paramLabel = "DIR", description = "Folder of high-quality training faces.")
  Path trainPath;

  @Option(names = "--test_path", paramLabel = "DIR", description = "Folder of high-quality validation faces.")
  Path testPath;

  @Option(names = "--ckpt_dir", paramLabel = "DIR", description = "Checkpoints and train.log.")
  Path ckptDir;

  @Option(names = "--sample_dir", paramLabel = "DIR", description = "Sample grids.")
  Path sampleDir;

  @Option(
      names = "--id_weights",
      paramLabel = "FILE",
      description = "Identity network: ArcFace IR-SE50 (model_ir_se50.pth, or the name ArcFace-IR-SE50) or MobileFaceNet.")
  Path idWeights;

  @Option(
      names = "--pretrain",
      paramLabel = "FILE",
      description = "Checkpoint to start from: a training checkpoint (ours or official) or generator weights (file or model name).")
  Path pretrain;

  @Option(names = "--device", paramLabel = "DEVICE", description = "cpu, cuda or cuda:N.")
  String device;

  @Option(names = "--threads", paramLabel = "T", description = "libtorch CPU threads, 0 for every core.")
  Integer threads;

  @Option(names = "--workers", paramLabel = "N", description = "Threads that load and degrade images.")
  Integer workers;

  @Option(
      names = "--overwrite",
      description = "Delete the checkpoints and train.log of an earlier run in --ckpt_dir instead of refusing the folder.")
  boolean overwrite;

  @Override
  public Integer call() {
    // only what was typed: the file's values must win over the defaults the help shows
    Map<String, Object> flags = new LinkedHashMap<>();
    for (OptionSpec option : spec.commandLine().getParseResult().matchedOptions()) {
      String key = option.longestName().substring(2);
      if (TrainConfig.KEYS.contains(key)) {
        flags.put(key, option.getValue());
      }
    }
    TrainConfig settings = TrainConfig.resolve(config, flags);
    PrintWriter err = spec.commandLine().getErr();
    TrainingRun.Result r;
    try {
      r = TrainingRun.run(settings, overwrite ? RunFolder.Existing.REPLACE : RunFolder.Existing.REFUSE, note -> {
        err.println("gpen train: " + note);
        err.flush();
      });
    } catch (RunFolder.OccupiedException e) {
      throw new GpenException(e.getMessage() + " (--pretrain FILE, another --ckpt_dir, or --overwrite)", e);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.printf(Locale.ROOT, "trained iterations %d to %d: d %.4f, g %.4f, l1 %.4f%s; checkpoint %s%n",
        r.firstIteration(), r.iterations(), r.last().d(), r.last().g(), r.last().l1(),
        Double.isNaN(r.psnr()) ? "" : String.format(Locale.ROOT, ", validation PSNR %.2f dB", r.psnr()),
        r.checkpoint());
    out.flush();
    return 0;
  }

  /** Shows the built-in defaults ({@link TrainConfig#defaults()}) in the help. */
  static final class Defaults implements IDefaultValueProvider {
    @Override
    public String defaultValue(ArgSpec arg) {
      if (arg instanceof OptionSpec option) {
        Object value = TrainConfig.defaults().get(option.longestName().substring(2));
        return value instanceof Map ? null : value == null ? null : value.toString();
      }
      return null;
    }
  }
}
