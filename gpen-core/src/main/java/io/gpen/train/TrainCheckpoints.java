package io.gpen.train;

import io.gpen.GpenException;
import io.gpen.checkpoint.Checkpoints;
import io.gpen.checkpoint.Safetensors;
import io.gpen.checkpoint.StateDict;
import io.gpen.identity.FaceEmbedder;
import io.gpen.model.Discriminator;
import io.gpen.model.FullGenerator;
import io.gpen.model.GpenConfig;
import io.gpen.model.ModelFiles;
import io.gpen.registry.ModelRegistry;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.bytedeco.pytorch.global.torch;

/**
 * The checkpoints {@code --pretrain} accepts, and the metadata of the ones training writes.
 *
 * <ul>
 *   <li>this project's training checkpoints (safetensors, {@code format=gpen-train}): everything,
 *       so the run continues exactly;
 *   <li>the official PyTorch training checkpoints ({@code {'g','d','g_ema','g_optim','d_optim'}}):
 *       the three networks, and the Adam states where they map onto the parameters;
 *   <li>generator weights in any format {@link ModelFiles} reads: G and g_ema start from them, D
 *       from random weights.
 * </ul>
 *
 * <p>The file may also be a model name of the registry ({@code gpen models}), e.g. GPEN-BFR-256.
 */
final class TrainCheckpoints {
  private TrainCheckpoints() {}

  /** The metadata of a training checkpoint (besides {@code format}, which the writer adds). */
  static Map<String, String> metadata(Trainer t) {
    GpenConfig c = t.generator().config();
    Discriminator d = t.discriminator();
    TrainConfig run = t.config();
    Map<String, String> m = new LinkedHashMap<>();
    m.put("iteration", Long.toString(t.iteration()));
    m.putAll(c.toMetadata());
    m.put("d_size", Integer.toString(d.size()));
    m.put("d_channel_multiplier", Integer.toString(d.channelMultiplier()));
    m.put("d_narrow", Double.toString(d.narrow()));
    // Float.toString gives the shortest text that reads back as the same float: exact resume
    m.put("mean_path_length", Float.toString(t.meanPathLength()));
    m.put("seed", Long.toString(run.seed()));
    m.put("batch_size", Integer.toString(run.batchSize()));
    m.put("g_lr", Double.toString(t.generatorOptimizer().lr()));
    m.put("d_lr", Double.toString(t.discriminatorOptimizer().lr()));
    return m;
  }

  /**
   * The trainer {@code config.pretrain()} describes, on the run's architecture.
   *
   * @param notes receives one line per thing a user should know (what was loaded, what starts
   *     fresh)
   * @throws GpenException naming the file: unreadable, not a GPEN checkpoint, or of another
   *     architecture than the run's
   */
  static Trainer load(TrainConfig config, FaceEmbedder identity, Consumer<String> notes) {
    Path file = ModelRegistry.defaultRegistry().resolve(config.pretrain().toString());
    if (Checkpoints.detect(file) == Checkpoints.Format.SAFETENSORS) {
      StateDict all = Safetensors.read(file);
      if (Safetensors.TRAINING_FORMAT.equals(all.metadata().get(Safetensors.FORMAT_KEY))) {
        return ours(config, identity, all, notes);
      }
    } else if (Checkpoints.readObject(file) instanceof Map<?, ?> top
        && top.containsKey("g")
        && top.containsKey("d")) {
      return official(config, identity, file, top, notes);
    }
    return generatorOnly(config, identity, file, notes);
  }

  private static Trainer ours(
      TrainConfig config, FaceEmbedder identity, StateDict all, Consumer<String> notes) {
    Path file = all.source();
    Map<String, String> m = all.metadata();
    GpenConfig model;
    Discriminator d;
    long iteration;
    float meanPathLength;
    long seed;
    try {
      model = GpenConfig.fromMetadata(m);
      checkArchitecture(file, "a training checkpoint of", model, config);
      d =
          new Discriminator(
              Integer.parseInt(m.get("d_size")),
              Integer.parseInt(m.get("d_channel_multiplier")),
              Double.parseDouble(m.get("d_narrow")));
      iteration = Long.parseLong(m.get("iteration"));
      meanPathLength = Float.parseFloat(m.get("mean_path_length"));
      seed = Long.parseLong(m.get("seed"));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new GpenException(file + ": damaged training checkpoint metadata " + m);
    }
    FullGenerator g = new FullGenerator(model);
    FullGenerator gEma = new FullGenerator(model);
    Trainer t = null;
    try {
      g.loadStateDict(all.part("g"), "GPEN " + model.describe(), Set.of());
      gEma.loadStateDict(all.part("g_ema"), "GPEN " + model.describe(), Set.of());
      d.loadStateDict(all.part("d"), "discriminator " + d.describe(), Set.of());
      t = new Trainer(config, g, d, gEma, identity);
      t.generatorOptimizer().load(all.part("g_optim"));
      t.discriminatorOptimizer().load(all.part("d_optim"));
    } catch (RuntimeException e) {
      if (t != null) {
        t.close();
      } else {
        g.close();
        gEma.close();
        d.close();
      }
      throw e;
    }
    t.setIteration(iteration);
    t.setMeanPathLength(meanPathLength);
    notes.accept(
        "resuming "
            + file.getFileName()
            + ": GPEN "
            + model.describe()
            + ", discriminator "
            + d.describe()
            + ", "
            + iteration
            + " iterations done, optimiser states restored");
    if (seed != config.seed()) {
      notes.accept(
          "the checkpoint was trained with seed "
              + seed
              + ", this run uses "
              + config.seed()
              + ": data order, degradations and path noise differ from an uninterrupted run");
    }
    return t;
  }

  private static Trainer official(
      TrainConfig config, FaceEmbedder identity, Path file, Map<?, ?> top, Consumer<String> notes) {
    // the file was parsed once into `top`; each network is taken from it
    FullGenerator g =
        checked(
            file,
            ModelFiles.loadGenerator(Checkpoints.entry(file, top, "g"), ModelFiles.Overrides.NONE)
                .model(),
            config);
    FullGenerator gEma = null;
    Discriminator d = null;
    Trainer t = null;
    try {
      gEma =
          top.containsKey("g_ema")
              ? checked(
                  file,
                  ModelFiles.loadGenerator(
                          Checkpoints.entry(file, top, "g_ema"), ModelFiles.Overrides.NONE)
                      .model(),
                  config)
              : copyOf(g);
      d =
          ModelFiles.loadDiscriminator(
              Checkpoints.entry(file, top, "d"),
              new ModelFiles.Overrides(config.size(), null, null));
      t = new Trainer(config, g, d, gEma, identity);
    } catch (RuntimeException e) {
      if (t == null) {
        g.close();
        if (gEma != null) {
          gEma.close();
        }
        if (d != null) {
          d.close();
        }
      }
      throw e;
    }
    notes.accept(
        "loaded "
            + file.getFileName()
            + ": PyTorch training checkpoint, GPEN "
            + g.config().describe()
            + ", discriminator "
            + d.describe()
            + (top.containsKey("g_ema") ? "" : ", g_ema copied from g"));
    optimizer(t.generatorOptimizer(), top.get("g_optim"), "g_optim", file, notes);
    optimizer(t.discriminatorOptimizer(), top.get("d_optim"), "d_optim", file, notes);
    notes.accept(
        file.getFileName()
            + " records no iteration: starting at "
            + (config.startIter() == null ? 0 : config.startIter())
            + " with mean path length 0");
    return t;
  }

  private static void optimizer(
      Adam adam, Object state, String key, Path file, Consumer<String> notes) {
    String problem = state == null ? "absent" : adam.loadTorch(state);
    if (problem == null) {
      notes.accept(key + " restored (" + adam.steps() + " steps)");
    } else {
      notes.accept(
          key
              + " of "
              + file.getFileName()
              + " not used ("
              + problem
              + "): that optimiser starts fresh");
    }
  }

  private static Trainer generatorOnly(
      TrainConfig config, FaceEmbedder identity, Path file, Consumer<String> notes) {
    ModelFiles.LoadedGenerator loaded =
        ModelFiles.loadGenerator(file, null, ModelFiles.Overrides.NONE);
    FullGenerator g = checked(file, loaded.model(), config);
    FullGenerator gEma = copyOf(g);
    torch.manual_seed(config.seed());
    Discriminator d = new Discriminator(config.size(), config.mul(), config.narrow());
    notes.accept(
        "loaded "
            + loaded.note()
            + " into G and g_ema; the discriminator starts from random weights");
    return new Trainer(config, g, d, gEma, identity);
  }

  private static FullGenerator copyOf(FullGenerator g) {
    FullGenerator copy = new FullGenerator(g.config());
    Trainer.copy(g, copy);
    return copy;
  }

  /**
   * {@code g}, when its architecture is the run's; else it is closed and a one-line error names
   * both.
   */
  private static FullGenerator checked(Path file, FullGenerator g, TrainConfig config) {
    try {
      checkArchitecture(file, "a GPEN", g.config(), config);
    } catch (GpenException e) {
      g.close();
      throw e;
    }
    return g;
  }

  private static void checkArchitecture(
      Path file, String what, GpenConfig found, TrainConfig config) {
    GpenConfig wanted = config.model();
    if (!found.equals(wanted)) {
      throw new GpenException(
          file
              + ": --pretrain is "
              + what
              + " "
              + found.describe()
              + ", but this run trains "
              + wanted.describe()
              + " (set --size/--mul/--narrow to match, or choose another checkpoint)");
    }
  }
}
