package io.gpen.cli;

import io.gpen.GpenException;
import io.gpen.train.RunFolder;
import io.gpen.train.TrainConfig;
import io.gpen.train.TrainingRun;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
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
          + " it also takes official PyTorch training checkpoints and plain generator weights."
    })
public final class TrainCommand implements Callable<Integer> {
  // the training settings are options too, added from the schema by SettingOptions
  @Spec CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML file of settings (see configs/gpen.yaml).")
  Path config;

  @Option(
      names = "--overwrite",
      description = "Delete the checkpoints and train.log of an earlier run in --ckpt_dir instead of refusing the folder.")
  boolean overwrite;

  @Override
  public Integer call() {
    // only what was typed: the file's values must win over the defaults the help shows
    TrainConfig settings = TrainConfig.resolve(config, SettingOptions.given(spec.commandLine().getParseResult()));
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
}
