package io.gpen.video;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_rescale_ts;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_copy;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_from_context;
import static org.bytedeco.ffmpeg.global.avformat.AVFMT_GLOBALHEADER;
import static org.bytedeco.ffmpeg.global.avformat.AVFMT_NOFILE;
import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_WRITE;
import static org.bytedeco.ffmpeg.global.avformat.av_interleaved_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_close;
import static org.bytedeco.ffmpeg.global.avformat.avio_open;

import io.gpen.GpenException;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.PointerPointer;

/**
 * An output file in the container its extension names ({@code .mp4}, {@code .mkv}, ...): streams
 * are added, {@link #start} writes the header, packets are interleaved by FFmpeg, {@link #finish}
 * writes the index. Errors name the file.
 */
final class Muxer implements AutoCloseable {
  private final Path file;
  private final AVFormatContext output = new AVFormatContext(null);
  private boolean opened;

  Muxer(Path file) {
    Ffmpeg.init();
    this.file = file;
    Ffmpeg.clearLog();
    int ret = avformat_alloc_output_context2(output, null, null, VideoReader.url(file));
    if (ret < 0) {
      throw new GpenException(
          "cannot write video "
              + file
              + ": no container for its extension ("
              + Ffmpeg.describe(ret)
              + ")");
    }
  }

  /** Whether encoders must put their headers in the stream parameters instead of the packets. */
  boolean wantsGlobalHeader() {
    return (output.oformat().flags() & AVFMT_GLOBALHEADER) != 0;
  }

  /** A stream for packets copied from {@code input}, in its time base. */
  AVStream addCopyOf(AVStream input) {
    AVStream stream = newStream();
    check(
        avcodec_parameters_copy(stream.codecpar(), input.codecpar()),
        "cannot copy the stream parameters");
    stream.codecpar().codec_tag(0);
    stream.time_base(input.time_base());
    return stream;
  }

  /** A stream for the packets of an opened encoder, in its time base, at its frame rate. */
  AVStream addEncoded(AVCodecContext encoder) {
    AVStream stream = newStream();
    check(
        avcodec_parameters_from_context(stream.codecpar(), encoder),
        "cannot set the stream parameters");
    stream.time_base(encoder.time_base());
    stream.avg_frame_rate(encoder.framerate());
    return stream;
  }

  private AVStream newStream() {
    AVStream stream = avformat_new_stream(output, null);
    if (stream == null) {
      throw new GpenException("cannot write video " + file + ": cannot add a stream");
    }
    return stream;
  }

  /** Creates the file and writes the header; the streams' time bases may change here. */
  void start() {
    if ((output.oformat().flags() & AVFMT_NOFILE) == 0) {
      AVIOContext io = new AVIOContext(null);
      Ffmpeg.clearLog();
      check(avio_open(io, VideoReader.url(file), AVIO_FLAG_WRITE), "cannot create the file");
      output.pb(io);
      opened = true;
    }
    Ffmpeg.clearLog();
    check(avformat_write_header(output, (PointerPointer<?>) null), "cannot write the header");
  }

  /**
   * Writes a packet counted in {@code from} into {@code stream}; the muxer takes over its data (the
   * packet is left blank, to be freed by the caller).
   */
  void write(AVPacket packet, AVRational from, AVStream stream) {
    packet.stream_index(stream.index());
    av_packet_rescale_ts(packet, from, stream.time_base());
    packet.pos(-1);
    Ffmpeg.clearLog();
    check(av_interleaved_write_frame(output, packet), "cannot write a packet");
  }

  /** Writes the buffered packets and the trailer (the index), and closes the file. */
  void finish() {
    Ffmpeg.clearLog();
    check(av_write_trailer(output), "cannot write the last packets and the index");
    closeFile();
  }

  private void closeFile() {
    if (opened) {
      opened = false;
      AVIOContext io = output.pb();
      output.pb(null);
      check(avio_close(io), "cannot close the file");
    }
  }

  private void check(int ret, String what) {
    if (ret < 0) {
      throw new GpenException(
          "cannot write video " + file + ": " + what + " (" + Ffmpeg.describe(ret) + ")");
    }
  }

  @Override
  public void close() {
    if (output.isNull()) {
      return;
    }
    try {
      closeFile();
    } catch (GpenException ignored) {
      // closing after a failure: the failure is what the caller reports
    } finally {
      avformat_free_context(output);
      output.setNull();
    }
  }
}
