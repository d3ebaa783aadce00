package io.gpen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.data.TestFaces;
import io.gpen.settings.Setting;
import io.gpen.train.RunFolder;
import io.gpen.train.TrainSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gpen train} from the command line, as a user runs it. */
class TrainCommandTest {
  @TempDir Path dir;

  @Test
  void trainsWithAConfigFileAndFlagsThatOverrideIt() throws IOException {
    Path faces = TestFaces.folder(dir.resolve("faces"), 4);
    Path config = dir.resolve("run.yaml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "size: 64",
            "narrow: 0.25",
            "max_iter: 50",
            "d_reg_every: 2",
            "g_reg_every: 2",
            "log_every: 1",
            "train_path: " + dir.resolve("elsewhere"),
            "degradation:",
            "  gray_prob: 0",
            ""));
    Path ckpts = dir.resolve("ckpts");
    Path samples = dir.resolve("samples");
    CliRun r =
        CliRun.of(
            "train",
            "--config",
            config.toString(),
            "--max_iter=2",
            "--batch_size=2",
            "--train_path=" + faces,
            "--ckpt_dir",
            ckpts.toString(),
            "--sample_dir",
            samples.toString(),
            "--seed",
            "3",
            "--save_every",
            "1",
            "--device",
            "cpu");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().startsWith("trained iterations 0 to 2: d "), r.out());
    assertTrue(Files.isRegularFile(ckpts.resolve("000001.safetensors")));
    assertTrue(Files.isRegularFile(ckpts.resolve("000002.safetensors")));
    assertTrue(Files.isRegularFile(samples.resolve("000002.png")));
    String log = Files.readString(ckpts.resolve(RunFolder.LOG_NAME));
    assertTrue(log.contains("seed 3"), log);
    assertTrue(
        log.contains("start at iteration 0 of 2: GPEN size=64 mul=1 narrow=0.25, batch 2"), log);
    assertEquals(
        1,
        r.err().lines().filter(l -> l.startsWith("gpen train: identity loss off")).count(),
        r.err());
    assertEquals(0, r.errorLines(), r.err());

    // a second run into the same folder would interleave its checkpoints with the first one's
    String[] again = {
      "train",
      "--config",
      config.toString(),
      "--max_iter=1",
      "--batch_size=2",
      "--train_path=" + faces,
      "--ckpt_dir",
      ckpts.toString(),
      "--sample_dir",
      samples.toString(),
      "--seed",
      "4"
    };
    CliRun refused = CliRun.of(again);
    assertEquals(1, refused.exitCode());
    assertEquals(1, refused.errorLines(), refused.err());
    assertTrue(
        refused
                .err()
                .contains("already holds 2 checkpoint(s) of another run (last: 000002.safetensors)")
            && refused.err().contains("--overwrite"),
        refused.err());
    assertTrue(
        Files.isRegularFile(ckpts.resolve("000002.safetensors")), "the first run's files are kept");
    String[] replacing = java.util.Arrays.copyOf(again, again.length + 1);
    replacing[again.length] = "--overwrite";
    CliRun replaced = CliRun.of(replacing);
    assertEquals(0, replaced.exitCode(), replaced.err());
    assertTrue(Files.isRegularFile(ckpts.resolve("000001.safetensors")));
    assertFalse(
        Files.exists(ckpts.resolve("000002.safetensors")),
        "the earlier run's checkpoints are gone");
    assertFalse(
        Files.readString(ckpts.resolve(RunFolder.LOG_NAME)).contains("seed 3"), "and its log");
  }

  @Test
  void badInputIsOneErrorLine() throws IOException {
    Path config = dir.resolve("bad.yaml");
    Files.writeString(config, "size: 64\nlearning_rate: 0.1\n");
    CliRun unknown = CliRun.of("train", "--config", config.toString());
    assertEquals(1, unknown.exitCode());
    assertEquals(1, unknown.errorLines(), unknown.err());
    assertTrue(
        unknown.err().contains("gpen train: error: " + config + ": unknown key 'learning_rate'"),
        unknown.err());

    CliRun missing =
        CliRun.of("train", "--size", "64", "--train_path", dir.resolve("none").toString());
    assertEquals(1, missing.exitCode());
    assertEquals(1, missing.errorLines(), missing.err());
    assertTrue(missing.err().contains("folder not found"), missing.err());

    CliRun negative = CliRun.of("train", "--max_iter", "0", "--train_path", dir.toString());
    assertEquals(1, negative.exitCode());
    assertTrue(
        negative.err().contains("gpen train: error: --max_iter must be at least 1, got 0"),
        negative.err());
  }

  @Test
  void helpListsTheReferenceFlagNames() {
    CliRun help = CliRun.of("train", "--help");
    assertEquals(0, help.exitCode());
    for (String flag :
        new String[] {
          "--size",
          "--mul",
          "--narrow",
          "--start_iter",
          "--max_iter",
          "--batch_size",
          "--pretrain",
          "--train_path",
          "--test_path",
          "--config",
          "--ckpt_dir",
          "--sample_dir",
          "--seed",
          "--save_every",
          "--id_weights",
          "--device"
        }) {
      assertTrue(help.out().contains(flag + "="), flag + " missing from:\n" + help.out());
    }
  }

  @Test
  void helpShowsEverySettingOfTheSchemaWithItsDefault() {
    String help = CliRun.of("train", "--help").out();
    for (Setting<?> s : TrainSettings.SCHEMA.topLevel()) {
      // the option's entry: from its line to the next option's
      Matcher entry =
          Pattern.compile(
                  "^ +--" + s.key() + "=" + Pattern.quote(s.paramLabel()) + " .*?(?=^ +-|^\\S|\\z)",
                  Pattern.MULTILINE | Pattern.DOTALL)
              .matcher(help);
      assertTrue(entry.find(), s.key() + " missing from:\n" + help);
      String text = entry.group().replaceAll("\\s+", " ");
      // picocli wraps the help, also within words (model_ir_se50.pth)
      assertTrue(text.replace(" ", "").contains(s.help().replace(" ", "")), text);
      if (s.defaultValue() == null) {
        assertFalse(text.contains("Default:"), text);
      } else {
        assertTrue(text.contains("Default: " + s.defaultText() + " "), text);
      }
    }
    assertTrue(
        help.contains("Default: 10\n")
            && help.contains("Default: 0.002\n")
            && help.contains("Default: ckpts\n"),
        "numbers and paths as configs/gpen.yaml writes them:\n" + help);
    assertTrue(
        help.contains("\ndegradation:\n  flip_prob: 0.5  # Horizontal flip of the pair.\n"), help);
    assertTrue(help.contains("\n  sigma: [0.1, 10]  # Blur standard deviations, pixels.\n"), help);
  }

  @Test
  void aBadValueIsNamedByTheFileAndKeyOrByTheOption() throws IOException {
    Path config = dir.resolve("run.yaml");
    Files.writeString(config, "mul: 0\n");
    CliRun fromFile = CliRun.of("train", "--config", config.toString());
    assertEquals(1, fromFile.exitCode());
    assertEquals(1, fromFile.errorLines(), fromFile.err());
    assertTrue(
        fromFile
            .err()
            .contains("gpen train: error: " + config + ": mul must be at least 1, got 0\n"),
        fromFile.err());

    CliRun fromFlag = CliRun.of("train", "--mul", "0");
    assertEquals(1, fromFlag.exitCode());
    assertTrue(
        fromFlag.err().contains("gpen train: error: --mul must be at least 1, got 0\n"),
        fromFlag.err());

    // the option wins over the file, and is the one named
    CliRun both =
        CliRun.of("train", "--config", config.toString(), "--batch_size", "0", "--mul", "1");
    assertTrue(
        both.err().contains("gpen train: error: --batch_size must be at least 1, got 0\n"),
        both.err());

    Files.writeString(config, "degradation:\n  sigma: [5, 1]\n");
    CliRun section = CliRun.of("train", "--config", config.toString());
    assertTrue(
        section
            .err()
            .contains(
                "gpen train: error: "
                    + config
                    + ": degradation setting sigma must be two finite numbers, min <= max, got [5.0, 1.0]"),
        section.err());
  }
}
