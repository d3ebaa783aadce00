package io.gpen.cli;

import io.gpen.train.TrainConfig;
import io.gpen.train.TrainingRun;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gpen train}: train GPEN as the official train_simple.py does. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
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
  @Spec CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML file of settings (see configs/gpen.yaml).")
  Path config;

  @Option(names = "--size", paramLabel = "N", description = "Face size of G and D (default 256).")
  Integer size;

  @Option(names = "--mul", paramLabel = "M", description = "Channel multiplier (default 1).")
  Integer mul;

  @Option(names = "--narrow", paramLabel = "F", description = "Width factor (default 0.5).")
  Double narrow;

  @Option(names = "--start_iter", paramLabel = "I", description = "First iteration (default: the checkpoint's, else 0).")
  Long startIter;

  @Option(names = "--max_iter", paramLabel = "N", description = "Stop when this many iterations are done (default 150000).")
  Long maxIter;

  @Option(names = "--batch_size", paramLabel = "B", description = "Faces per iteration (default 2).")
  Integer batchSize;

  @Option(names = "--lr", paramLabel = "LR", description = "Base learning rate (default 0.002).")
  Double lr;

  @Option(names = "--r1", paramLabel = "W", description = "R1 weight (default 10).")
  Double r1;

  @Option(names = "--path_regularize", paramLabel = "W", description = "Path-length weight (default 2).")
  Double pathRegularize;

  @Option(names = "--d_reg_every", paramLabel = "K", description = "R1 every K iterations, 0 off (default 16).")
  Integer dRegEvery;

  @Option(names = "--g_reg_every", paramLabel = "K", description = "Path-length step every K iterations, 0 off (default 4).")
  Integer gRegEvery;

  @Option(names = "--l1_weight", paramLabel = "W", description = "Smooth L1 weight (default 1).")
  Double l1Weight;

  @Option(names = "--id_weight", paramLabel = "W", description = "Identity loss weight (default 1).")
  Double idWeight;

  @Option(names = "--save_every", paramLabel = "N", description = "Checkpoint every N iterations (default 10000).")
  Long saveEvery;

  @Option(names = "--sample_every", paramLabel = "N", description = "Sample grid and validation every N (default 1000).")
  Long sampleEvery;

  @Option(names = "--log_every", paramLabel = "N", description = "Log line every N iterations (default 100).")
  Long logEvery;

  @Option(names = "--val_count", paramLabel = "N", description = "Validation images scored (default 16).")
  Integer valCount;

  @Option(names = "--seed", paramLabel = "S", description = "Seed of weights, data order, degradation, noise (default 100).")
  Long seed;

  @Option(names = "--train_path", paramLabel = "DIR", description = "Folder of high-quality training faces.")
  Path trainPath;

  @Option(names = "--test_path", paramLabel = "DIR", description = "Folder of high-quality validation faces.")
  Path testPath;

  @Option(names = "--ckpt_dir", paramLabel = "DIR", description = "Checkpoints and train.log (default ckpts).")
  Path ckptDir;

  @Option(names = "--sample_dir", paramLabel = "DIR", description = "Sample grids (default samples).")
  Path sampleDir;

  @Option(names = "--id_weights", paramLabel = "FILE", description = "ArcFace IR-SE50 (model_ir_se50.pth) or MobileFaceNet weights.")
  Path idWeights;

  @Option(names = "--pretrain", paramLabel = "FILE", description = "Checkpoint to start from.")
  Path pretrain;

  @Option(names = "--device", paramLabel = "DEVICE", description = "cpu, cuda or cuda:N (default cpu).")
  String device;

  @Option(names = "--threads", paramLabel = "T", description = "libtorch CPU threads, 0 for every core (default 0).")
  Integer threads;

  @Option(names = "--workers", paramLabel = "N", description = "Threads that load and degrade images (default 1).")
  Integer workers;

  @Override
  public Integer call() {
    Map<String, Object> flags = new LinkedHashMap<>();
    flags.put("size", size);
    flags.put("mul", mul);
    flags.put("narrow", narrow);
    flags.put("start_iter", startIter);
    flags.put("max_iter", maxIter);
    flags.put("batch_size", batchSize);
    flags.put("lr", lr);
    flags.put("r1", r1);
    flags.put("path_regularize", pathRegularize);
    flags.put("d_reg_every", dRegEvery);
    flags.put("g_reg_every", gRegEvery);
    flags.put("l1_weight", l1Weight);
    flags.put("id_weight", idWeight);
    flags.put("save_every", saveEvery);
    flags.put("sample_every", sampleEvery);
    flags.put("log_every", logEvery);
    flags.put("val_count", valCount);
    flags.put("seed", seed);
    flags.put("train_path", trainPath);
    flags.put("test_path", testPath);
    flags.put("ckpt_dir", ckptDir);
    flags.put("sample_dir", sampleDir);
    flags.put("id_weights", idWeights);
    flags.put("pretrain", pretrain);
    flags.put("device", device);
    flags.put("threads", threads);
    flags.put("workers", workers);
    TrainConfig settings = TrainConfig.resolve(config, flags);
    PrintWriter err = spec.commandLine().getErr();
    TrainingRun.Result r = TrainingRun.run(settings, note -> {
      err.println("gpen train: " + note);
      err.flush();
    });
    PrintWriter out = spec.commandLine().getOut();
    out.printf(Locale.ROOT, "trained iterations %d to %d: d %.4f, g %.4f, l1 %.4f%s; checkpoint %s%n",
        r.firstIteration(), r.iterations(), r.last().d(), r.last().g(), r.last().l1(),
        Double.isNaN(r.psnr()) ? "" : String.format(Locale.ROOT, ", validation PSNR %.2f dB", r.psnr()),
        r.checkpoint());
    out.flush();
    return 0;
  }
}
