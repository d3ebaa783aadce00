package io.gpen.video;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_DATA_DISPLAYMATRIX;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_clone;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_side_data_get;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avformat.av_find_best_stream;
import static org.bytedeco.ffmpeg.global.avformat.av_guess_frame_rate;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_seek_file;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_RANGE_JPEG;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EAGAIN;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.AV_TIME_BASE;
import static org.bytedeco.ffmpeg.global.avutil.av_display_rotation_get;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_q2d;
import static org.bytedeco.ffmpeg.global.avutil.av_rescale_q;
import static org.bytedeco.ffmpeg.global.swscale.SWS_ACCURATE_RND;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.SWS_CS_DEFAULT;
import static org.bytedeco.ffmpeg.global.swscale.SWS_FULL_CHR_H_INT;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCachedContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCoefficients;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;
import static org.bytedeco.ffmpeg.global.swscale.sws_setColorspaceDetails;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import io.gpen.GpenException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avcodec.AVPacketSideData;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Reads a video file with FFmpeg: its video stream decoded into upright 8-bit BGR frames, and the
 * packets of its sound track (the best audio stream) as they are stored, to be copied unchanged.
 * Items come in the file's order, so that a writer fed in that order interleaves the streams as the
 * file did. A part of the video may be read ({@link #open(Path, double, double)}): the frames and
 * sound from {@code start} for {@code duration} seconds.
 *
 * <p>Timestamps are moved so that the part read starts at 0 (the file's own start time, or the
 * cut's start); both streams move by the same time, which keeps them in sync. Not thread-safe;
 * close it, and each item it hands out.
 *
 * @see VideoWriter
 */
public final class VideoReader implements AutoCloseable {
  /** What {@link #next} hands out: a decoded frame or a packet of sound. Close each. */
  public sealed interface Item extends AutoCloseable permits Frame, AudioPacket {
    @Override
    void close();
  }

  /**
   * A decoded frame.
   *
   * @param index its position in the part read, from 0
   * @param bgr the picture, upright, 8-bit BGR; owned by the frame
   * @param pts its presentation time in the video stream's time base, from the start of the part
   * @param seconds the same in seconds
   */
  public record Frame(long index, Mat bgr, long pts, double seconds) implements Item {
    @Override
    public void close() {
      bgr.close();
    }
  }

  /**
   * A packet of the sound track as stored (its bytes untouched), its timestamps moved to the part
   * read.
   */
  public static final class AudioPacket implements Item {
    private AVPacket packet;

    private AudioPacket(AVPacket packet) {
      this.packet = packet;
    }

    /**
     * The packet; a writer takes over its data (leaving it blank, still to be freed by {@link
     * #close}).
     */
    AVPacket packet() {
      return packet;
    }

    @Override
    public void close() {
      if (packet != null) {
        av_packet_free(packet);
        packet = null;
      }
    }
  }

  private final Path file;
  private final AVFormatContext input;
  private final int videoIndex;
  private final int audioIndex;
  private final AVCodecContext decoder;
  private final AVPacket packet = av_packet_alloc();
  private final AVFrame decoded = av_frame_alloc();
  private final VideoInfo info;
  private final AVRational videoTimeBase;

  /**
   * Frames per second as a fraction (kept as numbers: a struct FFmpeg returns by value may belong
   * to a caller's PointerScope).
   */
  private final int frameRateNum;

  private final int frameRateDen;

  /** Origin of the part read, in each stream's time base. */
  private final long videoOrigin;

  private final long audioOrigin;

  /** The part read, in seconds from its origin; a whole file has no cut. */
  private final boolean cut;

  private final double duration;

  private SwsContext converter;
  private int converterSpace = -1;
  private int converterRange = -1;
  private long frames;
  private long lastPts = Long.MIN_VALUE;
  private boolean inputEnded;
  private boolean videoDone;
  private boolean audioDone;
  private boolean closed;

  private VideoReader(
      Path file,
      AVFormatContext input,
      int videoIndex,
      int audioIndex,
      AVCodecContext decoder,
      double start,
      double duration) {
    this.file = file;
    this.input = input;
    this.videoIndex = videoIndex;
    this.audioIndex = audioIndex;
    this.decoder = decoder;
    this.cut = start > 0 || Double.isFinite(duration);
    this.duration = duration;
    AVStream video = input.streams(videoIndex);
    this.videoTimeBase = video.time_base();
    try (AVRational guessed = av_guess_frame_rate(input, video, null)) {
      boolean known = guessed.num() > 0 && guessed.den() > 0;
      this.frameRateNum = known ? guessed.num() : 25;
      this.frameRateDen = known ? guessed.den() : 1;
    }
    long fileStart = input.start_time() == AV_NOPTS_VALUE ? 0 : input.start_time();
    long origin = fileStart + Math.round(start * AV_TIME_BASE);
    try (AVRational microseconds = av_make_q(1, AV_TIME_BASE)) {
      this.videoOrigin = av_rescale_q(origin, microseconds, videoTimeBase);
      this.audioOrigin =
          audioIndex < 0
              ? 0
              : av_rescale_q(origin, microseconds, input.streams(audioIndex).time_base());
    }
    this.audioDone = audioIndex < 0;
    this.info = describe(start);
  }

  /** Opens the whole of a video file. */
  public static VideoReader open(Path file) {
    return open(file, 0, Double.POSITIVE_INFINITY);
  }

  /**
   * Opens a part of a video file: from {@code start} seconds (from its beginning, as a player
   * counts) for {@code duration} seconds ({@code Double.POSITIVE_INFINITY}: to the end).
   *
   * @throws GpenException naming the file when it is missing, not a video FFmpeg can decode, or
   *     truncated so that its streams cannot be found
   */
  public static VideoReader open(Path file, double start, double duration) {
    if (!(start >= 0) || !(duration > 0)) {
      throw new IllegalArgumentException(
          "start must be at least 0 and duration above 0, got " + start + " and " + duration);
    }
    AVFormatContext input = openInput(file);
    AVCodecContext decoder = null;
    try {
      int video =
          av_find_best_stream(input, AVMEDIA_TYPE_VIDEO, -1, -1, (PointerPointer<?>) null, 0);
      if (video < 0) {
        throw unreadable(file, "no video stream");
      }
      int audio =
          av_find_best_stream(input, AVMEDIA_TYPE_AUDIO, -1, video, (PointerPointer<?>) null, 0);
      decoder =
          openDecoder(file, input.streams(video).codecpar(), input.streams(video).time_base());
      VideoReader reader =
          new VideoReader(file, input, video, Math.max(audio, -1), decoder, start, duration);
      if (start > 0) {
        reader.seek(start);
      }
      return reader;
    } catch (RuntimeException e) {
      if (decoder != null) {
        avcodec_free_context(decoder);
      }
      avformat_close_input(input);
      throw e;
    }
  }

  /** Opens a file's container and reads its stream parameters. */
  static AVFormatContext openInput(Path file) {
    Ffmpeg.init();
    if (Files.isDirectory(file)) {
      throw unreadable(file, "is a folder, not a file");
    }
    if (!Files.isRegularFile(file)) {
      throw unreadable(file, "file not found");
    }
    AVFormatContext input = new AVFormatContext(null);
    Ffmpeg.clearLog();
    int ret = avformat_open_input(input, url(file), null, null);
    if (ret < 0) {
      throw unreadable(
          file, "not a video FFmpeg reads, or truncated (" + Ffmpeg.describe(ret) + ")");
    }
    ret = avformat_find_stream_info(input, (PointerPointer<?>) null);
    if (ret < 0) {
      avformat_close_input(input);
      throw unreadable(file, "cannot read its streams (" + Ffmpeg.describe(ret) + ")");
    }
    return input;
  }

  /**
   * FFmpeg's name for a local file: the {@code file:} protocol, so that a colon in the name means
   * nothing.
   */
  static String url(Path file) {
    return "file:" + file.toAbsolutePath();
  }

  private static AVCodecContext openDecoder(
      Path file, AVCodecParameters parameters, AVRational timeBase) {
    AVCodec codec = avcodec_find_decoder(parameters.codec_id());
    if (codec == null) {
      throw unreadable(
          file,
          "no decoder for its video codec " + avcodec_get_name(parameters.codec_id()).getString());
    }
    AVCodecContext context = avcodec_alloc_context3(codec);
    int ret = avcodec_parameters_to_context(context, parameters);
    if (ret >= 0) {
      context.pkt_timebase(timeBase);
      context.thread_count(0);
      Ffmpeg.clearLog();
      ret = avcodec_open2(context, codec, (PointerPointer<?>) null);
    }
    if (ret < 0) {
      avcodec_free_context(context);
      throw unreadable(file, "cannot open its video decoder (" + Ffmpeg.describe(ret) + ")");
    }
    return context;
  }

  private void seek(double start) {
    long target =
        (input.start_time() == AV_NOPTS_VALUE ? 0 : input.start_time())
            + Math.round(start * AV_TIME_BASE);
    Ffmpeg.clearLog();
    int ret = avformat_seek_file(input, -1, Long.MIN_VALUE, target, target, 0);
    if (ret < 0) {
      throw unreadable(file, "cannot seek to " + start + " s (" + Ffmpeg.describe(ret) + ")");
    }
  }

  private VideoInfo describe(double start) {
    AVStream video = input.streams(videoIndex);
    AVCodecParameters p = video.codecpar();
    int rotation = rotation(p);
    boolean sideways = rotation == 90 || rotation == 270;
    double fps = (double) frameRateNum / frameRateDen;
    double whole =
        input.duration() == AV_NOPTS_VALUE ? 0 : (double) input.duration() / AV_TIME_BASE;
    double seconds = Math.max(0, Math.min(whole - start, duration));
    long count;
    if (!cut && video.nb_frames() > 0) {
      count = video.nb_frames();
    } else {
      count = seconds > 0 ? Math.round(seconds * fps) : -1;
    }
    String audio =
        audioIndex < 0
            ? null
            : avcodec_get_name(input.streams(audioIndex).codecpar().codec_id()).getString();
    return new VideoInfo(
        sideways ? p.height() : p.width(),
        sideways ? p.width() : p.height(),
        fps,
        count,
        seconds,
        avcodec_get_name(p.codec_id()).getString(),
        audio,
        rotation);
  }

  /** The clockwise rotation the stream's display matrix asks for, to the nearest quarter turn. */
  private static int rotation(AVCodecParameters p) {
    AVPacketSideData side =
        av_packet_side_data_get(
            p.coded_side_data(), p.nb_coded_side_data(), AV_PKT_DATA_DISPLAYMATRIX);
    if (side == null || side.isNull() || side.size() < 9 * Integer.BYTES) {
      return 0;
    }
    double counterClockwise = av_display_rotation_get(new IntPointer(side.data()));
    if (Double.isNaN(counterClockwise)) {
      return 0;
    }
    long quarter = Math.round(-counterClockwise / 90);
    return (int) Math.floorMod(quarter * 90, 360);
  }

  /** The file read. */
  public Path file() {
    return file;
  }

  /** What is read: size, frame rate, frames, codecs. */
  public VideoInfo info() {
    return info;
  }

  /** The video stream's time base, in which frame timestamps are counted. */
  AVRational videoTimeBase() {
    return videoTimeBase;
  }

  /** Frames per second as a fraction (a new struct: the caller copies it where it goes). */
  AVRational frameRate() {
    return av_make_q(frameRateNum, frameRateDen);
  }

  /** The input's video stream. */
  AVStream videoStream() {
    return input.streams(videoIndex);
  }

  /** The input's sound track, or null. */
  AVStream audioStream() {
    return audioIndex < 0 ? null : input.streams(audioIndex);
  }

  /**
   * The next item in the file's order, or null after the last one of the part read.
   *
   * @throws GpenException naming the file when it cannot be read or decoded further (a truncated or
   *     corrupt file)
   */
  public Item next() {
    while (true) {
      if (!videoDone) {
        int ret = avcodec_receive_frame(decoder, decoded);
        if (ret >= 0) {
          Frame frame = take();
          if (frame != null) {
            return frame;
          }
          continue;
        }
        if (ret == AVERROR_EOF) {
          videoDone = true;
        } else if (ret != AVERROR_EAGAIN()) {
          throw corrupt("cannot decode frame " + (frames + 1), ret);
        }
      }
      if (videoDone && (audioDone || inputEnded)) {
        return null;
      }
      if (inputEnded) {
        continue; // the decoder is draining
      }
      Ffmpeg.clearLog();
      int ret = av_read_frame(input, packet);
      if (ret == AVERROR_EOF) {
        String logged = Ffmpeg.lastLogged();
        if (logged != null) {
          // the demuxer ran out of bytes inside a packet or an element ("partial file", "File ended
          // prematurely")
          throw unreadable(
              file, "truncated or corrupt after frame " + frames + " (" + logged + ")");
        }
        inputEnded = true;
        if (!videoDone) {
          avcodec_send_packet(decoder, null);
        }
        continue;
      }
      if (ret < 0) {
        throw corrupt("cannot read past frame " + frames, ret);
      }
      try {
        if (packet.stream_index() == videoIndex && !videoDone) {
          ret = avcodec_send_packet(decoder, packet);
          if (ret < 0 && ret != AVERROR_EAGAIN()) {
            throw corrupt("cannot decode frame " + (frames + 1), ret);
          }
        } else if (packet.stream_index() == audioIndex && !audioDone) {
          AudioPacket sound = takeAudio();
          if (sound != null) {
            return sound;
          }
        }
      } finally {
        av_packet_unref(packet);
      }
    }
  }

  /** The decoded frame as an item, or null when it lies before the part read (or ends it). */
  private Frame take() {
    try {
      long pts = decoded.best_effort_timestamp();
      if (pts == AV_NOPTS_VALUE) {
        try (AVRational frame = av_make_q(frameRateDen, frameRateNum)) {
          pts =
              lastPts == Long.MIN_VALUE
                  ? videoOrigin
                  : lastPts + av_rescale_q(1, frame, videoTimeBase);
        }
      }
      lastPts = pts;
      long relative = pts - videoOrigin;
      double seconds = relative * av_q2d(videoTimeBase);
      if (cut && seconds < -1e-6) {
        return null;
      }
      if (cut && seconds >= duration - 1e-6) {
        videoDone = true;
        return null;
      }
      return new Frame(frames++, bgr(), relative, seconds);
    } finally {
      av_frame_unref(decoded);
    }
  }

  /**
   * The current packet as an item (a copy, its timestamps moved), or null when outside the part
   * read.
   */
  private AudioPacket takeAudio() {
    AVRational timeBase = input.streams(audioIndex).time_base();
    long ts = packet.pts() != AV_NOPTS_VALUE ? packet.pts() : packet.dts();
    if (cut && ts != AV_NOPTS_VALUE) {
      double seconds = (ts - audioOrigin) * av_q2d(timeBase);
      if (seconds < -1e-6) {
        return null;
      }
      if (seconds >= duration - 1e-6) {
        audioDone = true;
        return null;
      }
    }
    AVPacket copy = av_packet_clone(packet);
    if (copy == null) {
      throw new OutOfMemoryError("cannot copy an audio packet of " + file);
    }
    if (copy.pts() != AV_NOPTS_VALUE) {
      copy.pts(copy.pts() - audioOrigin);
    }
    if (copy.dts() != AV_NOPTS_VALUE) {
      copy.dts(copy.dts() - audioOrigin);
    }
    return new AudioPacket(copy);
  }

  /** The decoded picture as an upright BGR matrix. */
  private Mat bgr() {
    int width = decoded.width();
    int height = decoded.height();
    converter =
        sws_getCachedContext(
            converter,
            width,
            height,
            decoded.format(),
            width,
            height,
            AV_PIX_FMT_BGR24,
            SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT,
            null,
            null,
            (DoublePointer) null);
    if (converter == null) {
      throw unreadable(file, "cannot convert its pixel format to BGR");
    }
    int space = decoded.colorspace();
    int range = decoded.color_range();
    if (space != converterSpace || range != converterRange) {
      // the picture's own matrix and range (BT.709 for HD, ...); BGR is full range
      sws_setColorspaceDetails(
          converter,
          sws_getCoefficients(space),
          range == AVCOL_RANGE_JPEG ? 1 : 0,
          sws_getCoefficients(SWS_CS_DEFAULT),
          1,
          0,
          1 << 16,
          1 << 16);
      converterSpace = space;
      converterRange = range;
    }
    Mat bgr = new Mat(height, width, CV_8UC3);
    try (PointerPointer<?> planes = new PointerPointer<>(1).put(0, bgr.data());
        IntPointer stride = new IntPointer(1).put(0, (int) bgr.step())) {
      sws_scale(converter, decoded.data(), decoded.linesize(), 0, height, planes, stride);
    }
    int rotation = info.rotation();
    if (rotation == 0) {
      return bgr;
    }
    try (bgr) {
      Mat upright = new Mat();
      opencv_core.rotate(
          bgr,
          upright,
          rotation == 90
              ? opencv_core.ROTATE_90_CLOCKWISE
              : rotation == 180 ? opencv_core.ROTATE_180 : opencv_core.ROTATE_90_COUNTERCLOCKWISE);
      return upright;
    }
  }

  private GpenException corrupt(String what, int code) {
    return unreadable(
        file,
        String.format(Locale.ROOT, "%s, truncated or corrupt (%s)", what, Ffmpeg.describe(code)));
  }

  static GpenException unreadable(Path file, String why) {
    return new GpenException("cannot read video " + file + ": " + why);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    av_packet_free(packet);
    av_frame_free(decoded);
    avcodec_free_context(decoder);
    avformat_close_input(input);
    if (converter != null) {
      sws_freeContext(converter);
      converter = null;
    }
  }
}
