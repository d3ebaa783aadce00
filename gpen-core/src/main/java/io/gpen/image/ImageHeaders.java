package io.gpen.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The pixel size an encoded image declares, read from its header without decoding it, for the
 * formats {@link Images} reads: PNG, JPEG, BMP, TIFF (classic and BigTIFF) and WebP (lossy,
 * lossless and extended). Every read is bounds-checked against the bytes at hand and every loop
 * advances, so a damaged header gives null, never an exception or a hang.
 */
final class ImageHeaders {
  /** A declared size, in pixels. */
  record Size(String format, long width, long height) {
    /**
     * width × height, or Long.MAX_VALUE where that overflows (a BigTIFF may declare 64-bit sizes).
     */
    long pixels() {
      return height != 0 && width > Long.MAX_VALUE / height ? Long.MAX_VALUE : width * height;
    }
  }

  private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  private ImageHeaders() {}

  /**
   * The size the encoded image from the buffer's position to its limit declares, or null where it
   * does not start as one of the formats or the header is damaged or cut short. The decoder decides
   * whether the rest is readable.
   */
  static Size read(ByteBuffer data) {
    ByteBuffer b = data.slice().order(ByteOrder.BIG_ENDIAN);
    try {
      if (startsWith(b, PNG)) {
        return png(b);
      }
      if (startsWith(b, new byte[] {(byte) 0xff, (byte) 0xd8})) {
        return jpeg(b);
      }
      if (startsWith(b, new byte[] {'B', 'M'})) {
        return bmp(b.order(ByteOrder.LITTLE_ENDIAN));
      }
      if (startsWith(b, new byte[] {'I', 'I'}) || startsWith(b, new byte[] {'M', 'M'})) {
        return tiff(b.order(b.get(0) == 'I' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN));
      }
      if (startsWith(b, new byte[] {'R', 'I', 'F', 'F'}) && b.getInt(8) == 0x57454250) { // "WEBP"
        return webp(b.order(ByteOrder.LITTLE_ENDIAN));
      }
      return null;
    } catch (IndexOutOfBoundsException e) {
      // a header cut short: the absolute reads below stop at the end of the bytes
      return null;
    }
  }

  /** The IHDR chunk, which must come first: width and height, big-endian. */
  private static Size png(ByteBuffer b) {
    if (b.getInt(12) != 0x49484452) { // "IHDR"
      return null;
    }
    return new Size(
        "PNG", Integer.toUnsignedLong(b.getInt(16)), Integer.toUnsignedLong(b.getInt(20)));
  }

  /**
   * The first start-of-frame marker (SOF0..SOF15 but DHT, JPG and DAC), found segment by segment;
   * stray bytes between segments are skipped, as libjpeg does.
   */
  private static Size jpeg(ByteBuffer b) {
    int p = 2;
    while (true) {
      while ((b.get(p) & 0xff) != 0xff) {
        p++;
      }
      int marker = b.get(p + 1) & 0xff;
      if (marker == 0xff) {
        p++; // fill byte
        continue;
      }
      if (marker == 0xd8 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        p += 2; // markers without a length
        continue;
      }
      if (marker == 0xd9 || marker == 0xda) {
        return null; // end of image or start of scan before any frame header
      }
      int length = b.getShort(p + 2) & 0xffff;
      if (length < 2) {
        return null;
      }
      boolean frame =
          marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
      if (frame) {
        // precision, then height and width, big-endian
        return new Size("JPEG", b.getShort(p + 7) & 0xffff, b.getShort(p + 5) & 0xffff);
      }
      p += 2 + length;
    }
  }

  /**
   * The DIB header: 16-bit sizes in the old OS/2 one, signed 32-bit (negative height: top-down)
   * after.
   */
  private static Size bmp(ByteBuffer b) {
    int dib = b.getInt(14);
    if (dib == 12) {
      return new Size("BMP", b.getShort(18) & 0xffff, b.getShort(20) & 0xffff);
    }
    if (dib < 40) {
      return null;
    }
    long width = b.getInt(18);
    long height = Math.abs((long) b.getInt(22));
    return width < 0 ? null : new Size("BMP", width, height);
  }

  /** ImageWidth (256) and ImageLength (257) of the first directory, the page a decoder reads. */
  private static Size tiff(ByteBuffer b) {
    int version = b.getShort(2) & 0xffff;
    boolean big = version == 43;
    if (version != 42 && !(big && b.getShort(4) == 8 && b.getShort(6) == 0)) {
      return null;
    }
    long ifd = big ? b.getLong(8) : Integer.toUnsignedLong(b.getInt(4));
    if (ifd < 8 || ifd > b.limit() - 2) {
      return null;
    }
    int p = (int) ifd;
    long count = big ? b.getLong(p) : b.getShort(p) & 0xffff;
    int entrySize = big ? 20 : 12;
    p += big ? 8 : 2;
    long width = -1;
    long height = -1;
    for (long i = 0; i < count && p + entrySize <= b.limit(); i++, p += entrySize) {
      int tag = b.getShort(p) & 0xffff;
      if (tag == 256 || tag == 257) {
        long value = tiffValue(b, p, big);
        if (value < 0) {
          return null;
        }
        if (tag == 256) {
          width = value;
        } else {
          height = value;
        }
      }
    }
    return width < 0 || height < 0 ? null : new Size("TIFF", width, height);
  }

  /** The single SHORT, LONG or LONG8 value of a directory entry, stored in the entry itself. */
  private static long tiffValue(ByteBuffer b, int entry, boolean big) {
    int type = b.getShort(entry + 2) & 0xffff;
    int value = entry + (big ? 12 : 8);
    return switch (type) {
      case 3 -> b.getShort(value) & 0xffff;
      case 4 -> Integer.toUnsignedLong(b.getInt(value));
      case 16 -> big ? b.getLong(value) : -1;
      default -> -1;
    };
  }

  /** The first chunk: VP8X (canvas size, 24 bits minus one), VP8L (14 bits minus one) or VP8. */
  private static Size webp(ByteBuffer b) {
    int chunk = b.getInt(12);
    if (chunk == fourCc("VP8X")) {
      return new Size("WebP", 1 + uint24(b, 24), 1 + uint24(b, 27));
    }
    if (chunk == fourCc("VP8L")) {
      if ((b.get(20) & 0xff) != 0x2f) {
        return null;
      }
      int bits = b.getInt(21);
      return new Size("WebP", 1 + (bits & 0x3fff), 1 + ((bits >>> 14) & 0x3fff));
    }
    if (chunk == fourCc("VP8 ")) {
      // a 3-byte frame tag, the start code 9d 01 2a, then 14-bit width and height
      if ((b.get(23) & 0xff) != 0x9d || (b.get(24) & 0xff) != 0x01 || (b.get(25) & 0xff) != 0x2a) {
        return null;
      }
      return new Size("WebP", b.getShort(26) & 0x3fff, b.getShort(28) & 0x3fff);
    }
    return null;
  }

  private static int fourCc(String s) {
    return s.charAt(0) | s.charAt(1) << 8 | s.charAt(2) << 16 | s.charAt(3) << 24;
  }

  private static int uint24(ByteBuffer b, int p) {
    return (b.get(p) & 0xff) | (b.get(p + 1) & 0xff) << 8 | (b.get(p + 2) & 0xff) << 16;
  }

  private static boolean startsWith(ByteBuffer b, byte[] prefix) {
    if (b.limit() < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (b.get(i) != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
