package io.gpen.train;

import static io.gpen.settings.SettingType.INTEGER;
import static io.gpen.settings.SettingType.NUMBER;
import static io.gpen.settings.SettingType.PATH;
import static io.gpen.settings.SettingType.TEXT;
import static io.gpen.settings.SettingType.WHOLE;

import io.gpen.data.DegradationSettings;
import io.gpen.model.GpenConfig;
import io.gpen.settings.Rule;
import io.gpen.settings.Schema;
import io.gpen.settings.Setting;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The schema of {@link TrainConfig}: every setting of a training run under the name of the
 * reference's command line, with its type, default (the reference's, for GPEN-BFR-256, as {@code
 * configs/gpen.yaml} lists them), allowed values and help. The YAML reader, the defaults, the
 * checks of {@link TrainConfig} and the options of {@code gpen train} all come from {@link
 * #SCHEMA}.
 */
public final class TrainSettings {
  private TrainSettings() {}

  public static final Setting<Integer> SIZE =
      Setting.of("size", INTEGER, 256)
          .rule(
              Rule.<Integer>of(
                  s ->
                      s >= GpenConfig.MIN_SIZE
                          && s <= GpenConfig.MAX_SIZE
                          && Integer.bitCount(s) == 1,
                  "must be a power of two from "
                      + GpenConfig.MIN_SIZE
                      + " to "
                      + GpenConfig.MAX_SIZE))
          .help("N", "Face size of G and D.");

  public static final Setting<Integer> MUL =
      Setting.of("mul", INTEGER, 1).rule(Rule.atLeast(1)).help("M", "Channel multiplier.");

  public static final Setting<Double> NARROW =
      Setting.of("narrow", NUMBER, 0.5).rule(Rule.above(0)).help("F", "Width factor.");

  public static final Setting<Long> START_ITER =
      Setting.optional("start_iter", WHOLE).rule(Rule.atLeast(0)).help("I", "First iteration.");

  public static final Setting<Long> MAX_ITER =
      Setting.of("max_iter", WHOLE, 150000L)
          .rule(Rule.atLeast(1))
          .help("N", "Stop when this many iterations are done.");

  public static final Setting<Integer> BATCH_SIZE =
      Setting.of("batch_size", INTEGER, 2).rule(Rule.atLeast(1)).help("B", "Faces per iteration.");

  public static final Setting<Double> LR =
      Setting.of("lr", NUMBER, 0.002).rule(Rule.above(0)).help("LR", "Base learning rate.");

  public static final Setting<Double> R1 =
      Setting.of("r1", NUMBER, 10.0).rule(Rule.atLeast(0)).help("W", "R1 weight.");

  public static final Setting<Double> PATH_REGULARIZE =
      Setting.of("path_regularize", NUMBER, 2.0)
          .rule(Rule.atLeast(0))
          .help("W", "Path-length weight.");

  public static final Setting<Integer> D_REG_EVERY =
      Setting.of("d_reg_every", INTEGER, 16)
          .rule(Rule.atLeast(0).because("0 turns R1 off"))
          .help("K", "R1 every K iterations, 0 off.");

  public static final Setting<Integer> G_REG_EVERY =
      Setting.of("g_reg_every", INTEGER, 4)
          .rule(Rule.atLeast(0).because("0 turns path regularisation off"))
          .help("K", "Path-length step every K iterations, 0 off.");

  public static final Setting<Double> L1_WEIGHT =
      Setting.of("l1_weight", NUMBER, 1.0).rule(Rule.atLeast(0)).help("W", "Smooth L1 weight.");

  public static final Setting<Double> ID_WEIGHT =
      Setting.of("id_weight", NUMBER, 1.0).rule(Rule.atLeast(0)).help("W", "Identity loss weight.");

  public static final Setting<Long> SAVE_EVERY =
      Setting.of("save_every", WHOLE, 10000L)
          .rule(Rule.atLeast(1))
          .help("N", "Checkpoint every N iterations.");

  public static final Setting<Long> SAMPLE_EVERY =
      Setting.of("sample_every", WHOLE, 1000L)
          .rule(Rule.atLeast(1))
          .help("N", "Sample grid and validation every N.");

  public static final Setting<Long> LOG_EVERY =
      Setting.of("log_every", WHOLE, 100L)
          .rule(Rule.atLeast(1))
          .help("N", "Log line every N iterations.");

  public static final Setting<Integer> VAL_COUNT =
      Setting.of("val_count", INTEGER, 16)
          .rule(Rule.atLeast(1))
          .help("N", "Validation images scored.");

  public static final Setting<Long> SEED =
      Setting.of("seed", WHOLE, 100L).help("S", "Seed of weights, data order, degradation, noise.");

  public static final Setting<Path> TRAIN_PATH =
      Setting.optional("train_path", PATH).help("DIR", "Folder of high-quality training faces.");

  public static final Setting<Path> TEST_PATH =
      Setting.optional("test_path", PATH).help("DIR", "Folder of high-quality validation faces.");

  public static final Setting<Path> CKPT_DIR =
      Setting.of("ckpt_dir", PATH, Path.of("ckpts")).help("DIR", "Checkpoints and train.log.");

  public static final Setting<Path> SAMPLE_DIR =
      Setting.of("sample_dir", PATH, Path.of("samples")).help("DIR", "Sample grids.");

  public static final Setting<Path> ID_WEIGHTS =
      Setting.optional("id_weights", PATH)
          .help(
              "FILE",
              "Identity network: ArcFace IR-SE50 (model_ir_se50.pth, or the name ArcFace-IR-SE50) or"
                  + " MobileFaceNet.");

  public static final Setting<Path> PRETRAIN =
      Setting.optional("pretrain", PATH)
          .help(
              "FILE",
              "Checkpoint to start from: a training checkpoint (ours or official) or generator weights"
                  + " (file or model name).");

  public static final Setting<String> DEVICE =
      Setting.of("device", TEXT, "cpu")
          .rule(
              Rule.<String>of(
                  d -> d.strip().toLowerCase(Locale.ROOT).matches("cpu|cuda(:\\d+)?"),
                  "must be cpu, cuda or cuda:N"))
          .help("DEVICE", "cpu, cuda or cuda:N.");

  public static final Setting<Integer> THREADS =
      Setting.of("threads", INTEGER, 0)
          .rule(Rule.atLeast(0).because("0: every core"))
          .help("T", "libtorch CPU threads, 0 for every core.");

  public static final Setting<Integer> WORKERS =
      Setting.of("workers", INTEGER, 1)
          .rule(Rule.atLeast(1))
          .help("N", "Threads that load and degrade images.");

  /**
   * Every setting, in the order of {@code configs/gpen.yaml} and of {@link TrainConfig}'s
   * components; the {@code degradation} section ({@link DegradationSettings}) last.
   */
  public static final Schema SCHEMA =
      Schema.of(
              SIZE,
              MUL,
              NARROW,
              START_ITER,
              MAX_ITER,
              BATCH_SIZE,
              LR,
              R1,
              PATH_REGULARIZE,
              D_REG_EVERY,
              G_REG_EVERY,
              L1_WEIGHT,
              ID_WEIGHT,
              SAVE_EVERY,
              SAMPLE_EVERY,
              LOG_EVERY,
              VAL_COUNT,
              SEED,
              TRAIN_PATH,
              TEST_PATH,
              CKPT_DIR,
              SAMPLE_DIR,
              ID_WEIGHTS,
              PRETRAIN,
              DEVICE,
              THREADS,
              WORKERS)
          .and(DegradationSettings.SCHEMA);
}
