package io.gpen.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.registry.ModelInfo.GpenConfig;
import io.gpen.registry.ModelInfo.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class KnownModelsTest {
  private final ModelRegistry reg = new ModelRegistry(KnownModels.ALL, Path.of("unused-cache"));

  @Test
  void generatorConfigsCanBeLookedUpByName() {
    assertEquals(new GpenConfig(256, 1, 0.5), reg.require("GPEN-BFR-256").gpen().orElseThrow());
    assertEquals(new GpenConfig(512, 2, 1.0), reg.require("gpen-bfr-512").gpen().orElseThrow());
    // every released model is a FullGenerator (input and output of one size), cm 2, narrow 1:
    // the ModelScope pipeline (1024), run.sh (2048), the README commands and the task classes'
    // defaults (colorization, inpainting, seg2face)
    assertEquals(new GpenConfig(1024, 2, 1.0), reg.require("GPEN-BFR-1024").gpen().orElseThrow());
    assertEquals(new GpenConfig(2048, 2, 1.0), reg.require("GPEN-BFR-2048").gpen().orElseThrow());
    assertEquals(
        new GpenConfig(1024, 2, 1.0), reg.require("GPEN-Colorization-1024").gpen().orElseThrow());
    assertEquals(
        new GpenConfig(1024, 2, 1.0), reg.require("GPEN-Inpainting-1024").gpen().orElseThrow());
    assertEquals(
        new GpenConfig(512, 2, 1.0), reg.require("GPEN-Seg2face-512").gpen().orElseThrow());
    for (ModelInfo m : reg.all()) {
      assertEquals(m.kind() == Kind.GENERATOR, m.gpen().isPresent(), m.name());
    }
  }

  @Test
  void listCoversTheIssueAndUsesHttps() {
    List<String> names = reg.all().stream().map(ModelInfo::name).toList();
    assertEquals(
        List.of(
            "GPEN-BFR-256",
            "GPEN-BFR-512",
            "GPEN-BFR-1024",
            "GPEN-BFR-2048",
            "GPEN-Colorization-1024",
            "GPEN-Inpainting-1024",
            "GPEN-Seg2face-512",
            "GPEN-BFR-256-D",
            "GPEN-BFR-512-D",
            "RetinaFace-R50",
            "RetinaFace-MobileNet0.25",
            "YuNet",
            "ParseNet-latest",
            "realesrnet_x1",
            "realesrnet_x2",
            "realesrnet_x4",
            "ArcFace-IR-SE50",
            "FID-InceptionV3",
            "LPIPS-Alex-v0.1",
            "AlexNet-torchvision"),
        names);
    for (ModelInfo m : reg.all()) {
      assertEquals("https", m.url().getScheme(), m.name());
    }
    // torchvision and pytorch-fid put the leading SHA-256 digits in the file name
    assertTrue(reg.require("AlexNet-torchvision").sha256().orElseThrow().startsWith("7be5be79"));
    assertEquals("6726825d", reg.require("FID-InceptionV3").sha256().orElseThrow());
  }

  /** The in-the-wild networks, at the official GPEN links, with no checksum (none is published). */
  @Test
  void parserAndSuperResolutionAreTheOfficialFiles() {
    ModelInfo parser = reg.require("ParseNet-latest");
    assertEquals(Kind.FACE_PARSER, parser.kind());
    assertEquals(
        "https://public-vigen-video.oss-cn-shanghai.aliyuncs.com/robin/models/ParseNet-latest.pth",
        parser.url().toString());
    assertTrue(parser.sha256().isEmpty());
    for (int s : new int[] {1, 2, 4}) {
      ModelInfo sr = reg.require("realesrnet_x" + s);
      assertEquals(Kind.SUPER_RESOLUTION, sr.kind());
      assertEquals("super-resolution", sr.kind().label());
      assertEquals("realesrnet_x" + s + ".pth", sr.fileName());
      assertEquals(
          "https://public-vigen-video.oss-cn-shanghai.aliyuncs.com/robin/models/realesrnet_x"
              + s
              + ".pth",
          sr.url().toString());
      assertTrue(sr.sha256().isEmpty());
      assertTrue(sr.gpen().isEmpty());
    }
  }

  @Test
  void largeAndTaskModelsComeFromTheirOfficialHostsWithoutPublishedChecksums() {
    String hires =
        "https://www.modelscope.cn/models/iic/cv_gpen_image-portrait-enhancement-hires/resolve/master/";
    assertEquals(hires + "pytorch_model.pt", reg.require("GPEN-BFR-1024").url().toString());
    assertEquals(hires + "pytorch_model-2048.pt", reg.require("GPEN-BFR-2048").url().toString());
    String robin = "https://public-vigen-video.oss-cn-shanghai.aliyuncs.com/robin/models/";
    for (String name :
        List.of("GPEN-Colorization-1024", "GPEN-Inpainting-1024", "GPEN-Seg2face-512")) {
      ModelInfo m = reg.require(name);
      assertEquals(robin + name + ".pth", m.url().toString());
      assertEquals(name + ".pth", m.fileName());
    }
    for (String name :
        List.of(
            "GPEN-BFR-1024",
            "GPEN-BFR-2048",
            "GPEN-Colorization-1024",
            "GPEN-Inpainting-1024",
            "GPEN-Seg2face-512")) {
      ModelInfo m = reg.require(name);
      assertEquals(Kind.GENERATOR, m.kind(), name);
      assertTrue(m.sha256().isEmpty(), name);
    }
    assertTrue(reg.require("GPEN-Seg2face-512").description().contains("[0,1]"));
  }

  /** The project's own copies of two detectors must be the files the registry would download. */
  @Test
  void sharedDetectorCopiesMatchTheRegisteredChecksumsAndSizes() throws IOException {
    check(
        SharedData.require("models/retinaface_mobilenet0.25.pth"),
        reg.require("RetinaFace-MobileNet0.25"));
    check(SharedData.require("models/face_detection_yunet.onnx"), reg.require("YuNet"));
  }

  private static void check(Path file, ModelInfo m) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    assertEquals(m.size().getAsLong(), bytes.length, m.name());
    assertEquals(m.sha256().orElseThrow(), LocalModelServer.sha256(bytes), m.name());
  }
}
