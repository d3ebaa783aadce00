package io.gpen.video;

import static org.bytedeco.ffmpeg.global.avutil.AV_ERROR_MAX_STRING_SIZE;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;
import static org.bytedeco.ffmpeg.global.avutil.setLogCallback;

import java.util.regex.Pattern;
import org.bytedeco.ffmpeg.avutil.LogCallback;
import org.bytedeco.javacpp.BytePointer;

/**
 * FFmpeg's error texts. FFmpeg prints its own log lines on stderr; here only its errors are kept
 * (the last one of each thread), to be named in the one-line error of the operation that failed,
 * and nothing is printed.
 */
final class Ffmpeg {
  private static final ThreadLocal<String> LAST_LOGGED = new ThreadLocal<>();

  /**
   * The context FFmpeg puts before a log line, e.g. {@code [mov,mp4,m4a,3gp,3g2,mj2 @
   * 0x7f66449f6f00] }.
   */
  private static final Pattern CONTEXT = Pattern.compile("^\\[[^\\]]*@ 0x[0-9a-f]+\\]\\s*");

  /**
   * Keeps the last error line FFmpeg logged on the calling thread (strong reference: FFmpeg holds
   * it).
   */
  private static final LogCallback KEEP_ERRORS =
      new LogCallback() {
        @Override
        public void call(int level, BytePointer message) {
          if (level <= AV_LOG_ERROR && message != null) {
            LAST_LOGGED.set(CONTEXT.matcher(message.getString()).replaceFirst("").strip());
          }
        }
      }.retainReference();

  static {
    av_log_set_level(AV_LOG_ERROR);
    setLogCallback(KEEP_ERRORS);
  }

  private Ffmpeg() {}

  /** Routes FFmpeg's log into this class (idempotent); call before the first FFmpeg call. */
  static void init() {
    // the static initialiser does the work
  }

  /**
   * Forgets the calling thread's last logged error, before an operation whose failure is described.
   */
  static void clearLog() {
    LAST_LOGGED.remove();
  }

  /** The error FFmpeg logged on this thread since {@link #clearLog}, or null; forgets it. */
  static String lastLogged() {
    String logged = LAST_LOGGED.get();
    LAST_LOGGED.remove();
    return logged;
  }

  /**
   * The text of FFmpeg error {@code code}, after the error FFmpeg logged on this thread since
   * {@link #clearLog} where there is one (e.g. "moov atom not found: Invalid data found when
   * processing input").
   */
  static String describe(int code) {
    String logged = lastLogged();
    String text;
    try (BytePointer buffer = new BytePointer(AV_ERROR_MAX_STRING_SIZE)) {
      // limit 0: the text ends at its NUL
      text =
          av_strerror(code, buffer, AV_ERROR_MAX_STRING_SIZE) == 0
              ? buffer.limit(0).getString()
              : "error " + code;
    }
    return logged == null || logged.isEmpty() ? text : logged + ": " + text;
  }
}
