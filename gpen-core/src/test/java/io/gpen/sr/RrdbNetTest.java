package io.gpen.sr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import io.gpen.OfficialKeys;
import io.gpen.SharedData;
import io.gpen.checkpoint.Checkpoints;
import io.gpen.checkpoint.StateDict;
import io.gpen.checkpoint.TensorData;
import io.gpen.checkpoint.TorchFiles;
import io.gpen.nn.Tensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RRDBNet against the reference PyTorch model ({@code ../shared/golden/rrdb_x{1,2,4}_small.pth} and
 * the {@code rrdb_x*} tensors of {@code wild_io.pth}), its layout against the official key lists,
 * and its loader on files the tests write.
 */
class RrdbNetTest {
  /**
   * Largest absolute difference from the reference output. Measured: 6.3e-7 (×1; 7.2e-7
   * channels-last), 3.6e-7 (×2), 1.6e-7 (×4).
   */
  static final double TOLERANCE = 1e-4;

  static StateDict io;

  @BeforeAll
  static void load() {
    io = Checkpoints.read(SharedData.require("golden/wild_io.pth"));
  }

  static Path small(int scale) {
    return SharedData.require("golden/rrdb_x" + scale + "_small.pth");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void goldenOutputMatchesTheReference(int scale) {
    try (RrdbNet net = RrdbNet.load(small(scale));
        PointerScope scope = new PointerScope();
        InferenceMode mode = new InferenceMode()) {
      // RRDBNet(3, 3, scale=s, num_feat=16, num_block=2, num_grow_ch=8), read from the tensors
      assertEquals(new RrdbNet.Layout(scale, 16, 2, 8), net.layout());
      Tensor input = Tensors.fromData(io.get("rrdb_x" + scale + "_input"));
      Tensor out = net.forward(input);
      // channels-last, as RealEsrNet runs it
      Tensor outLast = net.forward(input.contiguous(MemoryFormat.ChannelsLast));
      Tensor expected = Tensors.fromData(io.get("rrdb_x" + scale + "_output"));
      assertArrayEquals(new long[] {1, 3, 24L * scale, 40L * scale}, Tensors.shape(out));
      double diff = Tensors.maxAbsDiff(out, expected);
      double diffLast = Tensors.maxAbsDiff(outLast, expected);
      System.out.printf(
          "RRDBNet x%d golden: max diff %.3g (channels-last %.3g)%n", scale, diff, diffLast);
      assertTrue(diff <= TOLERANCE, "x" + scale + " output differs by " + diff);
      assertTrue(
          diffLast <= TOLERANCE, "x" + scale + " channels-last output differs by " + diffLast);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void officialRealEsrNetHasTheNamesAndShapesOfTheReleasedFile(int scale) {
    try (RrdbNet net = new RrdbNet(RrdbNet.Layout.realEsrNet(scale))) {
      Map<String, String> shapes = new LinkedHashMap<>();
      net.stateDict().forEach((k, v) -> shapes.put(k, OfficialKeys.shape(Tensors.shape(v))));
      assertEquals(OfficialKeys.of("realesrnet_x" + scale + ".pth"), shapes);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void officialKeyListReadsAsTheOfficialLayout(int scale, @TempDir Path dir) throws IOException {
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    try (RrdbNet net = new RrdbNet(RrdbNet.Layout.realEsrNet(scale))) {
      net.stateDict().forEach((k, v) -> tensors.put(k, Tensors.toData(v)));
    }
    Path file = dir.resolve("realesrnet_x" + scale + ".pth");
    TorchFiles.writeObject(file, Map.of("params_ema", tensors));
    assertEquals(RrdbNet.Layout.realEsrNet(scale), RrdbNet.Layout.of(Checkpoints.read(file)));
  }

  @Test
  void pixelUnshuffleNeedsDivisibleSides() {
    try (RrdbNet net = new RrdbNet(new RrdbNet.Layout(1, 4, 0, 4));
        PointerScope scope = new PointerScope();
        InferenceMode mode = new InferenceMode()) {
      assertThrows(IllegalArgumentException.class, () -> net.forward(torch.rand(1, 3, 6, 8)));
      assertArrayEquals(
          new long[] {1, 3, 8, 8}, Tensors.shape(net.forward(torch.rand(1, 3, 8, 8))));
    }
  }

  // ---- loading files the tests write ----------------------------------------------------------

  @Test
  void plainParamsAndPrefixedLayoutsLoad(@TempDir Path dir) throws IOException {
    Map<String, TensorData> tensors = Checkpoints.read(small(2)).tensors();
    Map<String, TensorData> prefixed = new LinkedHashMap<>();
    tensors.forEach((k, v) -> prefixed.put("module." + k, v));
    Map<String, TensorData> zeros = new LinkedHashMap<>();
    tensors.forEach(
        (k, v) ->
            zeros.put(
                k,
                new TensorData(
                    v.dtype(), v.shape(), java.nio.ByteBuffer.allocate(v.data().remaining()))));
    Path plain = dir.resolve("plain.pth");
    TorchFiles.writeStateDict(plain, tensors, true);
    Path params = dir.resolve("params.pth");
    TorchFiles.writeObject(params, Map.of("params", prefixed));
    Path both = dir.resolve("both.pth");
    // Real-ESRGAN training saves both; the EMA weights are the ones to run
    TorchFiles.writeObject(both, Map.of("params", zeros, "params_ema", tensors));
    for (Path file : new Path[] {plain, params, both}) {
      try (RrdbNet net = RrdbNet.load(file);
          RrdbNet golden = RrdbNet.load(small(2));
          PointerScope scope = new PointerScope();
          InferenceMode mode = new InferenceMode()) {
        Tensor x = Tensors.fromData(io.get("rrdb_x2_input"));
        assertEquals(0.0, Tensors.maxAbsDiff(net.forward(x), golden.forward(x)), file.toString());
      }
    }
  }

  @Test
  void aFileOfAnotherNetworkIsAOneLineErrorNamingTheFile() {
    Path parser = SharedData.require("golden/parsenet_small.pth");
    GpenException e = assertThrows(GpenException.class, () -> RrdbNet.load(parser));
    assertTrue(e.getMessage().startsWith(parser.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("is not an RRDBNet"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  @Test
  void unknownInputChannelsAndMismatchedTensorsAreOneLineErrors(@TempDir Path dir)
      throws IOException {
    Map<String, TensorData> tensors = new LinkedHashMap<>(Checkpoints.read(small(4)).tensors());
    tensors.put(
        "conv_first.weight", TensorData.ofFloats(new long[] {16, 5, 3, 3}, new float[16 * 5 * 9]));
    Path channels = dir.resolve("channels.pth");
    TorchFiles.writeObject(channels, Map.of("params_ema", tensors));
    GpenException e = assertThrows(GpenException.class, () -> RrdbNet.load(channels));
    assertTrue(
        e.getMessage().startsWith(channels + ": conv_first.weight has 5 input channels"),
        e.getMessage());

    tensors = new LinkedHashMap<>(Checkpoints.read(small(4)).tensors());
    tensors.remove("body.1.rdb3.conv5.bias");
    tensors.put(
        "conv_hr.weight", TensorData.ofFloats(new long[] {16, 8, 3, 3}, new float[16 * 8 * 9]));
    Path broken = dir.resolve("broken.pth");
    TorchFiles.writeObject(broken, Map.of("params_ema", tensors));
    e = assertThrows(GpenException.class, () -> RrdbNet.load(broken));
    String m = e.getMessage();
    assertTrue(m.startsWith(broken.toString()), m);
    assertTrue(
        m.contains("entry 'params_ema' does not fit RRDBNet x4 (16 features, 2 blocks, growth 8)"),
        m);
    assertTrue(
        m.contains("1 mis-shaped [conv_hr.weight (file [16, 8, 3, 3], model [16, 16, 3, 3])]"), m);
    assertTrue(m.contains("1 missing [body.1.rdb3.conv5.bias]"), m);
    assertFalse(m.contains("\n"), m);
  }
}
