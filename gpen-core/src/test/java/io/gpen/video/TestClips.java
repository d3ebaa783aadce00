package io.gpen.video;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;

import io.gpen.SharedData;
import io.gpen.image.Images;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.FFmpegLogCallback;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;

/**
 * Short test clips made with JavaCV (independently of {@link VideoReader} and {@link VideoWriter}),
 * and what JavaCV reads back from a clip: frames drawn from a shared FFHQ face, a sine tone.
 */
public final class TestClips {
  /** Frames per second and frames of the test clips: 2 s at 10 fps. */
  public static final int FPS = 10;

  public static final int FRAMES = 20;
  public static final int WIDTH = 160;
  public static final int HEIGHT = 120;

  /** The tone's sample rate. */
  public static final int SAMPLE_RATE = 44_100;

  private TestClips() {}

  /** What a clip holds. */
  public enum Scene {
    /** The face moves across the frame by 1 px a frame, as under a slow pan. */
    PAN,
    /** The face stays put and every frame gets its own sensor noise (σ 6): a static camera. */
    STATIC,
    /** A gradient and noise, no face. */
    NO_FACE
  }

  /**
   * Writes a clip of {@link #FRAMES} frames {@link #WIDTH}x{@link #HEIGHT} at {@link #FPS}; the
   * container follows the name ({@code .mp4}: H.264; {@code .mkv}: MPEG-4 part 2), with a 440 Hz
   * tone in AAC for its whole length where {@code sound}.
   */
  public static Path write(Path file, Scene scene, boolean sound) {
    return write(file, scene, sound, FRAMES, 1);
  }

  /**
   * As {@link #write(Path, Scene, boolean)} with {@code frames} frames, each drawn at {@link
   * #WIDTH}x{@link #HEIGHT} and enlarged {@code scale} times (a pan of that many pixels a frame,
   * repeating every 20 frames).
   */
  public static Path write(Path file, Scene scene, boolean sound, int frames, int scale) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    FFmpegLogCallback.setLevel(avutil.AV_LOG_ERROR);
    Random noise = new Random(7);
    try (Mat face = scene == Scene.NO_FACE ? null : face();
        OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
        FFmpegFrameRecorder recorder =
            new FFmpegFrameRecorder(file.toFile(), WIDTH * scale, HEIGHT * scale, sound ? 1 : 0)) {
      recorder.setFrameRate(FPS);
      recorder.setVideoCodec(
          file.toString().endsWith(".mkv") ? avcodec.AV_CODEC_ID_MPEG4 : avcodec.AV_CODEC_ID_H264);
      recorder.setVideoQuality(18);
      recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
      if (sound) {
        recorder.setAudioCodec(avcodec.AV_CODEC_ID_AAC);
        recorder.setSampleRate(SAMPLE_RATE);
        recorder.setAudioBitrate(64_000);
      }
      recorder.start();
      for (int i = 0; i < frames; i++) {
        try (Mat drawn = frame(scene, face, i % FRAMES, noise);
            Mat frame =
                scale == 1
                    ? drawn.clone()
                    : Images.resize(drawn, WIDTH * scale, HEIGHT * scale, INTER_AREA)) {
          recorder.record(converter.convert(frame));
        }
        if (sound) {
          recorder.recordSamples(SAMPLE_RATE, 1, tone(i));
        }
      }
      recorder.stop();
    } catch (org.bytedeco.javacv.FrameRecorder.Exception e) {
      throw new IllegalStateException("cannot write test clip " + file, e);
    }
    return file;
  }

  /** The shared face, 110 px. */
  private static Mat face() {
    try (Mat whole = imread(SharedData.require("faces/ffhq256/00000.png").toString())) {
      return Images.resize(whole, 110, 110, INTER_AREA);
    }
  }

  private static Mat frame(Scene scene, Mat face, int i, Random noise) {
    Mat frame = new Mat(HEIGHT, WIDTH, CV_8UC3);
    try (UByteIndexer px = frame.createIndexer()) {
      for (int y = 0; y < HEIGHT; y++) {
        for (int x = 0; x < WIDTH; x++) {
          px.put(y, x, 0, 60 + x / 2);
          px.put(y, x, 1, 90 + y / 2);
          px.put(y, x, 2, 120);
        }
      }
    }
    if (face != null) {
      int left = scene == Scene.PAN ? 20 + i : 25;
      try (Rect where = new Rect(left, 5, face.cols(), face.rows());
          Mat target = new Mat(frame, where)) {
        face.copyTo(target);
      }
    }
    if (scene != Scene.PAN) {
      try (UByteIndexer px = frame.createIndexer()) {
        for (int y = 0; y < HEIGHT; y++) {
          for (int x = 0; x < WIDTH; x++) {
            for (int c = 0; c < 3; c++) {
              int v = (int) Math.round(px.get(y, x, c) + 6 * noise.nextGaussian());
              px.put(y, x, c, Math.max(0, Math.min(255, v)));
            }
          }
        }
      }
    }
    return frame;
  }

  /** The 440 Hz tone for frame {@code i}'s tenth of a second. */
  private static ShortBuffer tone(int i) {
    int n = SAMPLE_RATE / FPS;
    short[] samples = new short[n];
    for (int k = 0; k < n; k++) {
      double t = (i * n + k) / (double) SAMPLE_RATE;
      samples[k] = (short) Math.round(8000 * Math.sin(2 * Math.PI * 440 * t));
    }
    return ShortBuffer.wrap(samples);
  }

  /**
   * What JavaCV reads from a clip.
   *
   * @param frames decoded video frames
   * @param fps the video stream's frame rate
   * @param audioPackets the bytes of each sound packet, in order (empty without sound)
   */
  public record Contents(
      int frames, int width, int height, double fps, String videoCodec, List<byte[]> audioPackets) {
    /** Whether both hold the same sound packets, byte for byte. */
    public boolean sameSound(Contents other) {
      if (audioPackets.size() != other.audioPackets.size()) {
        return false;
      }
      for (int i = 0; i < audioPackets.size(); i++) {
        if (!Arrays.equals(audioPackets.get(i), other.audioPackets.get(i))) {
          return false;
        }
      }
      return true;
    }
  }

  /** Reads a clip with JavaCV: counts the frames and keeps every sound packet's bytes. */
  public static Contents read(Path file) {
    try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toFile())) {
      grabber.start();
      int width = grabber.getImageWidth();
      int height = grabber.getImageHeight();
      double fps = grabber.getVideoFrameRate();
      String codec = grabber.getVideoCodecName();
      int frames = 0;
      while (grabber.grabImage() != null) {
        frames++;
      }
      grabber.stop();
      grabber.start();
      List<byte[]> sound = new ArrayList<>();
      int audioStream = -1;
      for (int s = 0; s < grabber.getFormatContext().nb_streams(); s++) {
        if (grabber.getFormatContext().streams(s).codecpar().codec_type()
            == avutil.AVMEDIA_TYPE_AUDIO) {
          audioStream = s;
        }
      }
      AVPacket packet;
      while ((packet = grabber.grabPacket()) != null) {
        if (packet.stream_index() == audioStream) {
          byte[] bytes = new byte[packet.size()];
          packet.data().get(bytes);
          sound.add(bytes);
        }
        avcodec.av_packet_unref(packet);
      }
      return new Contents(frames, width, height, fps, codec, sound);
    } catch (org.bytedeco.javacv.FrameGrabber.Exception e) {
      throw new IllegalStateException("cannot read clip " + file, e);
    }
  }

  /**
   * A copy of {@code clip} cut to {@code fraction} of its bytes, as an interrupted download leaves
   * it.
   */
  public static Path truncated(Path clip, Path target, double fraction) {
    try {
      byte[] all = Files.readAllBytes(clip);
      return Files.write(target, Arrays.copyOf(all, (int) (all.length * fraction)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
