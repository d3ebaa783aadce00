package io.gpen.train;

import io.gpen.GpenException;
import io.gpen.data.DegradationConfig;
import io.gpen.data.DegradationConfig.Range;
import io.gpen.model.GpenConfig;
import io.gpen.util.AtomicFiles;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The settings of a training run, under the names of the reference's command line ({@code size},
 * {@code batch_size}, {@code d_reg_every}, ...), which are also the keys of the YAML configuration
 * file ({@code configs/gpen.yaml}).
 *
 * <p>{@link #resolve} layers three sources: the built-in defaults ({@link #defaults()}), then the
 * file, then the command-line flags.
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

  /** The keys of the file and the flags, in the order {@code configs/gpen.yaml} lists them. */
  public static final List<String> KEYS = List.of(
      "size", "mul", "narrow", "start_iter", "max_iter", "batch_size", "lr", "r1",
      "path_regularize", "d_reg_every", "g_reg_every", "l1_weight", "id_weight", "save_every",
      "sample_every", "log_every", "val_count", "seed", "train_path", "test_path", "ckpt_dir",
      "sample_dir", "id_weights", "pretrain", "device", "threads", "workers", "degradation");

  /** The keys of the {@code degradation} section. */
  public static final List<String> DEGRADATION_KEYS = List.of(
      "flip_prob", "gray_prob", "kernel_size", "iso_prob", "sigma", "downsample", "noise",
      "jpeg_quality");

  /** Keys whose value may be empty ({@code ~} in YAML). */
  private static final Set<String> OPTIONAL = Set.of("start_iter", "test_path", "id_weights", "pretrain");

  /** Keys naming files or folders; relative paths in a file are relative to the working directory. */
  private static final Set<String> PATHS = Set.of(
      "train_path", "test_path", "ckpt_dir", "sample_dir", "id_weights", "pretrain");

  /** Checks the settings that do not depend on other files. */
  public TrainConfig {
    GpenConfig.of(size, mul, narrow);
    require(startIter == null || startIter >= 0, "start_iter", "must not be negative", startIter);
    require(maxIter >= 1, "max_iter", "must be at least 1", maxIter);
    require(batchSize >= 1, "batch_size", "must be at least 1", batchSize);
    require(lr > 0 && Double.isFinite(lr), "lr", "must be above 0", lr);
    require(r1 >= 0 && Double.isFinite(r1), "r1", "must not be negative", r1);
    require(pathRegularize >= 0 && Double.isFinite(pathRegularize), "path_regularize", "must not be negative",
        pathRegularize);
    require(dRegEvery >= 0, "d_reg_every", "must not be negative (0 turns R1 off)", dRegEvery);
    require(gRegEvery >= 0, "g_reg_every", "must not be negative (0 turns path regularisation off)", gRegEvery);
    require(l1Weight >= 0 && Double.isFinite(l1Weight), "l1_weight", "must not be negative", l1Weight);
    require(idWeight >= 0 && Double.isFinite(idWeight), "id_weight", "must not be negative", idWeight);
    require(saveEvery >= 1, "save_every", "must be at least 1", saveEvery);
    require(sampleEvery >= 1, "sample_every", "must be at least 1", sampleEvery);
    require(logEvery >= 1, "log_every", "must be at least 1", logEvery);
    require(valCount >= 1, "val_count", "must be at least 1", valCount);
    require(threads >= 0, "threads", "must not be negative (0: every core)", threads);
    require(workers >= 1, "workers", "must be at least 1", workers);
    require(ckptDir != null, "ckpt_dir", "must name a folder", null);
    require(sampleDir != null, "sample_dir", "must name a folder", null);
    require(device != null && !device.isBlank(), "device", "must be cpu, cuda or cuda:N", device);
    require(degradation != null, "degradation", "is missing", null);
  }

  private static void require(boolean ok, String key, String what, Object value) {
    if (!ok) {
      throw new GpenException(key + " " + what + (value == null ? "" : ", got " + value));
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

  /** The built-in values of every key: the reference's, for GPEN-BFR-256 (see configs/gpen.yaml). */
  public static Map<String, Object> defaults() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("size", 256);
    d.put("mul", 1);
    d.put("narrow", 0.5);
    d.put("start_iter", null);
    d.put("max_iter", 150000);
    d.put("batch_size", 2);
    d.put("lr", 0.002);
    d.put("r1", 10);
    d.put("path_regularize", 2);
    d.put("d_reg_every", 16);
    d.put("g_reg_every", 4);
    d.put("l1_weight", 1);
    d.put("id_weight", 1);
    d.put("save_every", 10000);
    d.put("sample_every", 1000);
    d.put("log_every", 100);
    d.put("val_count", 16);
    d.put("seed", 100);
    d.put("train_path", null);
    d.put("test_path", null);
    d.put("ckpt_dir", "ckpts");
    d.put("sample_dir", "samples");
    d.put("id_weights", null);
    d.put("pretrain", null);
    d.put("device", "cpu");
    d.put("threads", 0);
    d.put("workers", 1);
    Map<String, Object> deg = new LinkedHashMap<>();
    DegradationConfig r = DegradationConfig.REFERENCE;
    deg.put("flip_prob", r.flipProb());
    deg.put("gray_prob", r.grayProb());
    deg.put("kernel_size", r.kernelSize());
    deg.put("iso_prob", r.isoProb());
    deg.put("sigma", List.of(r.sigma().min(), r.sigma().max()));
    deg.put("downsample", List.of(r.downsample().min(), r.downsample().max()));
    deg.put("noise", List.of(r.noise().min(), r.noise().max()));
    deg.put("jpeg_quality", List.of(r.jpegQuality().min(), r.jpegQuality().max()));
    d.put("degradation", deg);
    return d;
  }

  /**
   * The settings of a run: the defaults, overridden by the file (when given), overridden by the
   * flags. The {@code degradation} section of the file overrides key by key.
   *
   * @param file a YAML file of {@link #KEYS}, or null
   * @param flags values given on the command line, by key (a key given as null is left out)
   * @throws GpenException naming the file (or the flag) and the key: an unreadable or malformed
   *     file, an unknown key, a value of the wrong type or out of range
   */
  public static TrainConfig resolve(Path file, Map<String, Object> flags) {
    Map<String, Object> values = defaults();
    Map<String, String> origin = new LinkedHashMap<>();
    if (file != null) {
      Map<String, Object> fromFile = readYaml(file);
      for (Map.Entry<String, Object> e : fromFile.entrySet()) {
        String key = e.getKey();
        if (key.equals("degradation")) {
          Map<String, Object> section = degradationSection(e.getValue(), file);
          @SuppressWarnings("unchecked")
          Map<String, Object> merged = new LinkedHashMap<>((Map<String, Object>) values.get(key));
          section.forEach((k, val) -> {
            merged.put(k, val);
            origin.put(key + "." + k, file.toString());
          });
          values.put(key, merged);
        } else {
          values.put(key, e.getValue());
          origin.put(key, file.toString());
        }
      }
    }
    for (Map.Entry<String, Object> e : flags.entrySet()) {
      if (!KEYS.contains(e.getKey())) {
        throw new IllegalArgumentException("not a training setting: " + e.getKey());
      }
      if (e.getValue() != null) {
        values.put(e.getKey(), e.getValue());
        origin.put(e.getKey(), "--" + e.getKey());
      }
    }
    return build(values, origin);
  }

  private static Map<String, Object> readYaml(Path file) {
    Object root;
    try (Reader in = Files.newBufferedReader(file)) {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
    } catch (NoSuchFileException e) {
      throw new GpenException(file + ": configuration file not found");
    } catch (IOException e) {
      throw new GpenException(file + ": cannot read (" + AtomicFiles.reason(e) + ")", e);
    } catch (YAMLException e) {
      throw new GpenException(file + ": not valid YAML (" + firstLine(e.getMessage()) + ")", e);
    }
    if (root == null) {
      return Map.of();
    }
    if (!(root instanceof Map<?, ?> map)) {
      throw new GpenException(file + ": expected a mapping of training settings (key: value), got " + kind(root));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String key = String.valueOf(e.getKey());
      if (!KEYS.contains(key)) {
        throw new GpenException(file + ": unknown key '" + key + "' (known: " + String.join(", ", KEYS) + ")");
      }
      out.put(key, e.getValue());
    }
    return out;
  }

  private static Map<String, Object> degradationSection(Object section, Path file) {
    if (section == null) {
      return Map.of();
    }
    if (!(section instanceof Map<?, ?> map)) {
      throw new GpenException(file + ": degradation must be a mapping of " + String.join(", ", DEGRADATION_KEYS)
          + ", got " + kind(section));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String key = String.valueOf(e.getKey());
      if (!DEGRADATION_KEYS.contains(key)) {
        throw new GpenException(file + ": unknown key 'degradation." + key + "' (known: "
            + String.join(", ", DEGRADATION_KEYS) + ")");
      }
      out.put(key, e.getValue());
    }
    return out;
  }

  private static TrainConfig build(Map<String, Object> v, Map<String, String> origin) {
    Values p = new Values(v, origin);
    DegradationConfig degradation = p.degradation();
    try {
      return new TrainConfig(
          p.integer("size"), p.integer("mul"), p.number("narrow"), p.optionalLong("start_iter"),
          p.whole("max_iter"), p.integer("batch_size"), p.number("lr"), p.number("r1"),
          p.number("path_regularize"), p.integer("d_reg_every"), p.integer("g_reg_every"),
          p.number("l1_weight"), p.number("id_weight"), p.whole("save_every"), p.whole("sample_every"),
          p.whole("log_every"), p.integer("val_count"), p.whole("seed"), p.path("train_path"),
          p.path("test_path"), p.path("ckpt_dir"), p.path("sample_dir"), p.path("id_weights"),
          p.path("pretrain"), p.text("device"), p.integer("threads"), p.integer("workers"), degradation);
    } catch (GpenException e) {
      // the record's message starts with the key; say where the value came from
      String[] words = e.getMessage().split(" ", 2);
      String from = origin.get(words[0]);
      if (from == null || words.length < 2) {
        throw e;
      }
      String where = from.startsWith("--") ? from : from + ": " + words[0];
      throw new GpenException(where + " " + words[1], e);
    }
  }

  /** Typed access to the merged values, with messages naming the key and where its value came from. */
  private record Values(Map<String, Object> v, Map<String, String> origin) {
    private GpenException bad(String key, String expected, Object got) {
      String from = origin.get(key);
      String where = from == null ? key : from.startsWith("--") ? from : from + ": " + key;
      return new GpenException(where + " must be " + expected + ", got '" + got + "'");
    }

    Object raw(String key) {
      Object o = v.get(key);
      if (o == null && !OPTIONAL.contains(key) && !PATHS.contains(key)) {
        throw bad(key, "given", "nothing");
      }
      return o;
    }

    long whole(String key) {
      Object o = raw(key);
      if (o instanceof Integer || o instanceof Long) {
        return ((Number) o).longValue();
      }
      if (o instanceof String s) {
        try {
          return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
          throw bad(key, "a whole number", o);
        }
      }
      throw bad(key, "a whole number", o);
    }

    int integer(String key) {
      long l = whole(key);
      if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
        throw bad(key, "a whole number below 2^31", l);
      }
      return (int) l;
    }

    Long optionalLong(String key) {
      return v.get(key) == null ? null : whole(key);
    }

    double number(String key) {
      Object o = raw(key);
      if (o instanceof Number n) {
        return n.doubleValue();
      }
      if (o instanceof String s) {
        try {
          return Double.parseDouble(s.strip());
        } catch (NumberFormatException e) {
          throw bad(key, "a number", o);
        }
      }
      throw bad(key, "a number", o);
    }

    String text(String key) {
      Object o = raw(key);
      if (o instanceof String || o instanceof Number) {
        return o.toString();
      }
      throw bad(key, "text", o);
    }

    Path path(String key) {
      Object o = v.get(key);
      if (o == null) {
        return null;
      }
      if (o instanceof Path p) {
        return p;
      }
      if (o instanceof String s && !s.isBlank()) {
        return Path.of(s);
      }
      throw bad(key, "a file or folder name", o);
    }

    DegradationConfig degradation() {
      @SuppressWarnings("unchecked")
      Map<String, Object> section = (Map<String, Object>) v.get("degradation");
      Map<String, Object> prefixed = new LinkedHashMap<>();
      section.forEach((k, val) -> prefixed.put("degradation." + k, val));
      Values inner = new Values(prefixed, origin);
      try {
        return new DegradationConfig(
            inner.number("degradation.flip_prob"), inner.number("degradation.gray_prob"),
            inner.integer("degradation.kernel_size"), inner.number("degradation.iso_prob"),
            inner.range("degradation.sigma"), inner.range("degradation.downsample"),
            inner.range("degradation.noise"), inner.range("degradation.jpeg_quality"));
      } catch (GpenException e) {
        // DegradationConfig names the setting ("degradation setting sigma ..."): add the file
        String file = origin.entrySet().stream()
            .filter(o -> o.getKey().startsWith("degradation.")).map(Map.Entry::getValue).findFirst().orElse(null);
        throw file == null || e.getMessage().startsWith(file) ? e : new GpenException(file + ": " + e.getMessage(), e);
      }
    }

    Range range(String key) {
      Object o = raw(key);
      if (o instanceof List<?> l && l.size() == 2 && l.get(0) instanceof Number a && l.get(1) instanceof Number b) {
        return new Range(a.doubleValue(), b.doubleValue());
      }
      if (o instanceof Number n) {
        return new Range(n.doubleValue(), n.doubleValue());
      }
      throw bad(key, "[min, max] or one number", o);
    }
  }

  private static String kind(Object o) {
    if (o instanceof List) {
      return "a list";
    }
    if (o instanceof Map) {
      return "a mapping";
    }
    return "'" + o + "'";
  }

  private static String firstLine(String m) {
    String s = String.valueOf(m).strip();
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
