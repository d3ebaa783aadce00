package io.gpen.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import io.gpen.data.DegradationConfig;
import io.gpen.data.DegradationSettings;
import io.gpen.settings.Setting;
import io.gpen.settings.SettingException;
import io.gpen.settings.SettingSource;
import io.gpen.settings.SettingsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Settings: defaults, the YAML file, given values over the file, and one-line errors that carry
 * key, problem, value and source.
 */
class TrainConfigTest {
  @TempDir Path dir;

  Path yaml(String text) throws IOException {
    Path f = dir.resolve("run.yaml");
    Files.writeString(f, text);
    return f;
  }

  static GpenException fails(Path file, Map<String, Object> flags) {
    return assertThrows(GpenException.class, () -> TrainConfig.resolve(file, flags));
  }

  @Test
  void defaultsAreTheReferenceSchedule() {
    TrainConfig c = TrainConfig.resolve(null, Map.of());
    assertEquals(256, c.size());
    assertEquals(1, c.mul());
    assertEquals(0.5, c.narrow());
    assertEquals(2, c.batchSize());
    assertEquals(16, c.dRegEvery());
    assertEquals(4, c.gRegEvery());
    assertNull(c.startIter());
    assertNull(c.trainPath());
    assertEquals(0.002 * 4 / 5, c.generatorLr(), 1e-15);
    assertEquals(0.002 * 16 / 17, c.discriminatorLr(), 1e-15);
    assertEquals(Math.pow(0.99, 0.8), c.generatorBeta2(), 1e-15);
    assertEquals(Math.pow(0.99, 16.0 / 17), c.discriminatorBeta2(), 1e-15);
    assertEquals(DegradationConfig.REFERENCE, c.degradation());
  }

  @Test
  void shippedConfigFileHoldsTheDefaults() {
    Path shipped = Path.of("configs", "gpen.yaml");
    assertTrue(Files.isRegularFile(shipped), "configs/gpen.yaml is missing");
    TrainConfig fromFile = TrainConfig.resolve(shipped, Map.of());
    Map<String, Object> paths = new HashMap<>();
    paths.put("train_path", "data/train");
    paths.put("test_path", "data/val");
    assertEquals(TrainConfig.resolve(null, paths), fromFile);
  }

  @Test
  void flagsOverrideTheFileWhichOverridesDefaults() throws IOException {
    Path f =
        yaml(
            "batch_size: 4\nmax_iter: 20\ntrain_path: faces\ndegradation:\n  noise: [1, 2]\n  gray_prob: 0\n");
    Map<String, Object> flags = new HashMap<>();
    flags.put("batch_size", 8);
    flags.put("seed", null);
    TrainConfig c = TrainConfig.resolve(f, flags);
    assertEquals(8, c.batchSize());
    assertEquals(20, c.maxIter());
    assertEquals(100, c.seed());
    assertEquals(Path.of("faces"), c.trainPath());
    assertEquals(new DegradationConfig.Range(1, 2), c.degradation().noise());
    assertEquals(0, c.degradation().grayProb());
    assertEquals(DegradationConfig.REFERENCE.sigma(), c.degradation().sigma());
  }

  @Test
  void unknownKeysNameTheKeyAndTheFile() throws IOException {
    Path f = yaml("size: 64\nbatchsize: 2\n");
    String m = fails(f, Map.of()).getMessage();
    assertTrue(m.startsWith(f + ": unknown key 'batchsize'"), m);
    assertFalse(m.contains("\n"));
    Path g = yaml("degradation:\n  blur: 3\n");
    assertTrue(fails(g, Map.of()).getMessage().startsWith(g + ": unknown key 'degradation.blur'"));
  }

  @Test
  void badValuesNameTheirSource() throws IOException {
    Path f = yaml("batch_size: two\n");
    assertEquals(
        f + ": batch_size must be a whole number, got 'two'", fails(f, Map.of()).getMessage());
    Path zero = yaml("batch_size: 0\n");
    assertEquals(
        zero + ": batch_size must be at least 1, got 0", fails(zero, Map.of()).getMessage());
    // a given value is named by its key alone: the command line names its option (--batch_size)
    SettingException given = (SettingException) fails(null, Map.of("batch_size", 0));
    assertEquals("batch_size must be at least 1, got 0", given.getMessage());
    assertEquals(
        List.of("batch_size", "must be at least 1", 0, SettingSource.GIVEN),
        List.of(given.key(), given.problem(), given.value(), given.source()));
    Path size = yaml("size: 100\n");
    assertTrue(
        fails(size, Map.of()).getMessage().startsWith(size + ": size must be a power of two"));
    Path sigma = yaml("degradation:\n  sigma: [5, 1]\n");
    String m = fails(sigma, Map.of()).getMessage();
    assertTrue(m.startsWith(sigma + ": degradation setting sigma"), m);
  }

  @Test
  void shippedConfigFileListsEveryKeyOfTheSchema() {
    List<String> keys = TrainSettings.SCHEMA.settings().stream().map(Setting::key).toList();
    assertEquals(
        keys,
        List.copyOf(
            SettingsFile.read(Path.of("configs", "gpen.yaml"), TrainSettings.SCHEMA).keySet()));
  }

  @Test
  void defaultsComeFromTheSchema() {
    Map<String, Object> d = TrainConfig.defaults();
    assertEquals(TrainSettings.SCHEMA.keys(null), List.copyOf(d.keySet()));
    assertEquals(256, d.get("size"));
    assertEquals(Path.of("ckpts"), d.get("ckpt_dir"));
    assertNull(d.get("pretrain"));
    assertEquals(
        DegradationConfig.REFERENCE.sigma(), ((Map<?, ?>) d.get("degradation")).get("sigma"));
    for (Setting<?> s : TrainSettings.SCHEMA.settings()) {
      assertFalse(s.help() == null || s.help().isBlank(), s.key() + " has no help");
    }
  }

  @Test
  void aBadValueInAFileCarriesTheFileAndTheKey() throws IOException {
    // mul 0 used to fail in the generator's check, which named neither the file nor the key
    Path f = yaml("mul: 0\n");
    SettingException e = (SettingException) fails(f, Map.of());
    assertEquals(f + ": mul must be at least 1, got 0", e.getMessage());
    assertEquals(
        List.of("mul", "must be at least 1", 0, new SettingSource.File(f)),
        List.of(e.key(), e.problem(), e.value(), e.source()));
    // a value given over the file is the one at fault, and named as given
    SettingException g = (SettingException) fails(f, Map.of("mul", 0));
    assertEquals(SettingSource.GIVEN, g.source());
    assertEquals("mul must be at least 1, got 0", g.getMessage());
    assertEquals(1, TrainConfig.resolve(f, Map.of("mul", 1)).mul());
  }

  @Test
  void typesAreParsedAndRangeCheckedFromTheSchema() throws IOException {
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("max_iter: 1.5", "max_iter must be a whole number, got '1.5'");
    bad.put("size: 3000000000", "size must be a whole number below 2^31, got '3000000000'");
    bad.put("size: 96", "size must be a power of two from 64 to 2048, got 96");
    bad.put("lr: fast", "lr must be a number, got 'fast'");
    bad.put("lr: 0", "lr must be above 0, got 0.0");
    bad.put("r1: -1", "r1 must not be negative, got -1.0");
    bad.put("d_reg_every: -1", "d_reg_every must not be negative (0 turns R1 off), got -1");
    bad.put("start_iter: -3", "start_iter must not be negative, got -3");
    bad.put("ckpt_dir: [a, b]", "ckpt_dir must be a file or folder name, got '[a, b]'");
    bad.put("ckpt_dir: ~", "ckpt_dir must be given");
    bad.put("size: ~", "size must be given");
    bad.put("device: [cpu]", "device must be text, got '[cpu]'");
    bad.put("device: tpu", "device must be cpu, cuda or cuda:N, got 'tpu'");
    bad.put(
        "size: 64\nnarrow: 0.001",
        "narrow leaves no channels at 64 px with channel multiplier 1, got 0.001");
    bad.put(
        "degradation:\n  kernel_size: 40",
        "degradation setting kernel_size must be odd, 1 to 201, got 40");
    bad.put(
        "degradation:\n  flip_prob: 2", "degradation setting flip_prob must be 0 to 1, got 2.0");
    bad.put(
        "degradation:\n  noise: loud",
        "degradation setting noise must be [min, max] or one number, got 'loud'");
    for (Map.Entry<String, String> e : bad.entrySet()) {
      Path f = yaml(e.getKey() + "\n");
      assertEquals(f + ": " + e.getValue(), fails(f, Map.of()).getMessage(), e.getKey());
    }
    Path good =
        yaml(
            "size: '64'\nnarrow: 1\nstart_iter: 7\ndevice: cuda:1\npretrain: w.pth\ndegradation:\n  noise: 5\n");
    TrainConfig c =
        TrainConfig.resolve(good, Map.of("seed", "12", "lr", "0.01", "ckpt_dir", "out"));
    assertEquals(64, c.size());
    assertEquals(1.0, c.narrow());
    assertEquals(7L, c.startIter());
    assertEquals("cuda:1", c.device());
    assertEquals(Path.of("w.pth"), c.pretrain());
    assertEquals(new DegradationConfig.Range(5, 5), c.degradation().noise());
    assertEquals(12, c.seed());
    assertEquals(0.01, c.lr());
    assertEquals(Path.of("out"), c.ckptDir());
    assertThrows(
        IllegalArgumentException.class,
        () -> TrainConfig.resolve(null, Map.of("learning_rate", 1)));
  }

  @Test
  void recordsCheckTheirValuesAgainstTheSchema() {
    SettingException e =
        assertThrows(SettingException.class, () -> DegradationConfig.REFERENCE.withGrayProb(-0.5));
    assertEquals(
        List.of(DegradationSettings.GRAY_PROB.key(), "must be 0 to 1"),
        List.of(e.key(), e.problem()));
    assertNull(e.source());
    assertEquals("degradation setting gray_prob must be 0 to 1, got -0.5", e.getMessage());
  }

  @Test
  void unreadableFilesAreReported() throws IOException {
    Path missing = dir.resolve("none.yaml");
    assertEquals(missing + ": configuration file not found", fails(missing, Map.of()).getMessage());
    Path broken = yaml("size: [64\n");
    assertTrue(fails(broken, Map.of()).getMessage().startsWith(broken + ": not valid YAML"));
    Path list = yaml("- 1\n- 2\n");
    assertTrue(fails(list, Map.of()).getMessage().startsWith(list + ": expected a mapping"));
  }
}
