package io.gpen.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * The chunk structure of a PNG file, checked before OpenCV decodes it: every chunk whole, its CRC
 * right, an IEND at the end. OpenCV gives libpng no error handler, so libpng prints its own line
 * ("libpng error: PNG input buffer is incomplete", "IHDR: CRC error") to the process's standard
 * error before the decode fails; refusing such files here keeps the user's console to our one-line
 * error and says what is wrong. The pixels themselves are still libpng's to decode.
 */
final class PngChunks {
  private static final int SIGNATURE = 8;

  private PngChunks() {}

  /**
   * What is wrong with the chunks of {@code png} (a buffer starting with the PNG signature), or
   * null when they are intact. The buffer's position is not moved.
   */
  static String damage(ByteBuffer png) {
    ByteBuffer b = png.duplicate().order(ByteOrder.BIG_ENDIAN);
    int end = b.limit();
    int at = b.position() + SIGNATURE;
    CRC32 crc = new CRC32();
    byte[] type = new byte[4];
    while (true) {
      if (end - at < 12) {
        return at == end ? "PNG cut short: no IEND chunk" : "PNG cut short inside a chunk header";
      }
      long length = Integer.toUnsignedLong(b.getInt(at));
      b.get(at + 4, type);
      String name = new String(type, StandardCharsets.ISO_8859_1);
      if (length > end - at - 12) {
        return "PNG cut short in its " + printable(name) + " chunk";
      }
      crc.reset();
      crc.update(b.slice(at + 4, 4 + (int) length));
      long stored = Integer.toUnsignedLong(b.getInt(at + 8 + (int) length));
      if (crc.getValue() != stored) {
        return "PNG damaged: CRC error in its " + printable(name) + " chunk";
      }
      at += 12 + (int) length;
      if (name.equals("IEND")) {
        return null;
      }
    }
  }

  /** A chunk type as text, or in hexadecimal where it is not four ASCII letters. */
  private static String printable(String name) {
    if (name.chars().allMatch(c -> (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
      return name;
    }
    StringBuilder hex = new StringBuilder("0x");
    for (char c : name.toCharArray()) {
      hex.append(String.format("%02x", (int) c));
    }
    return hex.toString();
  }
}
