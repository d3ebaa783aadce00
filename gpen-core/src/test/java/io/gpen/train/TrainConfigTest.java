package io.gpen.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import io.gpen.data.DegradationConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings: defaults, the YAML file, flags over the file, and one-line errors naming key and source. */
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
    Path f = yaml("batch_size: 4\nmax_iter: 20\ntrain_path: faces\ndegradation:\n  noise: [1, 2]\n  gray_prob: 0\n");
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
    assertEquals(f + ": batch_size must be a whole number, got 'two'", fails(f, Map.of()).getMessage());
    Path zero = yaml("batch_size: 0\n");
    assertEquals(zero + ": batch_size must be at least 1, got 0", fails(zero, Map.of()).getMessage());
    assertEquals("--batch_size must be at least 1, got 0", fails(null, Map.of("batch_size", 0)).getMessage());
    Path size = yaml("size: 100\n");
    assertTrue(fails(size, Map.of()).getMessage().startsWith(size + ": size must be a power of two"));
    Path sigma = yaml("degradation:\n  sigma: [5, 1]\n");
    String m = fails(sigma, Map.of()).getMessage();
    assertTrue(m.startsWith(sigma + ": degradation setting sigma"), m);
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
