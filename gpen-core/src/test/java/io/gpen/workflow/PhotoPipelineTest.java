package io.gpen.workflow;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.BadParameter;
import io.gpen.SharedData;
import io.gpen.api.FaceRestorer;
import io.gpen.api.Restorer;
import io.gpen.face.DetectedFace;
import io.gpen.face.FaceDetector;
import io.gpen.face.FaceDetectors;
import io.gpen.face.FaceEnhancer;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.nn.Precision;
import io.gpen.parse.FaceParser;
import io.gpen.registry.ModelRegistry;
import io.gpen.sr.RealEsrNet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official product's photo pipeline through {@link PhotoRestoration}: the face parser's paste
 * mask and the background super-resolution, with the golden 64 px generator, the small golden
 * parser and RRDBNets and the shared MobileNet RetinaFace.
 */
class PhotoPipelineTest {
  private static Path parserWeights;
  private static String detectorWeights;
  private static ModelSpec model;

  @TempDir Path dir;
  private Path photo;

  /** A registry whose cache is empty. */
  private ModelRegistry emptyCache;

  @BeforeAll
  static void weights() {
    parserWeights = SharedData.require("golden/parsenet_small.pth");
    detectorWeights = SharedData.require("models/retinaface_mobilenet0.25.pth").toString();
    model = ModelSpec.libtorch(SharedData.require("golden/gpen64.pth").toString());
  }

  static Path rrdb(int scale) {
    return SharedData.require("golden/rrdb_x" + scale + "_small.pth");
  }

  /** A part of the Solvay photo with two faces, with an alpha plane. */
  @BeforeEach
  void photo() {
    photo = dir.resolve("in/solvay.png");
    try (Image rgba = Images.read(SharedData.require("faces/Solvay_conference_1927.png"));
        Rect r = new Rect(580, 60, 140, 160);
        Mat colour = new Mat(rgba.bgr(), r);
        Mat alpha = new Mat(rgba.alpha().orElseThrow(), r);
        Image part = new Image(colour.clone(), alpha.clone())) {
      Images.write(photo, part);
    }
    emptyCache = new ModelRegistry(ModelRegistry.defaultRegistry().all(), dir.resolve("cache"));
  }

  private PhotoRestoration.Options.Builder options(Path input, Path out) {
    return PhotoRestoration.Options.builder(model, input, out)
        .detector(FaceDetectors.Kind.RETINAFACE, detectorWeights);
  }

  @Test
  void theParsersMaskPastesTheFacesAsTheFaceEnhancerWithTheParserDoes() {
    Path parsed = dir.resolve("parsed");
    PhotoRestoration.Result result =
        PhotoRestoration.run(
            options(photo, parsed).parserWeights(parserWeights.toString()).build(),
            WorkflowListener.SILENT,
            emptyCache);
    assertEquals(2, result.faces());
    assertTrue(result.parser().startsWith("ParseNet"), result.parser());
    Path boxed = dir.resolve("boxed");
    PhotoRestoration.Result box =
        PhotoRestoration.run(
            options(photo, boxed).mask(PhotoRestoration.Mask.BOX).build(),
            WorkflowListener.SILENT,
            emptyCache);
    assertNull(box.parser());

    try (Restorer restorer = Restorer.builder().weights(model.weights()).build();
        FaceParser parser = FaceParser.load(parserWeights);
        FaceDetector detector = FaceDetectors.open(Path.of(detectorWeights));
        FaceEnhancer withParser = new FaceEnhancer(restorer, 1.0, parser);
        FaceEnhancer withBox = new FaceEnhancer(restorer, 1.0);
        Image image = Images.read(photo);
        FaceEnhancer.Result expected =
            withParser.enhance(image.bgr(), detector.detect(image.bgr()));
        FaceEnhancer.Result rectangle =
            withBox.enhance(image.bgr(), detector.detect(image.bgr()))) {
      assertArrayEquals(Bytes.of(expected.image()), Bytes.of(parsed.resolve("solvay_GPEN.png")));
      assertArrayEquals(Bytes.of(rectangle.image()), Bytes.of(boxed.resolve("solvay_GPEN.png")));
      assertFalse(
          java.util.Arrays.equals(Bytes.of(expected.image()), Bytes.of(rectangle.image())),
          "the parser's mask is not the rectangle");
      // the paste mask of each face is the parser's, warped back: compare one face's own mask
      FaceEnhancer.Face first = expected.faces().get(0);
      try (Mat own = parser.pasteMask(first.restored(), restorer.size())) {
        assertNotAllEqual(own);
      }
    }
  }

  @Test
  void facesRestoredInBatchesGiveTheFilesOfFacesRestoredOneByOne() throws IOException {
    Path solvay = SharedData.require("faces/Solvay_conference_1927.png");
    Path single = dir.resolve("single");
    Path batched = dir.resolve("batched");
    PhotoRestoration.Result one =
        PhotoRestoration.run(
            withFaces(solvay, single).batchSize(1).build(), WorkflowListener.SILENT, emptyCache);
    PhotoRestoration.Result many =
        PhotoRestoration.run(
            withFaces(solvay, batched).batchSize(8).build(), WorkflowListener.SILENT, emptyCache);
    // the whole group photo: several batches of 8, the last one partial
    assertTrue(one.faces() > 16, "faces: " + one.faces());
    assertEquals(one.faces(), many.faces());
    List<Path> files;
    try (var listing = Files.list(single)) {
      files = listing.sorted().toList();
    }
    assertTrue(files.size() > one.faces(), "the restored photo and every face: " + files);
    for (Path f : files) {
      assertArrayEquals(
          Files.readAllBytes(f),
          Files.readAllBytes(batched.resolve(f.getFileName())),
          f.getFileName() + " differs between batch 8 and batch 1");
    }
  }

  @Test
  void bf16ReachesTheParserAndTheSuperResolution() {
    PhotoRestoration.Result result =
        PhotoRestoration.run(
            PhotoRestoration.Options.builder(
                    model.withPrecision(Precision.BF16), photo, dir.resolve("bf16"))
                .detector(FaceDetectors.Kind.RETINAFACE, detectorWeights)
                .parserWeights(parserWeights.toString())
                .superResolution(new PhotoRestoration.SuperResolution(2, rrdb(2).toString(), 0))
                .build(),
            WorkflowListener.SILENT,
            emptyCache);
    assertEquals(2, result.faces());
    assertTrue(result.model().endsWith(", bf16 convolutions"), result.model());
    assertTrue(result.parser().endsWith(", bf16"), result.parser());
    assertTrue(result.superResolution().endsWith(", bf16"), result.superResolution());
  }

  /** The rectangle mask, every face written beside the photo. */
  private PhotoRestoration.Options.Builder withFaces(Path input, Path out) {
    return options(input, out)
        .mask(PhotoRestoration.Mask.BOX)
        .extra(PhotoRestoration.Extra.FACES, true);
  }

  private static void assertNotAllEqual(Mat mask) {
    float min = Float.MAX_VALUE;
    float max = -Float.MAX_VALUE;
    try (FloatIndexer ix = mask.createIndexer()) {
      for (int y = 0; y < mask.rows(); y++) {
        for (int x = 0; x < mask.cols(); x++) {
          min = Math.min(min, ix.get(y, x));
          max = Math.max(max, ix.get(y, x));
        }
      }
    }
    assertTrue(min < 0.01 && max > 0.5, "a mask with a pasted part: " + min + " to " + max);
  }

  @Test
  void withoutParserWeightsAPhotoFolderIsPastedUnderTheRectangleWithOneNote() throws IOException {
    Files.copy(photo, photo.resolveSibling("again.png"));
    Path out = dir.resolve("out");
    RecordingListener listener = new RecordingListener();
    PhotoRestoration.Result result =
        PhotoRestoration.run(options(photo.getParent(), out).build(), listener, emptyCache);
    assertEquals(2, result.images());
    assertNull(result.parser());
    assertEquals(
        List.of(
            "no face parser weights given (parserWeights) and ParseNet-latest is not in the model cache "
                + emptyCache.cacheDir()
                + "; the faces are pasted under the rectangle mask (mask box chooses it without this"
                + " note)"),
        listener.notes);
    Path boxed = dir.resolve("boxed");
    PhotoRestoration.run(
        options(photo, boxed).mask(PhotoRestoration.Mask.BOX).build(), listener, emptyCache);
    assertEquals(1, listener.notes.size(), "box: no note");
    assertArrayEquals(
        Bytes.of(boxed.resolve("solvay_GPEN.png")), Bytes.of(out.resolve("solvay_GPEN.png")));
  }

  @Test
  void thePipelineInMemoryGivesTheFilesOfTheWorkflowTheRestoredPhotoLast() throws IOException {
    Path out = dir.resolve("out");
    PhotoRestoration.Options options =
        options(photo, out).extra(PhotoRestoration.Extra.COMPARISON, true).build();
    PhotoRestoration.run(options, WorkflowListener.SILENT, emptyCache);

    RecordingListener listener = new RecordingListener();
    PhotoPipeline.Settings resolved = options.pipeline().resolve(emptyCache, listener);
    assertEquals(
        PhotoRestoration.Mask.BOX,
        resolved.mask(),
        "no parser to be had: the rectangle, decided once");
    assertEquals(1, listener.notes.size());
    assertEquals(detectorWeights, resolved.detectorWeights());
    try (PhotoPipeline pipeline = PhotoPipeline.open(resolved);
        Image image = Images.read(photo);
        PhotoPipeline.Restored restored = pipeline.restore(image, "solvay", "solvay.png")) {
      assertEquals(2, restored.faces());
      List<String> names = restored.files().stream().map(PhotoPipeline.OutputFile::name).toList();
      assertEquals(List.of("solvay_COMP.jpg", "solvay.faces.json", "solvay_GPEN.png"), names);
      assertEquals("solvay_GPEN.png", restored.photo().name());
      for (PhotoPipeline.OutputFile f : restored.files()) {
        assertArrayEquals(Files.readAllBytes(out.resolve(f.name())), bytes(f), f.name());
      }
    }
  }

  @Test
  void aCachedParserIsUsedAndARequiredOneThatIsMissingIsAnError() throws IOException {
    BadParameter missing =
        assertThrows(
            BadParameter.class,
            () ->
                PhotoRestoration.run(
                    options(photo, dir.resolve("out")).mask(PhotoRestoration.Mask.PARSE).build(),
                    WorkflowListener.SILENT,
                    emptyCache));
    assertEquals(
        "mask parse needs the face parser: no face parser weights given (parserWeights) and ParseNet-latest is"
            + " not in the model cache "
            + emptyCache.cacheDir(),
        missing.getMessage());
    assertFalse(Files.exists(dir.resolve("out/solvay_GPEN.png")));

    Path cached = Files.createDirectories(emptyCache.cacheDir()).resolve("ParseNet-latest.pth");
    Files.copy(parserWeights, cached);
    RecordingListener listener = new RecordingListener();
    PhotoRestoration.Result result =
        PhotoRestoration.run(
            options(photo, dir.resolve("cached")).mask(PhotoRestoration.Mask.PARSE).build(),
            listener,
            emptyCache);
    assertTrue(result.parser().endsWith(" from " + cached), result.parser());
    assertTrue(listener.notes.isEmpty(), listener.notes.toString());
    assertTrue(listener.info.contains(result.parser()), listener.info.toString());

    BadParameter notAParser =
        assertThrows(
            BadParameter.class,
            () ->
                PhotoRestoration.run(
                    options(photo, dir.resolve("out")).parserWeights(rrdb(2).toString()).build(),
                    WorkflowListener.SILENT,
                    emptyCache));
    assertTrue(
        notAParser.getMessage().startsWith("parserWeights: " + rrdb(2)), notAParser.getMessage());
  }

  @Test
  void superResolutionEnlargesThePhotoAndPastesTheFacesOfTheResizedPhotoOntoIt() {
    Path out = dir.resolve("out");
    PhotoRestoration.Result result =
        PhotoRestoration.run(
            options(photo, out)
                .mask(PhotoRestoration.Mask.BOX)
                .superResolution(PhotoRestoration.SuperResolution.ofWeights(rrdb(2).toString()))
                .extra(PhotoRestoration.Extra.COMPARISON, true)
                .build(),
            WorkflowListener.SILENT,
            emptyCache);
    assertEquals(2, result.faces());
    assertTrue(result.superResolution().startsWith("RRDBNet x2"), result.superResolution());
    try (Image written = Images.read(out.resolve("solvay_GPEN.png"));
        Image comparison = Images.read(out.resolve("solvay_COMP.jpg"))) {
      assertEquals(280, written.width());
      assertEquals(320, written.height());
      assertEquals(
          280, written.alpha().orElseThrow().cols(), "the alpha plane is enlarged with the photo");
      assertEquals(560, comparison.width());
    }
    try (Restorer restorer = Restorer.builder().weights(model.weights()).build();
        RealEsrNet sr = RealEsrNet.load(rrdb(2));
        FaceDetector detector = FaceDetectors.open(Path.of(detectorWeights));
        FaceEnhancer enhancer = new FaceEnhancer(restorer, 1.0);
        Image image = Images.read(photo);
        Mat background = sr.process(image.bgr());
        Mat resized = Images.resize(image.bgr(), 280, 320, INTER_LINEAR)) {
      List<DetectedFace> faces = detector.detect(resized);
      assertEquals(2, faces.size());
      try (FaceEnhancer.Result expected = enhancer.enhance(resized, background, faces)) {
        byte[] got = Bytes.of(out.resolve("solvay_GPEN.png"));
        assertArrayEquals(Bytes.of(expected.image()), got);
        int outside = 0;
        int changedInside = 0;
        try (FloatIndexer m = expected.mask().createIndexer();
            UByteIndexer sr8 = background.createIndexer()) {
          for (int y = 0; y < 320; y++) {
            for (int x = 0; x < 280; x++) {
              float w = m.get(y, x);
              for (int c = 0; c < 3; c++) {
                int g = got[(y * 280 + x) * 3 + c] & 0xff;
                if (w == 0) {
                  outside++;
                  assertEquals(sr8.get(y, x, c), g, "background at " + x + "," + y);
                } else if (w > 0.9 && g != sr8.get(y, x, c)) {
                  changedInside++;
                }
              }
            }
          }
        }
        assertTrue(outside > 280 * 320, "most of the photo is background: " + outside / 3);
        assertTrue(changedInside > 1000, "faces pasted: " + changedInside);
      }
    }
  }

  @Test
  void alignedFacesAreSuperResolvedAfterTheRestoration() throws IOException {
    Path face =
        Files.copy(
            SharedData.require("faces/ffhq256/00000.png"),
            Files.createDirectories(dir.resolve("faces")).resolve("face.png"));
    Path out = dir.resolve("out");
    PhotoRestoration.run(
        PhotoRestoration.Options.builder(model, face, out)
            .inputs(PhotoRestoration.Inputs.ALIGNED_FACES)
            .superResolution(PhotoRestoration.SuperResolution.ofScale(4).withTileSize(24))
            .build(),
        WorkflowListener.SILENT,
        new ModelRegistry(
            ModelRegistry.defaultRegistry().all(), cacheWith("realesrnet_x4.pth", rrdb(4))));
    try (Restorer restorer = Restorer.builder().weights(model.weights()).build();
        RealEsrNet sr = RealEsrNet.load(rrdb(4));
        Image image = Images.read(face);
        Mat restored = restorer.restore(image.bgr());
        Mat enlarged = sr.process(restored, 24)) {
      assertEquals(256, enlarged.cols());
      assertArrayEquals(Bytes.of(enlarged), Bytes.of(out.resolve("face_GPEN.png")));
    }
  }

  /** A cache folder holding {@code source} as {@code name}. */
  private Path cacheWith(String name, Path source) throws IOException {
    Path cache = Files.createDirectories(dir.resolve("sr-cache"));
    Files.copy(source, cache.resolve(name));
    return cache;
  }

  @Test
  void optionsNotGivenTakeTheReferenceScaleOrTheWeightsOwnAndNoTiles() {
    assertEquals(
        PhotoRestoration.SuperResolution.ofScale(2),
        PhotoRestoration.SuperResolution.of(null, null, null));
    assertEquals(
        new PhotoRestoration.SuperResolution(0, "x.pth", 64),
        PhotoRestoration.SuperResolution.of(null, "x.pth", 64));
    assertEquals(
        new PhotoRestoration.SuperResolution(4, "x.pth", 0),
        PhotoRestoration.SuperResolution.of(4, "x.pth", null));
  }

  @Test
  void theScaleAndTheWeightsMustAgree() {
    BadParameter scale =
        assertThrows(BadParameter.class, () -> new PhotoRestoration.SuperResolution(3, null, 0));
    assertEquals("srScale must be 1, 2 or 4, got 3", scale.getMessage());
    BadParameter tile =
        assertThrows(
            BadParameter.class, () -> PhotoRestoration.SuperResolution.ofScale(2).withTileSize(-1));
    assertEquals(
        "tileSize must be 0 (the whole photo at once) or positive, got -1", tile.getMessage());
    BadParameter mismatch =
        assertThrows(
            BadParameter.class,
            () ->
                PhotoRestoration.run(
                    options(photo, dir.resolve("out"))
                        .superResolution(
                            new PhotoRestoration.SuperResolution(4, rrdb(2).toString(), 0))
                        .build(),
                    WorkflowListener.SILENT,
                    emptyCache));
    assertEquals(
        "srWeights " + rrdb(2) + " is a x2 network, not the x4 of srScale", mismatch.getMessage());
  }

  @Test
  void aServiceRestoresEachPhotoWithItsOwnRestorerAndFormatAsTheWorkflowDoes() throws Exception {
    PhotoPipeline.Settings resolved =
        options(photo, dir.resolve("out"))
            .mask(PhotoRestoration.Mask.BOX)
            .build()
            .pipeline()
            .resolve(emptyCache, WorkflowListener.SILENT);
    try (PhotoPipeline pipeline = PhotoPipeline.open(resolved);
        Image image = Images.read(photo);
        PhotoPipeline.Restored expected = pipeline.restore(image, "solvay", "solvay.png")) {
      AtomicInteger handedIn = new AtomicInteger();
      FaceRestorer counting =
          new FaceRestorer() {
            @Override
            public int size() {
              return pipeline.restorer().size();
            }

            @Override
            public List<Mat> restore(List<Mat> faces) {
              handedIn.addAndGet(faces.size());
              return pipeline.restorer().restore(faces);
            }

            @Override
            public String description() {
              return "counting";
            }

            @Override
            public void close() {}
          };
      PhotoPipeline.Choices choices = new PhotoPipeline.Choices(false, 1.0, false);
      ExecutorService threads = Executors.newFixedThreadPool(3);
      try {
        List<Future<byte[]>> answers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          answers.add(
              threads.submit(
                  () -> {
                    try (PhotoPipeline.Restored r =
                        pipeline.restore(image, choices, counting, PhotoPipeline.Format.PNG)) {
                      assertEquals(2, r.faces());
                      assertEquals(
                          List.of("photo_GPEN.png"),
                          r.files().stream().map(PhotoPipeline.OutputFile::name).toList());
                      return bytes(r.photo());
                    }
                  }));
        }
        for (Future<byte[]> answer : answers) {
          assertArrayEquals(
              bytes(expected.photo()),
              answer.get(),
              "the PNG the workflow writes, from any thread");
        }
      } finally {
        threads.shutdown();
      }
      assertEquals(6, handedIn.get(), "every face went through the restorer given");
      assertArrayEquals(
          bytes(expected.files().get(0)),
          pipeline.faceList(image, "solvay.png"),
          "the face list of detection alone is the workflow's");
      try (PhotoPipeline.Restored jpeg =
              pipeline.restore(
                  image,
                  new PhotoPipeline.Choices(false, 0.5, false),
                  counting,
                  PhotoPipeline.Format.JPEG);
          Image decoded = Images.decode(bytes(jpeg.photo()), "jpeg", 1_000_000)) {
        assertEquals("photo_GPEN.jpg", jpeg.photo().name());
        assertEquals(140, decoded.width());
        assertTrue(decoded.alpha().isEmpty(), "a JPEG has no alpha plane");
      }
      PhotoPipeline.Choices withSr = new PhotoPipeline.Choices(false, 1.0, true);
      BadParameter noSr =
          assertThrows(
              BadParameter.class,
              () -> pipeline.restore(image, withSr, counting, PhotoPipeline.Format.PNG));
      assertEquals(
          "superResolution needs a super-resolution network, and the pipeline has none",
          noSr.getMessage());
    }
  }

  @Test
  void aPipelineOverLentNetworksLeavesThemOpen() {
    try (Restorer restorer = Restorer.builder().weights(model.weights()).build();
        FaceDetector detector = FaceDetectors.open(Path.of(detectorWeights));
        Image image = Images.read(photo)) {
      PhotoPipeline pipeline = PhotoPipeline.over(restorer, detector);
      try (PhotoPipeline.Restored r = pipeline.restore(image, "solvay", "solvay.png")) {
        assertEquals(2, r.faces());
      }
      pipeline.close();
      assertThrows(
          IllegalStateException.class, () -> pipeline.restore(image, "solvay", "solvay.png"));
      assertEquals(2, detector.detect(image.bgr()).size(), "the detector is still open");
      try (Mat restored = restorer.restore(image.bgr())) {
        assertEquals(restorer.size(), restored.cols(), "the restorer is still open");
      }
    }
  }

  private static byte[] bytes(PhotoPipeline.OutputFile file) {
    byte[] b = new byte[(int) file.size()];
    file.buffer().get(b);
    return b;
  }
}
