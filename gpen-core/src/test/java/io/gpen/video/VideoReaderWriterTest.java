package io.gpen.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.BadParameter;
import io.gpen.GpenException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link VideoReader} and {@link VideoWriter} on clips made by JavaCV, checked by JavaCV. */
class VideoReaderWriterTest {
  @TempDir Path dir;

  /**
   * Reads every item of {@code in} and writes it to {@code out} unchanged; returns the frames read.
   */
  private static List<Double> copyThrough(
      VideoReader reader, Path out, VideoWriter.Encoding encoding) {
    List<Double> times = new ArrayList<>();
    try (VideoWriter writer = VideoWriter.create(out, reader, encoding)) {
      VideoReader.Item item;
      while ((item = reader.next()) != null) {
        if (item instanceof VideoReader.Frame frame) {
          try (frame) {
            times.add(frame.seconds());
            writer.write(frame.bgr(), frame.pts());
          }
        } else {
          writer.write((VideoReader.AudioPacket) item);
        }
      }
      writer.finish();
    }
    return times;
  }

  @Test
  void aRoundTripKeepsFramesRateSizeAndTheSoundPacketsByteForByte() {
    Path clip = TestClips.write(dir.resolve("pan.mp4"), TestClips.Scene.PAN, true);
    Path out = dir.resolve("out.mp4");
    try (VideoReader reader = VideoReader.open(clip)) {
      VideoInfo info = reader.info();
      assertEquals(new VideoInfo(160, 120, 10.0, 20, 2.0, "h264", "aac", 0), roundedSeconds(info));
      assertEquals("mp4", VideoWriter.extension(reader, VideoWriter.Encoding.DEFAULT));
      List<Double> times = copyThrough(reader, out, VideoWriter.Encoding.DEFAULT);
      assertEquals(20, times.size());
      assertEquals(0.0, times.get(0), 1e-9);
      assertEquals(1.9, times.get(19), 1e-9);
    }
    TestClips.Contents in = TestClips.read(clip);
    TestClips.Contents written = TestClips.read(out);
    assertEquals(20, written.frames());
    assertEquals(160, written.width());
    assertEquals(120, written.height());
    assertEquals(10.0, written.fps(), 1e-9);
    assertEquals("h264", written.videoCodec());
    assertTrue(in.audioPackets().size() > 80, "packets: " + in.audioPackets().size());
    assertTrue(in.sameSound(written), "the sound packets are copied unchanged");
  }

  @Test
  void framesComeBackCloseToTheInput() {
    Path clip = TestClips.write(dir.resolve("pan.mp4"), TestClips.Scene.PAN, false);
    Path out = dir.resolve("out.mp4");
    try (VideoReader reader = VideoReader.open(clip)) {
      copyThrough(reader, out, new VideoWriter.Encoding("h264", 10));
    }
    try (VideoReader original = VideoReader.open(clip);
        VideoReader copy = VideoReader.open(out)) {
      for (int i = 0; i < 20; i++) {
        try (VideoReader.Frame a = (VideoReader.Frame) original.next();
            VideoReader.Frame b = (VideoReader.Frame) copy.next()) {
          double meanError =
              opencv_core.norm(a.bgr(), b.bgr(), opencv_core.NORM_L1, new Mat()) / (160 * 120 * 3);
          assertTrue(meanError < 2.5, "frame " + i + ": mean error " + meanError);
        }
      }
    }
  }

  @Test
  void aVideoWithoutSoundInAnotherContainerAndCodec() {
    Path clip = TestClips.write(dir.resolve("quiet.mkv"), TestClips.Scene.STATIC, false);
    Path out = dir.resolve("quiet.mp4");
    try (VideoReader reader = VideoReader.open(clip)) {
      assertFalse(reader.info().hasAudio());
      assertEquals("mpeg4", reader.info().videoCodec());
      assertEquals(20, copyThrough(reader, out, VideoWriter.Encoding.DEFAULT).size());
    }
    TestClips.Contents written = TestClips.read(out);
    assertEquals(20, written.frames());
    assertTrue(written.audioPackets().isEmpty());
  }

  @Test
  void aPartStartsAtZeroAndHoldsItsFramesAndSoundOnly() {
    Path clip = TestClips.write(dir.resolve("pan.mp4"), TestClips.Scene.PAN, true);
    Path out = dir.resolve("part.mp4");
    try (VideoReader reader = VideoReader.open(clip, 0.55, 0.8)) {
      assertEquals(8, reader.info().frames());
      List<Double> times = copyThrough(reader, out, VideoWriter.Encoding.DEFAULT);
      // frames at 0.6 to 1.3 s of the clip, 0.05 s after the part's start
      assertEquals(8, times.size());
      assertEquals(0.05, times.get(0), 1e-9);
      assertEquals(0.75, times.get(7), 1e-9);
    }
    TestClips.Contents part = TestClips.read(out);
    assertEquals(8, part.frames());
    int packets = part.audioPackets().size();
    // 0.8 s of 1024-sample AAC packets at 44.1 kHz: about 34
    assertTrue(packets >= 33 && packets <= 36, "sound packets: " + packets);
  }

  @Test
  void aCopyRemuxesBothStreamsUnchanged() {
    Path clip = TestClips.write(dir.resolve("pan.mp4"), TestClips.Scene.PAN, true);
    Path copy = dir.resolve("copy.mp4");
    try (VideoReader reader = VideoReader.open(clip)) {
      assertEquals("mp4", VideoWriter.copyExtension(reader));
    }
    VideoWriter.copy(clip, copy);
    TestClips.Contents in = TestClips.read(clip);
    TestClips.Contents out = TestClips.read(copy);
    assertEquals(20, out.frames());
    assertTrue(in.sameSound(out));
  }

  @Test
  void unreadableAndTruncatedVideosAreOneLineNamingTheFile() throws IOException {
    Path garbage = Files.writeString(dir.resolve("garbage.mp4"), "not a video");
    GpenException e = assertThrows(GpenException.class, () -> VideoReader.open(garbage));
    assertTrue(
        e.getMessage()
            .startsWith(
                "cannot read video " + garbage + ": not a video FFmpeg reads, or truncated"),
        e.getMessage());

    // an MP4 cut short loses its index (written last): it does not open
    Path mp4 =
        TestClips.truncated(
            TestClips.write(dir.resolve("pan.mp4"), TestClips.Scene.PAN, true),
            dir.resolve("cut.mp4"),
            0.6);
    e = assertThrows(GpenException.class, () -> VideoReader.open(mp4));
    assertTrue(
        e.getMessage().contains("cut.mp4") && e.getMessage().contains("moov atom not found"),
        e.getMessage());

    // a Matroska file cut short opens and fails where its data ends
    Path mkv =
        TestClips.truncated(
            TestClips.write(dir.resolve("static.mkv"), TestClips.Scene.STATIC, true),
            dir.resolve("cut.mkv"),
            0.6);
    try (VideoReader reader = VideoReader.open(mkv)) {
      e =
          assertThrows(
              GpenException.class,
              () -> {
                VideoReader.Item item;
                while ((item = reader.next()) != null) {
                  item.close();
                }
              });
    }
    assertTrue(
        e.getMessage()
            .startsWith("cannot read video " + mkv + ": truncated or corrupt after frame "),
        e.getMessage());
    assertFalse(e.getMessage().contains("\n"));

    GpenException missing =
        assertThrows(GpenException.class, () -> VideoReader.open(dir.resolve("none.mp4")));
    assertEquals(
        "cannot read video " + dir.resolve("none.mp4") + ": file not found", missing.getMessage());
  }

  @Test
  void anUnknownEncoderNamesTheParameter() {
    BadParameter e =
        assertThrows(BadParameter.class, () -> new VideoWriter.Encoding("nope", 23).encoderName());
    assertTrue(
        e.getMessage().startsWith("videoCodec 'nope' is not a video encoder of this FFmpeg build"),
        e.getMessage());
    assertNotNull(new VideoWriter.Encoding("mpeg4", 5).encoderName());
    assertEquals(
        "crf must be between 0 and 63, got 64",
        assertThrows(BadParameter.class, () -> new VideoWriter.Encoding("h264", 64)).getMessage());
  }

  @Test
  void theEndOfAVideoIsNullThenAgainNull() {
    Path clip = TestClips.write(dir.resolve("quiet.mkv"), TestClips.Scene.STATIC, false);
    try (VideoReader reader = VideoReader.open(clip)) {
      int frames = 0;
      VideoReader.Item item;
      while ((item = reader.next()) != null) {
        item.close();
        frames++;
      }
      assertEquals(20, frames);
      assertNull(reader.next());
    }
  }

  private static VideoInfo roundedSeconds(VideoInfo i) {
    return new VideoInfo(
        i.width(),
        i.height(),
        i.frameRate(),
        i.frames(),
        Math.round(i.seconds() * 10) / 10.0,
        i.videoCodec(),
        i.audioCodec(),
        i.rotation());
  }
}
