package io.gpen.video;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_CONFIG_PIX_FORMAT;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_GLOBAL_HEADER;
import static org.bytedeco.ffmpeg.global.avcodec.FF_COMPLIANCE_NORMAL;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_descriptor_get_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_supported_config;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_find_best_stream;
import static org.bytedeco.ffmpeg.global.avformat.av_guess_format;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_query_codec;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_RANGE_JPEG;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EAGAIN;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_NONE;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.AV_TIME_BASE;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_opt_find;
import static org.bytedeco.ffmpeg.global.avutil.av_rescale_q;
import static org.bytedeco.ffmpeg.global.swscale.SWS_ACCURATE_RND;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.SWS_CS_DEFAULT;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCachedContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCoefficients;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;
import static org.bytedeco.ffmpeg.global.swscale.sws_setColorspaceDetails;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import io.gpen.BadParameter;
import io.gpen.GpenException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecDescriptor;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVOutputFormat;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Writes a video with FFmpeg: BGR frames encoded with a chosen encoder, and the sound track of a
 * {@link VideoReader} copied packet by packet, unchanged. The container follows the file's
 * extension ({@link #extension} chooses MP4 where it can hold both streams). The frames keep the
 * reader's timestamps, time base and frame rate, and its colour matrix, range and primaries.
 *
 * <p>Not thread-safe. {@link #finish} completes the file; a writer closed without it leaves an
 * incomplete file, which the caller deletes.
 */
public final class VideoWriter implements AutoCloseable {
  /**
   * How frames are encoded.
   *
   * @param videoCodec an FFmpeg encoder name ({@code libopenh264}, {@code libvpx-vp9}, ...) or
   *     codec name ({@code h264}, {@code vp9}, {@code av1}, {@code mpeg4}: the build's first
   *     encoder of it)
   * @param crf the constant quality: the encoder's {@code crf} where it has one (lower is better),
   *     for OpenH264 (which has none) a constant quantiser of that value
   */
  public record Encoding(String videoCodec, int crf) {
    /** H.264 at quality 23. */
    public static final Encoding DEFAULT = new Encoding("h264", 23);

    public Encoding {
      Objects.requireNonNull(videoCodec, "videoCodec");
      if (crf < 0 || crf > 63) {
        throw BadParameter.of("crf", "must be between 0 and 63, got " + crf);
      }
    }

    /**
     * The encoder this encoding uses, e.g. {@code libopenh264} for {@code h264}.
     *
     * @throws BadParameter naming {@code videoCodec} when this FFmpeg build has no such video
     *     encoder
     */
    public String encoderName() {
      return encoder(videoCodec).name().getString();
    }
  }

  private final Path file;
  private final Muxer muxer;
  private final AVCodecContext encoder;
  private final AVStream videoOut;
  private final AVStream audioOut;
  private final AVRational audioTimeBase;
  private final AVFrame picture = av_frame_alloc();
  private final AVPacket packet = av_packet_alloc();
  private final String description;
  private SwsContext converter;
  private long lastPts = Long.MIN_VALUE;
  private boolean closed;

  private VideoWriter(Path file, VideoReader source, Encoding encoding, int scale) {
    this.file = file;
    AVCodec codec = encoder(encoding.videoCodec());
    this.muxer = new Muxer(file);
    this.encoder = avcodec_alloc_context3(codec);
    try {
      this.description = open(codec, source, encoding, scale);
      this.videoOut = muxer.addEncoded(encoder);
      AVStream sound = source.audioStream();
      this.audioOut = sound == null ? null : muxer.addCopyOf(sound);
      this.audioTimeBase = sound == null ? null : sound.time_base();
      muxer.start();
      allocatePicture();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Sets the encoder up for the source's frames enlarged {@code scale} times and opens it; returns
   * its description.
   */
  private String open(AVCodec codec, VideoReader source, Encoding encoding, int scale) {
    VideoInfo info = source.info();
    AVCodecParameters in = source.videoStream().codecpar();
    encoder.width(info.width() * scale);
    encoder.height(info.height() * scale);
    encoder.pix_fmt(pixelFormat(codec));
    encoder.time_base(source.videoTimeBase());
    try (AVRational rate = source.frameRate()) {
      encoder.framerate(rate);
    }
    if (in.sample_aspect_ratio().num() > 0 && info.rotation() % 180 == 0) {
      encoder.sample_aspect_ratio(in.sample_aspect_ratio());
    }
    encoder.color_range(in.color_range());
    encoder.colorspace(in.color_space());
    encoder.color_primaries(in.color_primaries());
    encoder.color_trc(in.color_trc());
    encoder.thread_count(0);
    if (muxer.wantsGlobalHeader()) {
      encoder.flags(encoder.flags() | AV_CODEC_FLAG_GLOBAL_HEADER);
    }
    String name = codec.name().getString();
    AVDictionary options = new AVDictionary(null);
    String quality;
    if (av_opt_find(encoder.priv_data(), "crf", null, 0, 0) != null) {
      av_dict_set(options, "crf", Integer.toString(encoding.crf()), 0);
      encoder.bit_rate(0); // constant quality, no bit rate target (libvpx, libaom)
      quality = "crf " + encoding.crf();
    } else if (name.equals("libopenh264")) {
      int qp = Math.max(1, Math.min(51, encoding.crf()));
      encoder.qmin(qp);
      encoder.qmax(qp);
      quality = "constant quantiser " + qp;
    } else {
      quality = "its default rate control (no crf)";
    }
    Ffmpeg.clearLog();
    int ret = avcodec_open2(encoder, codec, options);
    av_dict_free(options);
    if (ret < 0) {
      throw new GpenException(
          "cannot write video "
              + file
              + ": encoder "
              + name
              + " refuses "
              + encoder.width()
              + "x"
              + encoder.height()
              + " at "
              + info.frameRate()
              + " fps ("
              + Ffmpeg.describe(ret)
              + ")");
    }
    return String.format(Locale.ROOT, "%s, %s", name, quality);
  }

  private void allocatePicture() {
    picture.format(encoder.pix_fmt());
    picture.width(encoder.width());
    picture.height(encoder.height());
    picture.color_range(encoder.color_range());
    picture.colorspace(encoder.colorspace());
    picture.color_primaries(encoder.color_primaries());
    picture.color_trc(encoder.color_trc());
    if (av_frame_get_buffer(picture, 0) < 0) {
      throw new OutOfMemoryError(
          "cannot allocate a frame of " + encoder.width() + "x" + encoder.height());
    }
  }

  /**
   * Opens {@code file} for the frames of {@code source} (its size as shown, frame rate and time
   * base) and its sound track, and writes the header.
   *
   * @throws GpenException naming the file when the encoder refuses the video or the file cannot be
   *     created; {@link BadParameter} naming {@code videoCodec} for an unknown encoder
   */
  public static VideoWriter create(Path file, VideoReader source, Encoding encoding) {
    return create(file, source, encoding, 1);
  }

  /**
   * As {@link #create(Path, VideoReader, Encoding)}, for the source's frames enlarged {@code scale}
   * times in each direction (super-resolved).
   */
  public static VideoWriter create(Path file, VideoReader source, Encoding encoding, int scale) {
    Ffmpeg.init();
    Objects.requireNonNull(source, "source");
    if (scale < 1) {
      throw new IllegalArgumentException("scale must be at least 1, got " + scale);
    }
    return new VideoWriter(file, source, encoding, scale);
  }

  /**
   * The extension of the container for {@code source} encoded by {@code encoding}: {@code mp4}
   * where MP4 holds the encoder's codec and the sound as stored, else {@code mkv} (Matroska holds
   * nearly any codec).
   */
  public static String extension(VideoReader source, Encoding encoding) {
    AVStream sound = source.audioStream();
    return holdsInMp4(
            encoder(encoding.videoCodec()).id(), sound == null ? -1 : sound.codecpar().codec_id())
        ? "mp4"
        : "mkv";
  }

  private static boolean holdsInMp4(int videoCodec, int audioCodec) {
    AVOutputFormat mp4 = av_guess_format("mp4", null, null);
    return avformat_query_codec(mp4, videoCodec, FF_COMPLIANCE_NORMAL) == 1
        && (audioCodec < 0 || avformat_query_codec(mp4, audioCodec, FF_COMPLIANCE_NORMAL) == 1);
  }

  /** The encoder a codec or encoder name stands for. */
  static AVCodec encoder(String name) {
    Ffmpeg.init();
    AVCodec codec = avcodec_find_encoder_by_name(name);
    if (codec == null) {
      AVCodecDescriptor descriptor = avcodec_descriptor_get_by_name(name);
      codec = descriptor == null ? null : avcodec_find_encoder(descriptor.id());
    }
    if (codec == null || codec.type() != AVMEDIA_TYPE_VIDEO) {
      throw BadParameter.of(
          "videoCodec",
          "'"
              + name
              + "' is not a video encoder of this FFmpeg build"
              + " (e.g. h264, libvpx-vp9, libaom-av1, mpeg4)");
    }
    return codec;
  }

  /** 4:2:0 YUV where the encoder takes it (what players expect), else its first format. */
  private static int pixelFormat(AVCodec codec) {
    try (PointerPointer<?> list = new PointerPointer<>(1);
        IntPointer count = new IntPointer(1)) {
      if (avcodec_get_supported_config(
                  (AVCodecContext) null, codec, AV_CODEC_CONFIG_PIX_FORMAT, 0, list, count)
              < 0
          || list.get(0) == null
          || count.get() == 0) {
        return AV_PIX_FMT_YUV420P;
      }
      IntPointer formats = new IntPointer(list.get(0)).capacity(count.get());
      for (int i = 0; i < count.get(); i++) {
        if (formats.get(i) == AV_PIX_FMT_YUV420P) {
          return AV_PIX_FMT_YUV420P;
        }
      }
      int first = formats.get(0);
      return first == AV_PIX_FMT_NONE ? AV_PIX_FMT_YUV420P : first;
    }
  }

  /** The encoder and how it controls quality, e.g. "libopenh264, constant quantiser 23". */
  public String description() {
    return description;
  }

  /**
   * Encodes a frame of the reader's size as shown, at {@code pts} (the reader's time base; a
   * timestamp not after the previous one is moved just after it).
   */
  public void write(Mat bgr, long pts) {
    if (bgr.type() != CV_8UC3 || bgr.cols() != encoder.width() || bgr.rows() != encoder.height()) {
      throw new IllegalArgumentException(
          "frame must be CV_8UC3 "
              + encoder.width()
              + "x"
              + encoder.height()
              + ", got "
              + bgr.cols()
              + "x"
              + bgr.rows()
              + " of type "
              + bgr.type());
    }
    if (av_frame_make_writable(picture) < 0) {
      throw new OutOfMemoryError("cannot allocate a frame for " + file);
    }
    int width = encoder.width();
    int height = encoder.height();
    if (converter == null) {
      converter =
          sws_getCachedContext(
              null,
              width,
              height,
              AV_PIX_FMT_BGR24,
              width,
              height,
              encoder.pix_fmt(),
              SWS_BILINEAR | SWS_ACCURATE_RND,
              null,
              null,
              (DoublePointer) null);
      if (converter == null) {
        throw new GpenException(
            "cannot write video " + file + ": cannot convert BGR to the encoder's pixel format");
      }
      // the inverse of the reader's conversion: the input's matrix and range
      sws_setColorspaceDetails(
          converter,
          sws_getCoefficients(SWS_CS_DEFAULT),
          1,
          sws_getCoefficients(encoder.colorspace()),
          encoder.color_range() == AVCOL_RANGE_JPEG ? 1 : 0,
          0,
          1 << 16,
          1 << 16);
    }
    try (PointerPointer<?> planes = new PointerPointer<>(1).put(0, bgr.data());
        IntPointer stride = new IntPointer(1).put(0, (int) bgr.step())) {
      sws_scale(converter, planes, stride, 0, height, picture.data(), picture.linesize());
    }
    long at = lastPts == Long.MIN_VALUE || pts > lastPts ? pts : lastPts + 1;
    lastPts = at;
    picture.pts(at);
    encode(picture);
  }

  /** Writes a packet of the reader's sound track, unchanged, and frees it. */
  public void write(VideoReader.AudioPacket sound) {
    try (sound) {
      if (audioOut != null) {
        muxer.write(sound.packet(), audioTimeBase, audioOut);
      }
    }
  }

  private void encode(AVFrame frame) {
    Ffmpeg.clearLog();
    int ret = avcodec_send_frame(encoder, frame);
    if (ret < 0) {
      throw new GpenException(
          "cannot write video " + file + ": cannot encode a frame (" + Ffmpeg.describe(ret) + ")");
    }
    while (true) {
      ret = avcodec_receive_packet(encoder, packet);
      if (ret == AVERROR_EAGAIN() || ret == AVERROR_EOF) {
        return;
      }
      if (ret < 0) {
        throw new GpenException(
            "cannot write video "
                + file
                + ": cannot encode a frame ("
                + Ffmpeg.describe(ret)
                + ")");
      }
      try {
        muxer.write(packet, encoder.time_base(), videoOut);
      } finally {
        av_packet_unref(packet);
      }
    }
  }

  /** Encodes the frames the encoder still holds and completes the file. */
  public void finish() {
    encode(null);
    muxer.finish();
  }

  /**
   * Copies the video stream and the sound track of {@code source} into {@code target} without
   * decoding them (a video whose frames stay as they are), the timestamps moved as a {@link
   * VideoReader} of the whole file moves them. The target's extension names a container that holds
   * both ({@link #copyExtension}).
   *
   * @throws GpenException naming the file that cannot be read or written
   */
  public static void copy(Path source, Path target) {
    AVFormatContext input = VideoReader.openInput(source);
    AVPacket packet = av_packet_alloc();
    try (Muxer muxer = new Muxer(target)) {
      int video =
          av_find_best_stream(input, AVMEDIA_TYPE_VIDEO, -1, -1, (PointerPointer<?>) null, 0);
      if (video < 0) {
        throw VideoReader.unreadable(source, "no video stream");
      }
      int audio =
          av_find_best_stream(input, AVMEDIA_TYPE_AUDIO, -1, video, (PointerPointer<?>) null, 0);
      AVStream[] out = new AVStream[input.nb_streams()];
      long[] origin = new long[out.length];
      long start = input.start_time() == AV_NOPTS_VALUE ? 0 : input.start_time();
      try (AVRational microseconds = av_make_q(1, AV_TIME_BASE)) {
        for (int i : audio < 0 ? new int[] {video} : new int[] {video, audio}) {
          out[i] = muxer.addCopyOf(input.streams(i));
          origin[i] = av_rescale_q(start, microseconds, input.streams(i).time_base());
        }
      }
      muxer.start();
      while (true) {
        Ffmpeg.clearLog();
        int ret = av_read_frame(input, packet);
        if (ret == AVERROR_EOF) {
          break;
        }
        if (ret < 0) {
          throw VideoReader.unreadable(
              source, "truncated or corrupt (" + Ffmpeg.describe(ret) + ")");
        }
        try {
          int i = packet.stream_index();
          if (out[i] != null) {
            if (packet.pts() != AV_NOPTS_VALUE) {
              packet.pts(packet.pts() - origin[i]);
            }
            if (packet.dts() != AV_NOPTS_VALUE) {
              packet.dts(packet.dts() - origin[i]);
            }
            muxer.write(packet, input.streams(i).time_base(), out[i]);
          }
        } finally {
          av_packet_unref(packet);
        }
      }
      muxer.finish();
    } finally {
      av_packet_free(packet);
      avformat_close_input(input);
    }
  }

  /**
   * The extension of a container that holds the video and sound of {@code source} as stored: mp4 or
   * mkv.
   */
  public static String copyExtension(VideoReader source) {
    AVStream sound = source.audioStream();
    return holdsInMp4(
            source.videoStream().codecpar().codec_id(),
            sound == null ? -1 : sound.codecpar().codec_id())
        ? "mp4"
        : "mkv";
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    av_frame_free(picture);
    av_packet_free(packet);
    if (encoder != null) {
      avcodec_free_context(encoder);
    }
    if (converter != null) {
      sws_freeContext(converter);
    }
    if (muxer != null) {
      muxer.close();
    }
  }
}
