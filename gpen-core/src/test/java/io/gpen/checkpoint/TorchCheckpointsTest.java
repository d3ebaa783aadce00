package io.gpen.checkpoint;

import static io.gpen.checkpoint.CheckpointFixtures.REBUILD_V2;
import static io.gpen.checkpoint.CheckpointFixtures.assertFails;
import static io.gpen.checkpoint.CheckpointFixtures.cut;
import static io.gpen.checkpoint.CheckpointFixtures.ramp;
import static io.gpen.checkpoint.CheckpointFixtures.tuple;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.gpen.checkpoint.CheckpointFixtures.TorchFile;
import io.gpen.checkpoint.PickleWriter.Build;
import io.gpen.checkpoint.PickleWriter.Call;
import io.gpen.checkpoint.PickleWriter.Global;
import io.gpen.checkpoint.PickleWriter.OrderedDict;
import io.gpen.checkpoint.PickleWriter.Persistent;
import io.gpen.checkpoint.PickleWriter.Tuple;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** PyTorch checkpoints in both layouts, made by the test-side pickle writer. */
class TorchCheckpointsTest {
  @TempDir Path dir;

  private static TorchFile layout(String name) {
    return name.equals("zip") ? TorchFile.zip() : TorchFile.legacy();
  }

  private static Map<String, Object> metadata() {
    return Map.of("", Map.of("version", 1), "conv", Map.of("version", 1));
  }

  @ParameterizedTest
  @ValueSource(strings = {"zip", "legacy"})
  void everyElementTypeRoundTrips(String name) throws IOException {
    TorchFile torch = layout(name);
    Map<String, TensorData> expected = new LinkedHashMap<>();
    for (DType type : DType.values()) {
      expected.put("t_" + type, ramp(type, 2, 3));
    }
    expected.put("scalar", ramp(DType.INT64, new long[0]));
    expected.put("empty", ramp(DType.FLOAT32, 0, 4));
    Map<String, Object> items = new LinkedHashMap<>();
    expected.forEach((k, t) -> items.put(k, torch.tensor(t)));
    Path file = dir.resolve(name + ".pth");
    // state dicts are OrderedDicts carrying a _metadata attribute: it must be tolerated
    torch.write(file, new OrderedDict(items, Map.of("_metadata", metadata())));

    StateDict sd = Checkpoints.read(file);
    assertEquals(List.copyOf(expected.keySet()), List.copyOf(sd.tensors().keySet()), "file order");
    expected.forEach((k, t) -> assertEquals(t, sd.get(k), k));
    assertEquals(
        name.equals("zip") ? Checkpoints.Format.TORCH_ZIP : Checkpoints.Format.TORCH_LEGACY,
        Checkpoints.detect(file));
  }

  @ParameterizedTest
  @ValueSource(strings = {"zip", "legacy"})
  void stridedViewsAndOffsetsIntoOneSharedStorage(String name) throws IOException {
    TorchFile torch = layout(name);
    // one storage of 24 floats k + 0.5 viewed by four tensors
    String key = torch.storage(DType.FLOAT32, CheckpointFixtures.bytes(ramp(DType.FLOAT32, 24)));
    Map<String, Object> items = new LinkedHashMap<>();
    items.put("rows", torch.tensor(key, 0, new long[] {2, 3}, new long[] {3, 1}));
    items.put("transposed", torch.tensor(key, 0, new long[] {3, 2}, new long[] {1, 3}));
    items.put("block", torch.tensor(key, 6, new long[] {2, 2}, new long[] {4, 1}));
    items.put("every_other", torch.tensor(key, 1, new long[] {3}, new long[] {2}));
    items.put("broadcast", torch.tensor(key, 20, new long[] {2, 2}, new long[] {0, 1}));
    items.put("permuted", torch.tensor(key, 0, new long[] {4, 3, 2}, new long[] {1, 4, 12}));
    items.put("slab", torch.tensor(key, 1, new long[] {2, 2, 2}, new long[] {12, 4, 1}));
    Path file = dir.resolve(name + ".pth");
    torch.write(file, new OrderedDict(items, null));

    StateDict sd = Checkpoints.read(file);
    assertArrayEquals(
        new float[] {0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f}, sd.get("rows").toFloatArray());
    assertArrayEquals(new long[] {3, 2}, sd.get("transposed").shape());
    assertArrayEquals(
        new float[] {0.5f, 3.5f, 1.5f, 4.5f, 2.5f, 5.5f}, sd.get("transposed").toFloatArray());
    assertArrayEquals(new float[] {6.5f, 7.5f, 10.5f, 11.5f}, sd.get("block").toFloatArray());
    assertArrayEquals(new float[] {1.5f, 3.5f, 5.5f}, sd.get("every_other").toFloatArray());
    assertArrayEquals(new float[] {20.5f, 21.5f, 20.5f, 21.5f}, sd.get("broadcast").toFloatArray());
    // a [2, 3, 4] tensor permuted to [4, 3, 2]: element (i, j, k) is storage[i + 4j + 12k]
    assertArrayEquals(
        new float[] {
          0.5f, 12.5f, 4.5f, 16.5f, 8.5f, 20.5f, 1.5f, 13.5f, 5.5f, 17.5f, 9.5f, 21.5f,
          2.5f, 14.5f, 6.5f, 18.5f, 10.5f, 22.5f, 3.5f, 15.5f, 7.5f, 19.5f, 11.5f, 23.5f
        },
        sd.get("permuted").toFloatArray());
    assertArrayEquals(
        new float[] {1.5f, 2.5f, 5.5f, 6.5f, 13.5f, 14.5f, 17.5f, 18.5f},
        sd.get("slab").toFloatArray());
  }

  @Test
  void legacyStorageViews() throws IOException {
    TorchFile torch = TorchFile.legacy();
    String key = torch.storage(DType.FLOAT32, CheckpointFixtures.bytes(ramp(DType.FLOAT32, 10)));
    // a view of elements 4..6 of the storage, and a tensor at offset 1 in that view
    Persistent view = torch.storageRef(key, Tuple.of("view0", 4, 3));
    Object tensor =
        Call.of(
            REBUILD_V2,
            view,
            1,
            tuple(new long[] {2}),
            tuple(new long[] {1}),
            false,
            new OrderedDict(Map.of(), null));
    Path file = dir.resolve("view.pt");
    torch.write(file, Map.of("v", tensor));
    assertArrayEquals(new float[] {5.5f, 6.5f}, Checkpoints.read(file).get("v").toFloatArray());

    Object outside =
        Call.of(
            REBUILD_V2,
            view,
            2,
            tuple(new long[] {2}),
            tuple(new long[] {1}),
            false,
            new OrderedDict(Map.of(), null));
    torch.write(file, Map.of("v", outside));
    assertFails(
        file,
        "tensor 'v' reaches element 4 of a storage of 3 elements",
        () -> Checkpoints.read(file));
  }

  /** A training checkpoint as GPEN's train_simple.py saves it. */
  private static Map<String, Object> trainingCheckpoint(TorchFile torch, boolean withEma) {
    Map<String, Object> ckpt = new LinkedHashMap<>();
    ckpt.put("g", new OrderedDict(Map.of("w", torch.tensor(ramp(DType.FLOAT32, 2))), null));
    ckpt.put("d", new OrderedDict(Map.of("w", torch.tensor(ramp(DType.FLOAT32, 3))), null));
    if (withEma) {
      ckpt.put("g_ema", new OrderedDict(Map.of("w", torch.tensor(ramp(DType.FLOAT32, 4))), null));
    }
    Map<Object, Object> slot = new LinkedHashMap<>();
    slot.put("step", torch.tensor(ramp(DType.FLOAT32, new long[0])));
    slot.put("exp_avg", torch.tensor(ramp(DType.FLOAT32, 2)));
    Map<String, Object> group = new LinkedHashMap<>();
    group.put("lr", 0.002);
    group.put("betas", Tuple.of(0.0, 0.99));
    group.put("eps", 1e-8);
    group.put("amsgrad", false);
    group.put("foreach", null);
    group.put("params", List.of(0));
    Map<String, Object> optim = new LinkedHashMap<>();
    optim.put("state", Map.of(0, slot));
    optim.put("param_groups", List.of(group));
    ckpt.put("g_optim", optim);
    ckpt.put(
        "args",
        new Build(
            Call.of(new Global("argparse", "Namespace")),
            Map.of("size", 512, "channel_multiplier", 2)));
    return ckpt;
  }

  @ParameterizedTest
  @ValueSource(strings = {"zip", "legacy"})
  void trainingCheckpointEntries(String name) throws IOException {
    TorchFile torch = layout(name);
    Path file = dir.resolve(name + ".pth");
    torch.write(file, trainingCheckpoint(torch, true));

    StateDict chosen = Checkpoints.read(file);
    assertEquals(ramp(DType.FLOAT32, 4), chosen.get("w"), "g_ema is the default");
    assertEquals(Checkpoints.detect(file).label() + ", entry 'g_ema'", chosen.description());
    assertEquals(ramp(DType.FLOAT32, 3), Checkpoints.read(file, "d").get("w"));
    assertFails(
        file,
        "has no entry 'nope' (state dicts in it: g, d, g_ema)",
        () -> Checkpoints.read(file, "nope"));
    assertFails(
        file, "entry 'g_optim' is not a state dict", () -> Checkpoints.read(file, "g_optim"));

    Map<?, ?> all = assertInstanceOf(Map.class, Checkpoints.readObject(file));
    Map<?, ?> optim = (Map<?, ?>) all.get("g_optim");
    Map<?, ?> slot = (Map<?, ?>) ((Map<?, ?>) optim.get("state")).get(0);
    assertEquals(ramp(DType.FLOAT32, 2), slot.get("exp_avg"));
    assertEquals(0, ((TensorData) slot.get("step")).dim());
    Map<?, ?> group = (Map<?, ?>) ((List<?>) optim.get("param_groups")).get(0);
    assertEquals(0.002, group.get("lr"));
    assertEquals(List.of(0.0, 0.99), group.get("betas"));
    assertEquals(false, group.get("amsgrad"));
    assertEquals(null, group.get("foreach"));
    assertEquals(List.of(0), group.get("params"));
    assertEquals(Map.of("size", 512, "channel_multiplier", 2), all.get("args"));
  }

  @Test
  void defaultEntryRules() throws IOException {
    TorchFile torch = TorchFile.zip();
    Path file = dir.resolve("ckpt.pth");
    torch.write(file, trainingCheckpoint(torch, false));
    assertFails(
        file, "holds several state dicts (g, d); choose one of them", () -> Checkpoints.read(file));

    Map<String, Object> wrapped = new LinkedHashMap<>();
    wrapped.put("epoch", 5);
    wrapped.put("state_dict", Map.of("w", torch.tensor(ramp(DType.FLOAT32, 5))));
    torch.write(file, wrapped);
    assertEquals(ramp(DType.FLOAT32, 5), Checkpoints.read(file).get("w"));
    assertEquals(
        "PyTorch checkpoint (zip format), entry 'state_dict'",
        Checkpoints.read(file).description());

    Map<String, Object> basicsr = new LinkedHashMap<>();
    basicsr.put("params", Map.of("w", torch.tensor(ramp(DType.FLOAT32, 6))));
    basicsr.put("params_ema", Map.of("w", torch.tensor(ramp(DType.FLOAT32, 7))));
    torch.write(file, basicsr);
    assertEquals(ramp(DType.FLOAT32, 7), Checkpoints.read(file).get("w"));

    torch.write(file, Map.of("w", torch.tensor(ramp(DType.FLOAT32, 2))));
    assertFails(
        file,
        "is a single state dict, it has no entry 'g_ema'",
        () -> Checkpoints.read(file, "g_ema"));

    torch.write(file, Map.of("epoch", 5, "note", "x"));
    assertFails(file, "holds no state dict (entries: ", () -> Checkpoints.read(file));
    torch.write(file, List.of(1, 2));
    assertFails(file, "holds a list, not a dict of tensors", () -> Checkpoints.read(file));
  }

  @Test
  void otherRebuildFunctionsAndAllowedObjects() throws IOException {
    TorchFile torch = TorchFile.zip();
    TensorData t = ramp(DType.FLOAT32, 2, 2);
    String key = torch.storage(DType.FLOAT32, CheckpointFixtures.bytes(t));
    Persistent storage = torch.storageRef(key, null);
    Tuple size = tuple(new long[] {2, 2});
    Tuple stride = tuple(new long[] {2, 1});
    Object v1 = Call.of(new Global("torch._utils", "_rebuild_tensor"), storage, 0, size, stride);
    Object hooks = new OrderedDict(Map.of(), null);
    Tuple v2Args = Tuple.of(storage, 0, size, stride, false, hooks);
    Object param =
        Call.of(
            new Global("torch._utils", "_rebuild_parameter"),
            new Call(REBUILD_V2, v2Args.items()),
            true,
            hooks);
    Object paramWithState =
        Call.of(
            new Global("torch._utils", "_rebuild_parameter_with_state"),
            new Call(REBUILD_V2, v2Args.items()),
            true,
            hooks,
            Map.of());
    Object subclass =
        Call.of(
            new Global("torch._tensor", "_rebuild_from_type_v2"),
            REBUILD_V2,
            new Global("torch.nn.parameter", "Parameter"),
            v2Args,
            Map.of());
    String bytesKey = torch.storage(DType.UINT8, new byte[] {7, 8, 9});
    Object untyped =
        Call.of(
            REBUILD_V2,
            new Persistent(
                Tuple.of("storage", new Global("torch", "UntypedStorage"), bytesKey, "cpu", 3)),
            0,
            tuple(new long[] {3}),
            tuple(new long[] {1}),
            false,
            hooks);
    Map<String, Object> sd = new LinkedHashMap<>();
    sd.put("v1", v1);
    sd.put("param", param);
    sd.put("param_with_state", paramWithState);
    sd.put("subclass", subclass);
    sd.put("untyped", untyped);
    Path file = dir.resolve("rebuild.pth");
    torch.write(file, sd);

    StateDict read = Checkpoints.read(file);
    for (String name : List.of("v1", "param", "param_with_state", "subclass")) {
      assertEquals(t, read.get(name), name);
    }
    assertEquals(DType.UINT8, read.get("untyped").dtype());
    assertArrayEquals(new float[] {7, 8, 9}, read.get("untyped").toFloatArray());

    Map<String, Object> misc = new LinkedHashMap<>();
    misc.put("shape", Call.of(new Global("torch", "Size"), Tuple.of(1, 512)));
    misc.put("tags", Call.of(new Global("builtins", "set"), List.of("a", "b")));
    misc.put("frozen", Call.of(new Global("__builtin__", "frozenset"), List.of(3)));
    misc.put("shared", Map.of("t", torch.tensor(t)));
    torch.write(file, misc);
    Map<?, ?> all = (Map<?, ?>) Checkpoints.readObject(file);
    assertEquals(List.of(1, 512), all.get("shape"));
    assertEquals(Set.of("a", "b"), all.get("tags"));
    assertEquals(Set.of(3), all.get("frozen"));
    assertEquals(t, ((Map<?, ?>) all.get("shared")).get("t"));
  }

  @Test
  void sharedObjectsStayShared() throws IOException {
    Path file = dir.resolve("memo.pth");
    // BINPUT/BINGET: [d, d] with one dict d; the reader keeps one object
    writeZip(
        file,
        "memo/data.pkl",
        new byte[] {(byte) 0x80, 2, '}', 'q', 0, ']', '(', 'h', 0, 'h', 0, 'e', '.'});
    List<?> list = (List<?>) Checkpoints.readObject(file);
    assertEquals(2, list.size());
    assertSame(list.get(0), list.get(1));
  }

  /** A zip archive with one entry. */
  private static void writeZip(Path file, String entry, byte[] content) throws IOException {
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
      zip.putNextEntry(new ZipEntry(entry));
      zip.write(content);
      zip.closeEntry();
    }
  }

  // ---- failures ---------------------------------------------------------------------------------

  @Test
  void truncatedZip() throws IOException {
    TorchFile torch = TorchFile.zip();
    Path file = dir.resolve("full.pth");
    torch.write(file, Map.of("w", torch.tensor(ramp(DType.FLOAT32, 64))));
    Path cut = cut(file, dir.resolve("cut.pth"), 40);
    assertFails(cut, "truncated or corrupt zip archive", () -> Checkpoints.read(cut));
  }

  @Test
  void zipWithoutDataPkl() throws IOException {
    Path file = dir.resolve("other.zip");
    writeZip(file, "readme.txt", new byte[] {'h', 'i'});
    assertFails(file, "zip archive without a data.pkl entry", () -> Checkpoints.read(file));
  }

  @Test
  void torchScriptArchive() throws IOException {
    Path file = dir.resolve("scripted.pt");
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
      for (String entry : List.of("m/data.pkl", "m/constants.pkl", "m/code/__torch__.py")) {
        zip.putNextEntry(new ZipEntry(entry));
        zip.write(PickleWriter.pickle(List.of()));
        zip.closeEntry();
      }
    }
    assertFails(file, "is a TorchScript archive (torch.jit.save)", () -> Checkpoints.read(file));
  }

  @Test
  void zipStorageMissingOrShort() throws IOException {
    TorchFile torch = TorchFile.zip();
    Path file = dir.resolve("missing.pth");
    Object absent =
        Call.of(
            REBUILD_V2,
            new Persistent(Tuple.of("storage", new Global("torch", "FloatStorage"), "9", "cpu", 4)),
            0,
            tuple(new long[] {4}),
            tuple(new long[] {1}),
            false,
            new OrderedDict(Map.of(), null));
    torch.write(file, Map.of("w", absent));
    assertFails(file, "storage '9' is referenced but absent", () -> Checkpoints.read(file));

    // the pickle says 8 elements, the entry holds 4
    String key = torch.storage(DType.FLOAT32, new byte[16]);
    Object longer =
        Call.of(
            REBUILD_V2,
            new Persistent(Tuple.of("storage", new Global("torch", "FloatStorage"), key, "cpu", 8)),
            0,
            tuple(new long[] {8}),
            tuple(new long[] {1}),
            false,
            new OrderedDict(Map.of(), null));
    torch.write(file, Map.of("w", longer));
    assertFails(
        file,
        "truncated: storage '" + key + "' holds 16 bytes, needs 32",
        () -> Checkpoints.read(file));
  }

  @Test
  void tensorBeyondItsStorage() throws IOException {
    TorchFile torch = TorchFile.zip();
    String key = torch.storage(DType.FLOAT32, new byte[24]);
    Path file = dir.resolve("beyond.pth");
    torch.write(file, Map.of("w", torch.tensor(key, 3, new long[] {2, 2}, new long[] {2, 1})));
    assertFails(
        file,
        "tensor 'w' reaches element 7 of a storage of 6 elements",
        () -> Checkpoints.read(file));
  }

  @Test
  void bigEndianZipRefused() throws IOException {
    TorchFile torch = TorchFile.zip();
    torch.byteOrder = "big";
    Path file = dir.resolve("big.pth");
    torch.write(file, Map.of("w", torch.tensor(ramp(DType.FLOAT32, 2))));
    assertFails(file, "byte order 'big' is not supported", () -> Checkpoints.read(file));
  }

  @Test
  void truncatedLegacyStorageData() throws IOException {
    TorchFile torch = TorchFile.legacy();
    Path file = dir.resolve("full.pt");
    torch.write(
        file,
        Map.of(
            "a", torch.tensor(ramp(DType.INT64, 4)), "b", torch.tensor(ramp(DType.FLOAT32, 16))));
    Path cut = cut(file, dir.resolve("cut.pt"), 10);
    assertFails(cut, "truncated: storage", () -> Checkpoints.read(cut));
    // cut inside the object pickle, which follows about 110 bytes of header pickles
    Path early = cut(file, dir.resolve("early.pt"), (int) Files.size(file) - 130);
    assertFails(early, "truncated: ", () -> Checkpoints.read(early));
  }

  @Test
  void legacyStorageKeysThatDoNotMatch() throws IOException {
    TorchFile torch = TorchFile.legacy();
    Path file = dir.resolve("keys.pt");
    torch.extraKeys.add("123");
    torch.write(file, Map.of("a", torch.tensor(ramp(DType.FLOAT32, 2))));
    assertFails(file, "storage '123' is listed but never referenced", () -> Checkpoints.read(file));

    TorchFile other = TorchFile.legacy();
    Object absent =
        Call.of(
            REBUILD_V2,
            new Persistent(
                Tuple.of("storage", new Global("torch", "FloatStorage"), "77", "cpu", 2, null)),
            0,
            tuple(new long[] {2}),
            tuple(new long[] {1}),
            false,
            new OrderedDict(Map.of(), null));
    other.write(file, Map.of("a", absent));
    assertFails(file, "storage '77' is referenced but absent", () -> Checkpoints.read(file));
  }

  @Test
  void corruptLegacyMagicNumber() throws IOException {
    TorchFile torch = TorchFile.legacy();
    Path file = dir.resolve("magic.pt");
    torch.write(file, Map.of("a", torch.tensor(ramp(DType.FLOAT32, 2))));
    byte[] b = Files.readAllBytes(file);
    b[6] ^= 0x01;
    Files.write(file, b);
    // no longer a torch file: read as a plain pickle, which holds just a number
    assertFails(file, "holds a number, not a dict of tensors", () -> Checkpoints.read(file));
  }

  @ParameterizedTest
  @ValueSource(strings = {"zip", "legacy"})
  void forbiddenGlobalsAreRefused(String name) throws IOException {
    TorchFile torch = layout(name);
    Path file = dir.resolve(name + ".pth");
    Map<String, Object> sd = new LinkedHashMap<>();
    sd.put("w", torch.tensor(ramp(DType.FLOAT32, 2)));
    sd.put("payload", Call.of(new Global("os", "system"), "echo owned"));
    torch.write(file, sd);
    assertFails(
        file,
        "refuses to load Python object 'os.system' (not an allowed tensor/container type)",
        () -> Checkpoints.read(file));
    assertFails(
        file, "refuses to load Python object 'os.system'", () -> Checkpoints.readObject(file));

    // an allowed name used in a way it never is in a checkpoint
    torch.write(file, Map.of("w", Call.of(new Global("torch", "FloatStorage"), 5)));
    assertFails(
        file, "refuses to call Python object 'torch.FloatStorage'", () -> Checkpoints.read(file));
  }
}
