package io.gpen.image;

import static org.bytedeco.opencv.global.opencv_core.CV_16F;
import static org.bytedeco.opencv.global.opencv_core.CV_16S;
import static org.bytedeco.opencv.global.opencv_core.CV_16U;
import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_32S;
import static org.bytedeco.opencv.global.opencv_core.CV_64F;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.extractChannel;
import static org.bytedeco.opencv.global.opencv_core.merge;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.haveImageWriter;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_GRAY2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

import io.gpen.GpenException;
import io.gpen.nn.NativeRuntime;
import io.gpen.util.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Reading, listing and writing image files through OpenCV, plus the few pixel conversions the
 * pipeline needs.
 *
 * <p>The colour of every image read here is what the reference's {@code cv2.imread(path,
 * IMREAD_COLOR)} gives: grey and palette files expanded to BGR, 16-bit samples reduced to 8 bits by
 * OpenCV's decoder (the high byte for PNG), EXIF orientation applied. Alpha, which the reference
 * drops, is kept beside the colour so that it can be written back.
 */
public final class Images {
  /** File name extensions taken as images when listing a folder (compared case-insensitively). */
  public static final List<String> EXTENSIONS =
      List.of("png", "jpg", "jpeg", "bmp", "tif", "tiff", "webp");

  /**
   * The most pixels {@link #read(Path)} decodes: 120 megapixels, so that the frames of all but the
   * largest cameras pass (102 MP medium format does, 151 MP does not). A restore of that size needs
   * about 10 GB of native memory (about 85 bytes per pixel for the float paste-back), which a 24 GB
   * machine holds beside a 4 GB heap and the model; the heap itself holds nothing per pixel.
   */
  public static final long DEFAULT_MAX_PIXELS = 120_000_000L;

  private static final String NOT_READABLE =
      "not a readable image (corrupt, truncated or unsupported format)";

  static {
    // OpenCV's first use usually comes from here: only its bundled libraries may load
    NativeRuntime.useBundledLibraries();
  }

  private Images() {}

  /**
   * Reads an image file of at most {@link #DEFAULT_MAX_PIXELS} pixels: {@code read(file,
   * DEFAULT_MAX_PIXELS)}.
   */
  public static Image read(Path file) {
    return read(file, DEFAULT_MAX_PIXELS);
  }

  /**
   * Reads an image file: PNG, JPEG, BMP, TIFF or WebP, recognised by content. The size its header
   * declares is checked against {@code maxPixels} before any pixel is decoded, so that a small file
   * declaring a huge image is refused at once. Other formats OpenCV would decode (JPEG 2000,
   * OpenEXR, ...) are refused: their size is not checked and their decoders are not needed.
   *
   * <p>The file is decoded twice from memory: once as stored, to learn its channels, depth and
   * alpha, and once as OpenCV's {@code IMREAD_COLOR} so that the colour matches the reference
   * exactly (its 16-to-8-bit cut differs by format, and it applies EXIF orientation). A file with
   * alpha is decoded without EXIF orientation, as OpenCV's {@code IMREAD_UNCHANGED} does, so that
   * colour and alpha stay aligned. The second decode costs a few milliseconds for a 512x512 PNG.
   *
   * @param maxPixels the largest width × height decoded (at least 1)
   * @throws GpenException naming the file when it is missing, a folder, empty, not decodable, or
   *     larger than {@code maxPixels} (with both numbers)
   */
  public static Image read(Path file, long maxPixels) {
    checkMaxPixels(maxPixels);
    try (BytePointer data = readEncoded(file)) {
      return decodeChecked(data, file.toString(), maxPixels);
    }
  }

  /**
   * Decodes an image held in memory, e.g. an upload, exactly as {@link #read(Path, long)} reads a
   * file: PNG, JPEG, BMP, TIFF or WebP recognised by content, the declared size checked against
   * {@code maxPixels} before any pixel is decoded, the same colour, alpha and orientation.
   *
   * @param encoded the encoded bytes, from address 0 to {@code limit()}; not modified or closed
   * @param source what messages call the image, e.g. {@code "upload photo.png"}
   * @param maxPixels the largest width × height decoded (at least 1)
   * @throws GpenException naming {@code source} when the bytes are empty, not decodable, or declare
   *     more than {@code maxPixels} pixels (with both numbers)
   */
  public static Image decode(BytePointer encoded, String source, long maxPixels) {
    checkMaxPixels(maxPixels);
    if (encoded.limit() <= 0) {
      throw unreadable(source, "no bytes", null);
    }
    if (encoded.limit() > Integer.MAX_VALUE - 8) {
      throw unreadable(source, "larger than 2 GB", null);
    }
    return decodeChecked(encoded, source, maxPixels);
  }

  /** As {@link #decode(BytePointer, String, long)}, from a byte array. */
  public static Image decode(byte[] encoded, String source, long maxPixels) {
    try (BytePointer data = new BytePointer(encoded)) {
      return decode(data, source, maxPixels);
    }
  }

  /**
   * The size an encoded image declares in its header, read without decoding any pixel: what {@link
   * #decode(BytePointer, String, long)} checks against its limit, for a caller that wants to know
   * it first (e.g. to reserve memory for the decoded image).
   *
   * @param encoded the encoded bytes, from address 0 to {@code limit()}
   * @return empty where the bytes do not start as PNG, JPEG, BMP, TIFF or WebP, or the header is
   *     damaged or cut short
   */
  public static Optional<DeclaredSize> declaredSize(BytePointer encoded) {
    ImageHeaders.Size size =
        encoded.limit() <= 0 ? null : ImageHeaders.read(encoded.asByteBuffer());
    return size == null
        ? Optional.empty()
        : Optional.of(new DeclaredSize(size.format(), size.width(), size.height()));
  }

  /**
   * The size an image header declares.
   *
   * @param format {@code PNG}, {@code JPEG}, {@code BMP}, {@code TIFF} or {@code WebP}
   */
  public record DeclaredSize(String format, long width, long height) {
    /** width × height, or {@code Long.MAX_VALUE} where that overflows. */
    public long pixels() {
      return height != 0 && width > Long.MAX_VALUE / height ? Long.MAX_VALUE : width * height;
    }
  }

  private static void checkMaxPixels(long maxPixels) {
    if (maxPixels < 1) {
      throw new IllegalArgumentException("maxPixels must be at least 1, got " + maxPixels);
    }
  }

  /** The declared size checked against {@code maxPixels}, then {@link #decodeBoth}. */
  private static Image decodeChecked(BytePointer data, String source, long maxPixels) {
    ImageHeaders.Size size = ImageHeaders.read(data.asByteBuffer());
    if (size == null) {
      throw unreadable(source, NOT_READABLE, null);
    }
    if (size.pixels() > maxPixels) {
      throw unreadable(
          source,
          size.format()
              + " of "
              + size.width()
              + "x"
              + size.height()
              + " pixels ("
              + (size.pixels() == Long.MAX_VALUE ? "more than " + Long.MAX_VALUE : size.pixels())
              + "), more than the limit of "
              + maxPixels,
          null);
    }
    if (size.format().equals("PNG")) {
      String damage = PngChunks.damage(data.asByteBuffer());
      if (damage != null) {
        throw unreadable(source, "not a readable image (" + damage + ")", null);
      }
    }
    return decodeBoth(data, source);
  }

  /** The image decoded as stored and as {@code IMREAD_COLOR} (see {@link #read(Path, long)}). */
  private static Image decodeBoth(BytePointer data, String file) {
    try (Mat encoded = new Mat(1, (int) data.limit(), CV_8UC1, data);
        Mat stored = decode(encoded, IMREAD_UNCHANGED, file)) {
      int channels = stored.channels();
      boolean hasAlpha = channels == 2 || channels == 4;
      Mat bgr =
          decode(encoded, hasAlpha ? IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION : IMREAD_COLOR, file);
      Mat alpha = null;
      try {
        alpha = hasAlpha ? alphaPlane(stored) : null;
        return new Image(bgr, alpha, channels, bitsPerSample(stored.depth()));
      } catch (RuntimeException e) {
        bgr.close();
        if (alpha != null) {
          alpha.close();
        }
        throw e;
      }
    }
  }

  /**
   * The file's bytes, in native memory: the Java heap (1 GB under the launcher) may be smaller than
   * a large image file, which OpenCV reads from native memory anyway.
   */
  private static BytePointer readEncoded(Path file) {
    if (Files.isDirectory(file)) {
      throw unreadable(file, "is a folder, not a file", null);
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size > Integer.MAX_VALUE - 8) {
        throw unreadable(file, "file is larger than 2 GB", null);
      }
      if (size == 0) {
        throw unreadable(file, "file is empty", null);
      }
      BytePointer data = new BytePointer(size);
      try {
        ByteBuffer buf = data.asByteBuffer();
        while (buf.hasRemaining()) {
          if (ch.read(buf) < 0) {
            break; // the file shrank meanwhile: what was there is decoded, or refused
          }
        }
        return data.limit(buf.position());
      } catch (IOException | RuntimeException e) {
        data.close();
        throw e;
      }
    } catch (NoSuchFileException e) {
      throw unreadable(file, "file not found", e);
    } catch (IOException e) {
      throw unreadable(file, AtomicFiles.reason(e), e);
    }
  }

  private static Mat decode(Mat encoded, int flags, String file) {
    Mat m;
    try {
      m = imdecode(encoded, flags);
    } catch (RuntimeException e) {
      throw unreadable(file, "not a readable image (" + firstLine(e) + ")", e);
    }
    if (m.empty()) {
      m.close();
      throw unreadable(file, NOT_READABLE, null);
    }
    return m;
  }

  /** The last channel of a 2- or 4-channel decode, as 8 bits. */
  private static Mat alphaPlane(Mat stored) {
    Mat plane = new Mat();
    extractChannel(stored, plane, stored.channels() - 1);
    int depth = stored.depth();
    if (depth == CV_8U) {
      return plane;
    }
    try (plane) {
      Mat out = new Mat();
      if (depth == CV_16U) {
        // v/256 - 127.5/256 is exact in float and never halfway between integers, so OpenCV's
        // rounding yields v >> 8: the high byte, as its PNG decoder does for colour.
        plane.convertTo(out, CV_8U, 1.0 / 256, -127.5 / 256);
      } else {
        boolean floating = depth == CV_32F || depth == CV_64F || depth == CV_16F;
        plane.convertTo(out, CV_8U, floating ? 255 : 1, 0);
      }
      return out;
    }
  }

  private static int bitsPerSample(int depth) {
    if (depth == CV_16U || depth == CV_16S || depth == CV_16F) {
      return 16;
    }
    if (depth == CV_32S || depth == CV_32F) {
      return 32;
    }
    return depth == CV_64F ? 64 : 8;
  }

  private static GpenException unreadable(Path file, String why, Exception cause) {
    return unreadable(file.toString(), why, cause);
  }

  private static GpenException unreadable(String source, String why, Exception cause) {
    return new GpenException("cannot read image " + source + ": " + why, cause);
  }

  private static String firstLine(Exception e) {
    String m = String.valueOf(e.getMessage()).strip();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  /** The image files directly inside {@code dir}, sorted by name. */
  public static List<Path> list(Path dir) {
    return list(dir, false);
  }

  /**
   * The image files ({@link #EXTENSIONS}) in {@code dir}, and with {@code recursive} in its
   * subfolders too, sorted by path. Hidden files and folders (name starting with a dot) are left
   * out: they are editor or OS droppings such as macOS {@code ._photo.jpg}, not pictures.
   *
   * @throws GpenException naming the folder when it is missing, not a folder or holds no image
   */
  public static List<Path> list(Path dir, boolean recursive) {
    if (!Files.exists(dir)) {
      throw new GpenException("cannot list images in " + dir + ": folder not found");
    }
    if (!Files.isDirectory(dir)) {
      throw new GpenException("cannot list images in " + dir + ": not a folder");
    }
    List<Path> files;
    try (Stream<Path> entries = recursive ? Files.walk(dir) : Files.list(dir)) {
      files =
          entries
              .filter(p -> !isHidden(dir.relativize(p)) && Files.isRegularFile(p) && isImageName(p))
              .sorted()
              .toList();
    } catch (IOException | UncheckedIOException e) {
      Exception cause = e instanceof UncheckedIOException u ? u.getCause() : (Exception) e;
      throw new GpenException("cannot list images in " + dir + ": " + AtomicFiles.reason(cause), e);
    }
    if (files.isEmpty()) {
      throw new GpenException(
          "cannot list images in "
              + dir
              + ": no ."
              + String.join(", .", EXTENSIONS)
              + " files"
              + (recursive ? " in it or below it" : ""));
    }
    return files;
  }

  private static boolean isHidden(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  /** Whether the file name has one of the {@link #EXTENSIONS} (any case). */
  public static boolean isImageName(Path p) {
    String name = p.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot >= 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  /** Writes an 8-bit image; the format follows the extension. */
  public static void write(Path file, Mat image) {
    encodeTo(file, image, null, new int[0]);
  }

  /** Writes an 8-bit image with a JPEG quality (0 to 100; ignored by other formats). */
  public static void write(Path file, Mat image, int jpegQuality) {
    encodeTo(file, image, null, jpegParams(jpegQuality));
  }

  /** Writes an image, with its alpha plane where it has one and the format can hold it. */
  public static void write(Path file, Image image) {
    encodeTo(file, image.bgr(), image.alpha().orElse(null), new int[0]);
  }

  /** As {@link #write(Path, Image)}, with a JPEG quality (0 to 100; ignored by other formats). */
  public static void write(Path file, Image image, int jpegQuality) {
    encodeTo(file, image.bgr(), image.alpha().orElse(null), jpegParams(jpegQuality));
  }

  private static int[] jpegParams(int quality) {
    if (quality < 0 || quality > 100) {
      throw new IllegalArgumentException("JPEG quality must be 0 to 100, got " + quality);
    }
    return new int[] {IMWRITE_JPEG_QUALITY, quality};
  }

  private static void encodeTo(Path file, Mat colour, Mat alpha, int[] params) {
    if (colour.empty()) {
      throw new IllegalArgumentException("cannot write an empty image to " + file);
    }
    String name = file.getFileName() == null ? "" : file.getFileName().toString();
    if (!name.contains(".") || !haveImageWriter(name)) {
      throw new GpenException(
          "cannot write "
              + file
              + ": unknown image type '"
              + name
              + "' (use a .png, .jpg, .bmp, .tif or .webp name)");
    }
    AtomicFiles.write(
        file,
        temp -> {
          Mat withAlpha = alpha == null ? null : attachAlpha(colour, alpha);
          try {
            if (!imwrite(temp.toString(), withAlpha == null ? colour : withAlpha, params)) {
              throw new IOException("OpenCV could not encode or save the image");
            }
          } catch (RuntimeException e) {
            throw new IOException("OpenCV could not encode or save the image: " + firstLine(e), e);
          } finally {
            if (withAlpha != null) {
              withAlpha.close();
            }
          }
        });
  }

  /**
   * Encodes an 8-bit image in memory exactly as {@link #write(Path, Mat)} writes it to a file named
   * {@code *<extension>}: the same encoder with the same settings gives the same bytes.
   *
   * @param extension the file type, e.g. {@code .png}
   * @return the encoded bytes, from address 0 to {@code limit()}, in native memory; the caller
   *     closes them
   * @throws GpenException when the type is unknown or OpenCV cannot encode the image
   */
  public static BytePointer encode(Mat image, String extension) {
    return encodeToMemory(image, null, extension, new int[0]);
  }

  /**
   * As {@link #encode(Mat, String)}, with a JPEG quality (0 to 100; ignored by other formats), as
   * {@link #write(Path, Mat, int)}.
   */
  public static BytePointer encode(Mat image, String extension, int jpegQuality) {
    return encodeToMemory(image, null, extension, jpegParams(jpegQuality));
  }

  /**
   * As {@link #encode(Mat, String)}, with the image's alpha plane where it has one, as {@link
   * #write(Path, Image)}.
   */
  public static BytePointer encode(Image image, String extension) {
    return encodeToMemory(image.bgr(), image.alpha().orElse(null), extension, new int[0]);
  }

  private static BytePointer encodeToMemory(Mat colour, Mat alpha, String extension, int[] params) {
    if (colour.empty()) {
      throw new IllegalArgumentException("cannot encode an empty image as " + extension);
    }
    if (!extension.startsWith(".") || !haveImageWriter("image" + extension)) {
      throw new GpenException(
          "cannot encode an image as '"
              + extension
              + "': unknown image type (use .png, .jpg,"
              + " .bmp, .tif or .webp)");
    }
    Mat withAlpha = alpha == null ? null : attachAlpha(colour, alpha);
    BytePointer out = new BytePointer();
    try {
      Mat toEncode = withAlpha == null ? colour : withAlpha;
      boolean encoded;
      if (params.length == 0) {
        encoded = imencode(extension, toEncode, out);
      } else {
        try (IntPointer p = new IntPointer(params)) {
          encoded = imencode(extension, toEncode, out, p);
        }
      }
      if (!encoded) {
        throw new GpenException("OpenCV could not encode the image as " + extension);
      }
      return out;
    } catch (RuntimeException e) {
      out.close();
      throw e instanceof GpenException g
          ? g
          : new GpenException(
              "OpenCV could not encode the image as " + extension + ": " + firstLine(e), e);
    } finally {
      if (withAlpha != null) {
        withAlpha.close();
      }
    }
  }

  private static Mat attachAlpha(Mat bgr, Mat alpha) {
    Mat bgra = new Mat();
    try (MatVector planes = new MatVector(bgr, alpha)) {
      // merge concatenates the channels of its inputs: 3 + 1 gives BGRA
      merge(planes, bgra);
    }
    return bgra;
  }

  /** A resized copy; {@code interpolation} is an OpenCV {@code INTER_*} constant. */
  public static Mat resize(Mat src, int width, int height, int interpolation) {
    Mat out = new Mat();
    try (Size size = new Size(width, height)) {
      opencv_imgproc.resize(src, out, size, 0, 0, interpolation);
    }
    return out;
  }

  /** A copy with the first and third channels exchanged: BGR to RGB, or RGB to BGR. */
  public static Mat swapRedBlue(Mat src) {
    Mat out = new Mat();
    cvtColor(src, out, COLOR_BGR2RGB);
    return out;
  }

  /** A 3-channel copy of a one-channel image, the grey value repeated (as IMREAD_COLOR does). */
  public static Mat grayToBgr(Mat gray) {
    Mat out = new Mat();
    cvtColor(gray, out, COLOR_GRAY2BGR);
    return out;
  }
}
