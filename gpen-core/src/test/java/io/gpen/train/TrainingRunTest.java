package io.gpen.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import io.gpen.SharedData;
import io.gpen.checkpoint.Safetensors;
import io.gpen.checkpoint.StateDict;
import io.gpen.checkpoint.TensorData;
import io.gpen.data.TestFaces;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.model.FullGenerator;
import io.gpen.model.ModelFiles;
import io.gpen.nn.Tensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole training runs at 64 px (the golden model's size, narrow 0.25, batch 2) on the FFHQ faces of
 * {@code ../shared} (drawn pictures where absent): files, finite losses, exact resume, bad input.
 * R1 and the path-length step run every 2 iterations so that both appear in a few iterations.
 */
class TrainingRunTest {
  @TempDir Path dir;

  static final Pattern NUMBER = Pattern.compile(" (d|g|l1|r1|path|real_score|fake_score) (\\S+)");

  Map<String, Object> settings(Path out, long maxIter) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("size", 64);
    s.put("narrow", 0.25);
    s.put("batch_size", 2);
    s.put("max_iter", maxIter);
    s.put("d_reg_every", 2);
    s.put("g_reg_every", 2);
    s.put("log_every", 1);
    s.put("sample_every", 1000);
    s.put("save_every", 1000);
    s.put("val_count", 3);
    s.put("train_path", faces());
    s.put("test_path", faces());
    s.put("ckpt_dir", out.resolve("ckpts"));
    s.put("sample_dir", out.resolve("samples"));
    Path mobile = SharedData.root().resolve("models/mobilefacenet.pt");
    if (Files.isRegularFile(mobile)) {
      s.put("id_weights", mobile);
    }
    return s;
  }

  Path faces() {
    Path f = dir.resolve("faces");
    return Files.isDirectory(f) ? f : TestFaces.folder(f, 10);
  }

  static TrainConfig config(Map<String, Object> settings) {
    return TrainConfig.resolve(null, settings);
  }

  @Test
  void runWritesCheckpointLogAndSampleGridWithFiniteLosses() throws IOException {
    Path out = dir.resolve("run");
    Map<String, Object> s = settings(out, 3);
    s.put("save_every", 2);
    List<String> notes = new ArrayList<>();
    TrainingRun.Result r = TrainingRun.run(config(s), notes::add);

    assertEquals(0, r.firstIteration());
    assertEquals(3, r.iterations());
    assertTrue(r.last().finite(), r.last().toString());
    assertTrue(Double.isFinite(r.last().l1()) && r.last().l1() > 0, r.last().toString());
    assertTrue(Double.isFinite(r.psnr()) && r.psnr() > 0, "validation PSNR " + r.psnr());
    assertEquals(s.containsKey("id_weights"), Double.isFinite(r.last().identity()));

    Path ckpts = out.resolve("ckpts");
    assertTrue(Files.isRegularFile(ckpts.resolve("000002.safetensors")));
    assertEquals(ckpts.resolve("000003.safetensors"), r.checkpoint());
    StateDict all = Safetensors.read(r.checkpoint());
    assertEquals(Safetensors.TRAINING_FORMAT, all.metadata().get("format"));
    assertEquals("3", all.metadata().get("iteration"));
    assertEquals(List.of("g", "d", "g_ema", "g_optim", "d_optim"), List.copyOf(all.partNames()));
    // Adam steps: 3 G steps plus the path-length steps of iterations 0 and 2; the same for D with
    // R1
    assertEquals(5, Tensors.fromData(all.part("g_optim").get("step")).item_long());
    assertEquals(5, Tensors.fromData(all.part("d_optim").get("step")).item_long());
    // the generator a user restores faces with loads from the checkpoint by default (g_ema)
    try (FullGenerator g =
        ModelFiles.loadGenerator(r.checkpoint(), null, ModelFiles.Overrides.NONE).model()) {
      assertEquals(64, g.config().size());
    }

    List<String> log = Files.readAllLines(ckpts.resolve(RunFolder.LOG_NAME));
    assertTrue(
        log.get(0)
            .matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d start at iteration 0 of 3: .*"),
        log.get(0));
    long iterLines = log.stream().filter(l -> l.matches(".* iter \\d+ d .* s/it .*")).count();
    assertEquals(3, iterLines, String.join("\n", log));
    for (String line : log) {
      Matcher m = NUMBER.matcher(line);
      while (m.find()) {
        assertTrue(Double.isFinite(Double.parseDouble(m.group(2))), line);
      }
    }
    assertTrue(log.stream().anyMatch(l -> l.contains("iter 3 val_psnr")), String.join("\n", log));

    Path grid = out.resolve("samples").resolve("000003.png");
    try (Image img = Images.read(grid)) {
      assertEquals(3 * 66 + 2, img.bgr().rows());
      assertEquals(2 * 66 + 2, img.bgr().cols());
    }
    if (!s.containsKey("id_weights")) {
      assertEquals(
          1,
          notes.stream().filter(n -> n.startsWith("identity loss off")).count(),
          notes.toString());
    }
  }

  @Test
  void resumeContinuesBitForBit() {
    Map<String, Object> straight = settings(dir.resolve("straight"), 6);
    TrainingRun.Result whole = TrainingRun.run(config(straight), n -> {});

    Map<String, Object> firstHalf = settings(dir.resolve("resumed"), 3);
    TrainingRun.Result half = TrainingRun.run(config(firstHalf), n -> {});
    Map<String, Object> secondHalf = settings(dir.resolve("resumed"), 6);
    secondHalf.put("pretrain", half.checkpoint());
    List<String> notes = new ArrayList<>();
    TrainingRun.Result resumed = TrainingRun.run(config(secondHalf), notes::add);

    assertEquals(3, resumed.firstIteration());
    assertTrue(
        notes.stream().anyMatch(n -> n.startsWith("resuming 000003.safetensors")),
        notes.toString());
    StateDict a = Safetensors.read(whole.checkpoint());
    StateDict b = Safetensors.read(resumed.checkpoint());
    assertEquals(a.metadata(), b.metadata());
    assertEquals(a.tensors().keySet(), b.tensors().keySet());
    for (Map.Entry<String, TensorData> e : a.tensors().entrySet()) {
      ByteBuffer x = e.getValue().data();
      ByteBuffer y = b.get(e.getKey()).data();
      assertEquals(x, y, e.getKey() + " differs between 6 iterations and 3 + 3 resumed");
    }
    assertEquals(
        whole.last().toString().replaceAll("timing=.*", ""),
        resumed.last().toString().replaceAll("timing=.*", ""));
  }

  @Test
  void missingEmptyAndTooSmallFoldersAreClearErrors() throws IOException {
    Map<String, Object> s = settings(dir.resolve("bad"), 2);
    s.put("train_path", dir.resolve("nowhere"));
    GpenException missing =
        assertThrows(GpenException.class, () -> TrainingRun.run(config(s), n -> {}));
    assertTrue(
        missing.getMessage().contains(dir.resolve("nowhere") + ": folder not found"),
        missing.getMessage());

    Path empty = Files.createDirectories(dir.resolve("empty"));
    Files.writeString(empty.resolve("notes.txt"), "no faces here");
    s.put("train_path", empty);
    GpenException none =
        assertThrows(GpenException.class, () -> TrainingRun.run(config(s), n -> {}));
    assertTrue(
        none.getMessage().contains(empty.toString()) && none.getMessage().contains("no ."),
        none.getMessage());

    s.put("train_path", TestFaces.folder(dir.resolve("one"), 1));
    GpenException small =
        assertThrows(GpenException.class, () -> TrainingRun.run(config(s), n -> {}));
    assertTrue(small.getMessage().contains("fewer than the batch size 2"), small.getMessage());

    s.remove("train_path");
    GpenException unset =
        assertThrows(GpenException.class, () -> TrainingRun.run(config(s), n -> {}));
    assertTrue(unset.getMessage().startsWith("train_path is required"), unset.getMessage());
    for (GpenException e : List.of(missing, none, small, unset)) {
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
  }

  @Test
  void unreadableImagesAreSkippedAndCounted() throws IOException {
    Path data = TestFaces.folder(dir.resolve("mixed"), 4);
    Files.write(data.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
    Map<String, Object> s = settings(dir.resolve("mixed-run"), 3);
    s.put("train_path", data);
    s.remove("test_path");
    List<String> notes = new ArrayList<>();
    TrainingRun.Result r = TrainingRun.run(config(s), notes::add);
    assertEquals(1, r.skipped());
    assertEquals(
        1,
        notes.stream().filter(n -> n.startsWith("skipped ") && n.contains("broken.png")).count(),
        notes.toString());
    assertTrue(notes.contains("skipped 1 unreadable image(s) of " + data), notes.toString());
    assertTrue(notes.stream().anyMatch(n -> n.startsWith("no test_path")), notes.toString());
    assertTrue(Double.isNaN(r.psnr()));
  }

  @Test
  void checkpointOfAnotherSizeIsOneLine() {
    Map<String, Object> s = settings(dir.resolve("small"), 1);
    TrainingRun.Result r = TrainingRun.run(config(s), n -> {});
    Map<String, Object> bigger = settings(dir.resolve("big"), 2);
    bigger.put("size", 128);
    bigger.put("pretrain", r.checkpoint());
    GpenException e =
        assertThrows(GpenException.class, () -> TrainingRun.run(config(bigger), n -> {}));
    String m = e.getMessage();
    assertTrue(
        m.startsWith(r.checkpoint() + ": --pretrain is a training checkpoint of size=64"), m);
    assertTrue(m.contains("this run trains size=128"), m);
    assertFalse(m.contains("\n"));

    Map<String, Object> done = settings(dir.resolve("small"), 1);
    done.put("pretrain", r.checkpoint());
    GpenException nothing =
        assertThrows(GpenException.class, () -> TrainingRun.run(config(done), n -> {}));
    assertTrue(
        nothing.getMessage().startsWith("nothing to train: 1 iterations are done"),
        nothing.getMessage());
  }
}
