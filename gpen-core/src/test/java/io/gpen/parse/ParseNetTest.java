package io.gpen.parse;

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
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ParseNet against the reference PyTorch model ({@code ../shared/golden/parsenet_small.pth} and the
 * {@code parse_*} tensors of {@code wild_io.pth}), its layout against the official key list, and
 * its loader on files the tests write.
 */
class ParseNetTest {
  /**
   * Largest difference of the image head, absolute. Measured: 0 with the input as the reference
   * lays it out (bit-identical), 4.2e-7 channels-last.
   */
  static final double IMAGE_TOLERANCE = 1e-4;

  /**
   * Largest difference of the mask logits relative to their largest magnitude. Measured: 0, and
   * 7.8e-7 channels-last.
   */
  static final double MASK_RELATIVE_TOLERANCE = 1e-3;

  static StateDict io;
  static ParseNet small;

  @BeforeAll
  static void load() {
    io = Checkpoints.read(SharedData.require("golden/wild_io.pth"));
    small = ParseNet.load(SharedData.require("golden/parsenet_small.pth"));
  }

  @AfterAll
  static void release() {
    if (small != null) {
      small.close();
    }
  }

  static Tensor golden(String name) {
    return Tensors.fromData(io.get(name));
  }

  @Test
  void smallLayoutIsReadFromTheTensorsAndIsTheReferenceConstructors() {
    // ParseNet(in_size=64, out_size=64, min_feat_size=16, base_ch=16, parsing_ch=19, res_depth=3,
    // ch_range=[16, 48])
    ParseNet.Layout expected = ParseNet.Layout.official(64, 64, 16, 16, 19, 3, 16, 48);
    assertEquals(expected, small.layout());
    assertEquals(List.of(32, 48), expected.encoderChannels());
    assertEquals(List.of(32, 16), expected.decoderChannels());
    assertEquals(64, expected.outputSide(64));
    assertEquals(512, expected.outputSide(512));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void goldenHeadsMatchTheReference(boolean channelsLast) {
    try (PointerScope scope = new PointerScope();
        InferenceMode mode = new InferenceMode()) {
      Tensor input = golden("parse_input");
      ParseNet.Output out =
          small.forward(channelsLast ? input.contiguous(MemoryFormat.ChannelsLast) : input);
      Tensor mask = golden("parse_mask");
      assertArrayEquals(new long[] {2, 19, 64, 64}, Tensors.shape(out.mask()));
      double maskDiff = Tensors.maxAbsDiff(out.mask(), mask);
      double maskScale = mask.abs().max().item_double();
      double imageDiff = Tensors.maxAbsDiff(out.image(), golden("parse_image"));
      System.out.printf(
          "ParseNet golden (channels-last %s): mask logits max diff %.3g (relative %.3g), image max diff %.3g%n",
          channelsLast, maskDiff, maskDiff / maskScale, imageDiff);
      assertTrue(
          maskDiff / maskScale <= MASK_RELATIVE_TOLERANCE, "mask logits differ by " + maskDiff);
      assertTrue(imageDiff <= IMAGE_TOLERANCE, "image differs by " + imageDiff);

      // the parsing itself: the same class wherever the reference's best two logits are not a near
      // tie
      Tensor top2 = mask.topk(2, 1, true, true).get0();
      Tensor margin = top2.select(1, 0).sub(top2.select(1, 1));
      Tensor same =
          torch
              .argmax(out.mask(), new LongOptional(1), false)
              .eq(torch.argmax(mask, new LongOptional(1), false));
      Tensor clear = margin.gt(new org.bytedeco.pytorch.Scalar(1e-4));
      long disagree = clear.logical_and(same.logical_not()).sum().item_long();
      assertEquals(0, disagree, "pixels whose class differs from the reference's");
    }
  }

  @Test
  void officialParseNetLatestHasTheNamesAndShapesOfTheReleasedFile() {
    try (ParseNet latest = new ParseNet(ParseNet.Layout.parseNetLatest())) {
      assertEquals(OfficialKeys.of("ParseNet-latest.pth"), shapes(latest));
      assertEquals(List.of(128, 256, 256, 256), latest.layout().encoderChannels());
      assertEquals(10, latest.layout().bodyDepth());
      assertEquals(List.of(256, 256, 128, 64), latest.layout().decoderChannels());
    }
  }

  @Test
  void layoutOfTheOfficialKeyListIsParseNetLatest(@TempDir Path dir) throws IOException {
    // a file with the official names and shapes (zero tensors) reads as ParseNet-latest
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    try (ParseNet latest = new ParseNet(ParseNet.Layout.parseNetLatest())) {
      latest.stateDict().forEach((k, v) -> tensors.put(k, Tensors.toData(v)));
    }
    Path file = dir.resolve("ParseNet-latest.pth");
    TorchFiles.writeStateDict(file, tensors, false);
    assertEquals(ParseNet.Layout.parseNetLatest(), ParseNet.Layout.of(Checkpoints.read(file)));
  }

  @Test
  void referenceConstructorRejectsAStemOutsideTheChannelRange() {
    assertThrows(
        IllegalArgumentException.class,
        () -> ParseNet.Layout.official(64, 64, 16, 8, 19, 1, 16, 48));
  }

  static Map<String, String> shapes(ParseNet net) {
    Map<String, String> out = new LinkedHashMap<>();
    net.stateDict().forEach((k, v) -> out.put(k, OfficialKeys.shape(Tensors.shape(v))));
    return out;
  }

  // ---- loading files the tests write ----------------------------------------------------------

  /**
   * The golden tensors as facexlib's parsing_parsenet.pth stores them (a plain state dict), zip and
   * legacy layouts.
   */
  @Test
  void plainStateDictsLoadInBothTorchLayouts(@TempDir Path dir) throws IOException {
    Map<String, TensorData> tensors =
        Checkpoints.read(SharedData.require("golden/parsenet_small.pth")).tensors();
    for (boolean legacy : new boolean[] {false, true}) {
      Path file = dir.resolve(legacy ? "legacy.pth" : "zip.pth");
      TorchFiles.writeStateDict(file, tensors, legacy);
      try (ParseNet net = ParseNet.load(file)) {
        assertSameOutput(net);
      }
    }
  }

  @Test
  void dataParallelPrefixAndParamsEmaEntriesAreUnwrapped(@TempDir Path dir) throws IOException {
    Map<String, TensorData> tensors =
        Checkpoints.read(SharedData.require("golden/parsenet_small.pth")).tensors();
    Map<String, TensorData> prefixed = new LinkedHashMap<>();
    tensors.forEach((k, v) -> prefixed.put("module." + k, v));
    Path file = dir.resolve("wrapped.pth");
    TorchFiles.writeObject(file, Map.of("params_ema", prefixed, "iter", 1000));
    try (ParseNet net = ParseNet.load(file)) {
      assertSameOutput(net);
    }
  }

  @Test
  void countersMayBeAbsentAndRandomLayoutsRoundTrip(@TempDir Path dir) throws IOException {
    ParseNet.Layout layout = ParseNet.Layout.official(32, 32, 8, 8, 7, 2, 8, 24);
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    try (PointerScope scope = new PointerScope();
        ParseNet random = new ParseNet(layout)) {
      random
          .stateDict()
          .forEach(
              (k, v) -> {
                if (!k.endsWith("num_batches_tracked")) {
                  Tensor t =
                      k.endsWith("running_var")
                          ? torch.rand(v.sizes()).add(new org.bytedeco.pytorch.Scalar(0.5))
                          : torch.randn(v.sizes());
                  tensors.put(k, Tensors.toData(t));
                }
              });
    }
    Path file = dir.resolve("random.pth");
    TorchFiles.writeStateDict(file, tensors, false);
    try (PointerScope scope = new PointerScope();
        InferenceMode mode = new InferenceMode();
        ParseNet net = ParseNet.load(file)) {
      assertEquals(layout, net.layout());
      ParseNet.Output out = net.forward(torch.randn(1, 3, 32, 32));
      assertArrayEquals(new long[] {1, 7, 32, 32}, Tensors.shape(out.mask()));
      assertArrayEquals(new long[] {1, 3, 32, 32}, Tensors.shape(out.image()));
      net.stateDict()
          .forEach(
              (k, v) -> {
                if (tensors.containsKey(k)) {
                  assertEquals(0.0, Tensors.maxAbsDiff(v, Tensors.fromData(tensors.get(k))), k);
                }
              });
    }
  }

  @Test
  void aFileOfAnotherNetworkIsAOneLineErrorNamingTheFile() {
    Path rrdb = SharedData.require("golden/rrdb_x2_small.pth");
    GpenException e = assertThrows(GpenException.class, () -> ParseNet.load(rrdb));
    assertTrue(e.getMessage().startsWith(rrdb.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("is not a ParseNet face parser"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  @Test
  void aMismatchedFileIsAOneLineErrorListingTheMismatch(@TempDir Path dir) throws IOException {
    Map<String, TensorData> tensors =
        new LinkedHashMap<>(
            Checkpoints.read(SharedData.require("golden/parsenet_small.pth")).tensors());
    tensors.remove("decoder.1.conv2.norm.norm.running_mean");
    tensors.put("out_img_conv.conv2d.bias", TensorData.ofFloats(new long[] {4}, new float[4]));
    tensors.put("extra.weight", TensorData.ofFloats(new long[] {1}, 0f));
    Path file = dir.resolve("broken.pth");
    TorchFiles.writeStateDict(file, tensors, false);
    GpenException e = assertThrows(GpenException.class, () -> ParseNet.load(file));
    String m = e.getMessage();
    assertTrue(m.startsWith(file.toString()), m);
    assertTrue(m.contains("1 mis-shaped [out_img_conv.conv2d.bias (file [4], model [3])]"), m);
    assertTrue(m.contains("1 missing [decoder.1.conv2.norm.norm.running_mean]"), m);
    assertTrue(m.contains("1 unexpected [extra.weight]"), m);
    assertFalse(m.contains("\n"), m);
  }

  private static void assertSameOutput(ParseNet net) {
    assertEquals(small.layout(), net.layout());
    try (PointerScope scope = new PointerScope();
        InferenceMode mode = new InferenceMode()) {
      Tensor x = golden("parse_input");
      assertEquals(0.0, Tensors.maxAbsDiff(net.forward(x).mask(), small.forward(x).mask()));
    }
  }
}
