package io.gpen.server;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;

import io.gpen.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Rect;

/** Inputs for the server's tests: shared faces, variants of them, and hostile files. */
final class TestImages {
  private TestImages() {}

  static Path golden() {
    return SharedData.require("golden/gpen64.pth");
  }

  static Path detector() {
    return SharedData.require("models/retinaface_mobilenet0.25.pth");
  }

  static Path face(int i) {
    return SharedData.require(String.format("faces/ffhq256/%05d.png", i));
  }

  static byte[] bytes(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The part of the Solvay photo with two faces, as a PNG. */
  static byte[] solvayPart() {
    try (Mat photo = imread(SharedData.require("faces/Solvay_conference_1927.png").toString());
        Rect r = new Rect(580, 60, 140, 160);
        Mat part = new Mat(photo, r)) {
      return png(part.clone());
    }
  }

  /** Face {@code i} as a one-channel grey PNG. */
  static byte[] greyFace(int i) {
    try (Mat bgr = imread(face(i).toString());
        Mat grey = new Mat()) {
      opencv_imgproc.cvtColor(bgr, grey, opencv_imgproc.COLOR_BGR2GRAY);
      return png(grey);
    }
  }

  /** Face {@code i} with an alpha plane that fades from left to right, as a 4-channel PNG. */
  static byte[] faceWithAlpha(int i) {
    try (Mat bgr = imread(face(i).toString());
        Mat alpha = new Mat(bgr.rows(), bgr.cols(), opencv_core.CV_8UC1);
        Mat bgra = new Mat()) {
      org.bytedeco.javacpp.indexer.UByteIndexer ix = alpha.createIndexer();
      for (int y = 0; y < alpha.rows(); y++) {
        for (int x = 0; x < alpha.cols(); x++) {
          ix.put(y, x, x * 255 / Math.max(1, alpha.cols() - 1));
        }
      }
      ix.close();
      try (MatVector planes = new MatVector(bgr, alpha)) {
        opencv_core.merge(planes, bgra);
      }
      return png(bgra);
    }
  }

  static byte[] png(Mat m) {
    try (BytePointer out = new BytePointer()) {
      if (!imencode(".png", m, out)) {
        throw new IllegalStateException("cannot encode");
      }
      byte[] b = new byte[(int) out.limit()];
      out.get(b);
      return b;
    } finally {
      m.close();
    }
  }

  /**
   * A decompression bomb: a valid, tiny PNG (one compressed row of zeros, the rest missing) whose
   * header declares {@code width × height} RGB pixels.
   */
  static byte[] pngDeclaring(int width, int height) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    ByteBuffer ihdr =
        ByteBuffer.allocate(13)
            .putInt(width)
            .putInt(height)
            .put((byte) 8)
            .put((byte) 2)
            .put((byte) 0)
            .put((byte) 0)
            .put((byte) 0);
    chunk(out, "IHDR", ihdr.array());
    Deflater deflater = new Deflater();
    deflater.setInput(new byte[1 + 3 * Math.min(width, 4096)]);
    deflater.finish();
    byte[] buf = new byte[65536];
    int n = deflater.deflate(buf);
    deflater.end();
    byte[] idat = new byte[n];
    System.arraycopy(buf, 0, idat, 0, n);
    chunk(out, "IDAT", idat);
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    out.writeBytes(t);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  /** A file whose first bytes are not an image. */
  static byte[] notAnImage() {
    return "these are not the pixels you are looking for\n".getBytes(StandardCharsets.UTF_8);
  }

  /** The first half of a PNG: its header is whole, its pixels are cut short. */
  static byte[] truncated(byte[] png) {
    byte[] half = new byte[png.length / 2];
    System.arraycopy(png, 0, half, 0, half.length);
    return half;
  }
}
