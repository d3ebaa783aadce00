package io.gpen.train;

import static io.gpen.data.DegradationSettings.DOWNSAMPLE;
import static io.gpen.data.DegradationSettings.FLIP_PROB;
import static io.gpen.data.DegradationSettings.GRAY_PROB;
import static io.gpen.data.DegradationSettings.ISO_PROB;
import static io.gpen.data.DegradationSettings.JPEG_QUALITY;
import static io.gpen.data.DegradationSettings.KERNEL_SIZE;
import static io.gpen.data.DegradationSettings.NOISE;
import static io.gpen.data.DegradationSettings.SIGMA;
import static io.gpen.train.TrainSettings.BATCH_SIZE;
import static io.gpen.train.TrainSettings.CKPT_DIR;
import static io.gpen.train.TrainSettings.DEVICE;
import static io.gpen.train.TrainSettings.D_REG_EVERY;
import static io.gpen.train.TrainSettings.G_REG_EVERY;
import static io.gpen.train.TrainSettings.ID_WEIGHT;
import static io.gpen.train.TrainSettings.ID_WEIGHTS;
import static io.gpen.train.TrainSettings.L1_WEIGHT;
import static io.gpen.train.TrainSettings.LOG_EVERY;
import static io.gpen.train.TrainSettings.LR;
import static io.gpen.train.TrainSettings.MAX_ITER;
import static io.gpen.train.TrainSettings.MUL;
import static io.gpen.train.TrainSettings.NARROW;
import static io.gpen.train.TrainSettings.PATH_REGULARIZE;
import static io.gpen.train.TrainSettings.PRETRAIN;
import static io.gpen.train.TrainSettings.R1;
import static io.gpen.train.TrainSettings.SAMPLE_DIR;
import static io.gpen.train.TrainSettings.SAMPLE_EVERY;
import static io.gpen.train.TrainSettings.SAVE_EVERY;
import static io.gpen.train.TrainSettings.SCHEMA;
import static io.gpen.train.TrainSettings.SEED;
import static io.gpen.train.TrainSettings.SIZE;
import static io.gpen.train.TrainSettings.START_ITER;
import static io.gpen.train.TrainSettings.TEST_PATH;
import static io.gpen.train.TrainSettings.THREADS;
import static io.gpen.train.TrainSettings.TRAIN_PATH;
import static io.gpen.train.TrainSettings.VAL_COUNT;
import static io.gpen.train.TrainSettings.WORKERS;

import io.gpen.GpenException;
import io.gpen.data.DegradationConfig;
import io.gpen.data.DegradationSettings;
import io.gpen.model.Channels;
import io.gpen.model.GpenConfig;
import io.gpen.settings.SettingException;
import io.gpen.settings.SettingSource;
import io.gpen.settings.SettingValues;
import io.gpen.settings.SettingsFile;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The settings of a training run, under the names of the reference's command line ({@code size},
 * {@code batch_size}, {@code d_reg_every}, ...), which are also the keys of the YAML configuration
 * file ({@code configs/gpen.yaml}).
 *
 * <p>{@link TrainSettings} is the schema: each key's type, default, allowed values and help. {@link
 * #resolve} layers three sources: the built-in defaults ({@link #defaults()}), then the file, then
 * the values given (a command line's options).
 *
 * @param size side of the faces, a power of two from 64 to 2048; generator and discriminator
 * @param mul channel multiplier of both networks
 * @param narrow width factor of both networks
 * @param startIter the first iteration to run, or null: the checkpoint's ({@code --pretrain}) or 0
 * @param maxIter the run ends when this many iterations are done (iterations 0 … max_iter − 1)
 * @param batchSize faces per iteration
 * @param lr base learning rate; the reference scales it by {@code k/(k+1)} for lazy regularisation
 * @param r1 R1 weight γ; the penalty γ/2·R1 is applied every {@code d_reg_every} iterations,
 *     multiplied by {@code d_reg_every}
 * @param pathRegularize path-length weight, multiplied by {@code g_reg_every} when applied
 * @param dRegEvery R1 runs at the iterations divisible by this; 0 turns it off
 * @param gRegEvery the path-length regulariser runs at the iterations divisible by this; 0 off
 * @param l1Weight weight of the smooth L1 loss (reference: 1)
 * @param idWeight weight of the identity loss (reference: 1)
 * @param saveEvery a checkpoint when the count of finished iterations is a multiple of this
 * @param sampleEvery a sample grid and the validation PSNR at these multiples
 * @param logEvery a line in {@code train.log} at these multiples
 * @param valCount the validation PSNR scores at most this many images of {@code test_path}
 * @param seed seeds the initial weights, the data order, the degradations and the path noise
 * @param trainPath folder of high-quality training faces (required by a run, not by a benchmark)
 * @param testPath folder of high-quality validation faces, or null for no validation
 * @param ckptDir folder of checkpoints and {@code train.log}
 * @param sampleDir folder of sample grids
 * @param idWeights ArcFace IR-SE50 or MobileFaceNet weights for the identity loss (a file or a
 *     model name of the registry), or null (the loss is then off)
 * @param pretrain a checkpoint to start from (a file or a model name), or null for random weights
 * @param device cpu, cuda or cuda:N
 * @param threads libtorch CPU threads; 0 keeps libtorch's default (every core)
 * @param workers threads that decode and degrade the training images
 * @param degradation the synthetic degradation of the training and validation faces
 */
public record TrainConfig(
    int size,
    int mul,
    double narrow,
    Long startIter,
    long maxIter,
    int batchSize,
    double lr,
    double r1,
    double pathRegularize,
    int dRegEvery,
    int gRegEvery,
    double l1Weight,
    double idWeight,
    long saveEvery,
    long sampleEvery,
    long logEvery,
    int valCount,
    long seed,
    Path trainPath,
    Path testPath,
    Path ckptDir,
    Path sampleDir,
    Path idWeights,
    Path pretrain,
    String device,
    int threads,
    int workers,
    DegradationConfig degradation) {

  /**
   * Checks every setting against {@link TrainSettings}, and that {@code narrow} leaves channels at
   * this size and multiplier.
   *
   * @throws SettingException naming the setting (without a source; {@link #resolve} adds it)
   */
  public TrainConfig {
    SIZE.check(size);
    MUL.check(mul);
    NARROW.check(narrow);
    if (Channels.at(size, mul, narrow) < 1) {
      throw new SettingException(
          NARROW.key(),
          "leaves no channels at " + size + " px with channel multiplier " + mul,
          narrow);
    }
    START_ITER.check(startIter);
    MAX_ITER.check(maxIter);
    BATCH_SIZE.check(batchSize);
    LR.check(lr);
    R1.check(r1);
    PATH_REGULARIZE.check(pathRegularize);
    D_REG_EVERY.check(dRegEvery);
    G_REG_EVERY.check(gRegEvery);
    L1_WEIGHT.check(l1Weight);
    ID_WEIGHT.check(idWeight);
    SAVE_EVERY.check(saveEvery);
    SAMPLE_EVERY.check(sampleEvery);
    LOG_EVERY.check(logEvery);
    VAL_COUNT.check(valCount);
    SEED.check(seed);
    TRAIN_PATH.check(trainPath);
    TEST_PATH.check(testPath);
    CKPT_DIR.check(ckptDir);
    SAMPLE_DIR.check(sampleDir);
    ID_WEIGHTS.check(idWeights);
    PRETRAIN.check(pretrain);
    DEVICE.check(device);
    THREADS.check(threads);
    WORKERS.check(workers);
    if (degradation == null) {
      throw new SettingException(DegradationSettings.SECTION, "must be given", null);
    }
  }

  /** The architecture of the generator. */
  public GpenConfig model() {
    return GpenConfig.of(size, mul, narrow);
  }

  /** The reference's generator learning rate {@code lr · k/(k+1)} with k = g_reg_every. */
  public double generatorLr() {
    return lr * ratio(gRegEvery);
  }

  /** The reference's discriminator learning rate {@code lr · k/(k+1)} with k = d_reg_every. */
  public double discriminatorLr() {
    return lr * ratio(dRegEvery);
  }

  /** Adam's β₂ for the generator, {@code 0.99^(k/(k+1))}; β₁ is {@code 0^(k/(k+1)) = 0}. */
  public double generatorBeta2() {
    return Math.pow(0.99, ratio(gRegEvery));
  }

  /** Adam's β₂ for the discriminator. */
  public double discriminatorBeta2() {
    return Math.pow(0.99, ratio(dRegEvery));
  }

  /** Lazy regularisation's correction k/(k+1); 1 when the regulariser is off. */
  private static double ratio(int every) {
    return every == 0 ? 1 : every / (every + 1.0);
  }

  /**
   * The built-in value of every key: the reference's, for GPEN-BFR-256 (see configs/gpen.yaml);
   * null for none. The {@code degradation} key maps to a map of its section's values.
   */
  public static Map<String, Object> defaults() {
    return SCHEMA.defaults();
  }

  /**
   * The settings of a run: the defaults, overridden by the file (when given), overridden by the
   * values given. The {@code degradation} section of the file overrides key by key.
   *
   * @param file a YAML file of the keys of {@link TrainSettings#SCHEMA}, or null
   * @param given values given by the caller (a command line's options), by key, typed or as text; a
   *     key given as null is left out
   * @throws SettingException for a missing value, a value of the wrong type or out of range, naming
   *     the key and its source ({@link SettingSource.File} or {@link SettingSource#GIVEN})
   * @throws GpenException naming the file: unreadable or malformed, or an unknown key
   * @throws IllegalArgumentException for a given key the schema does not have
   */
  public static TrainConfig resolve(Path file, Map<String, Object> given) {
    SettingValues values = new SettingValues(SCHEMA);
    if (file != null) {
      values.override(SettingsFile.read(file, SCHEMA), new SettingSource.File(file));
    }
    Map<String, Object> present = new LinkedHashMap<>(given);
    present.values().removeIf(Objects::isNull);
    values.override(present, SettingSource.GIVEN);
    try {
      return new TrainConfig(
          values.get(SIZE),
          values.get(MUL),
          values.get(NARROW),
          values.get(START_ITER),
          values.get(MAX_ITER),
          values.get(BATCH_SIZE),
          values.get(LR),
          values.get(R1),
          values.get(PATH_REGULARIZE),
          values.get(D_REG_EVERY),
          values.get(G_REG_EVERY),
          values.get(L1_WEIGHT),
          values.get(ID_WEIGHT),
          values.get(SAVE_EVERY),
          values.get(SAMPLE_EVERY),
          values.get(LOG_EVERY),
          values.get(VAL_COUNT),
          values.get(SEED),
          values.get(TRAIN_PATH),
          values.get(TEST_PATH),
          values.get(CKPT_DIR),
          values.get(SAMPLE_DIR),
          values.get(ID_WEIGHTS),
          values.get(PRETRAIN),
          values.get(DEVICE),
          values.get(THREADS),
          values.get(WORKERS),
          degradation(values));
    } catch (SettingException e) {
      throw values.locate(e);
    }
  }

  private static DegradationConfig degradation(SettingValues values) {
    return new DegradationConfig(
        values.get(FLIP_PROB),
        values.get(GRAY_PROB),
        values.get(KERNEL_SIZE),
        values.get(ISO_PROB),
        values.get(SIGMA),
        values.get(DOWNSAMPLE),
        values.get(NOISE),
        values.get(JPEG_QUALITY));
  }
}
