package io.gpen.onnx;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A protobuf message assembled field by field and then streamed in the wire format with
 * protobuf-java's {@link CodedOutputStream}.
 *
 * <p>Fields keep their values rather than their encoding, so the size of every nested message is
 * known before anything is written and tensor payloads go from their arrays to the stream in small
 * chunks: a model of hundreds of megabytes is never held twice in memory. Field numbers are the
 * caller's ({@link Onnx} holds ONNX's); repeated fields are added one value at a time, unpacked, as
 * proto2 declares them in {@code onnx.proto}.
 */
final class ProtoMessage {
  /**
   * Bytes of payload converted per write: small enough to stay in cache, large enough to amortise
   * calls.
   */
  private static final int CHUNK = 1 << 16;

  private interface Field {
    long size();

    void write(CodedOutputStream out) throws IOException;
  }

  private final List<Field> fields = new ArrayList<>();
  private long size = -1;

  ProtoMessage int64(int number, long value) {
    return add(
        new Field() {
          @Override
          public long size() {
            return CodedOutputStream.computeInt64Size(number, value);
          }

          @Override
          public void write(CodedOutputStream out) throws IOException {
            out.writeInt64(number, value);
          }
        });
  }

  ProtoMessage float32(int number, float value) {
    return add(
        new Field() {
          @Override
          public long size() {
            return CodedOutputStream.computeFloatSize(number, value);
          }

          @Override
          public void write(CodedOutputStream out) throws IOException {
            out.writeFloat(number, value);
          }
        });
  }

  ProtoMessage string(int number, String value) {
    return add(
        new Field() {
          @Override
          public long size() {
            return CodedOutputStream.computeStringSize(number, value);
          }

          @Override
          public void write(CodedOutputStream out) throws IOException {
            out.writeString(number, value);
          }
        });
  }

  ProtoMessage message(int number, ProtoMessage value) {
    return add(
        new Field() {
          @Override
          public long size() {
            return delimitedSize(number, value.serializedSize());
          }

          @Override
          public void write(CodedOutputStream out) throws IOException {
            out.writeTag(number, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt64NoTag(value.serializedSize());
            value.writeFields(out);
          }
        });
  }

  /** A {@code bytes} field holding {@code values} as little-endian IEEE 754 floats. */
  ProtoMessage floatBytes(int number, float[] values) {
    return add(
        new Field() {
          @Override
          public long size() {
            return delimitedSize(number, 4L * values.length);
          }

          @Override
          public void write(CodedOutputStream out) throws IOException {
            out.writeTag(number, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt64NoTag(4L * values.length);
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            int perChunk = CHUNK / 4;
            for (int start = 0; start < values.length; start += perChunk) {
              int n = Math.min(perChunk, values.length - start);
              chunk.clear();
              chunk.asFloatBuffer().put(values, start, n);
              out.writeRawBytes(chunk.array(), 0, 4 * n);
            }
          }
        });
  }

  /** A {@code bytes} field holding {@code values} as little-endian 64-bit integers. */
  ProtoMessage longBytes(int number, long[] values) {
    return add(
        new Field() {
          @Override
          public long size() {
            return delimitedSize(number, 8L * values.length);
          }

          @Override
          public void write(CodedOutputStream out) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            b.asLongBuffer().put(values);
            out.writeTag(number, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt64NoTag(8L * values.length);
            out.writeRawBytes(b.array());
          }
        });
  }

  /** The encoded size in bytes (may exceed what protobuf parsers accept; the caller checks). */
  long serializedSize() {
    if (size < 0) {
      long total = 0;
      for (Field f : fields) {
        total += f.size();
      }
      size = total;
    }
    return size;
  }

  /** Writes this message, as a top-level message, to {@code out} (which is flushed, not closed). */
  void writeTo(OutputStream out) throws IOException {
    CodedOutputStream coded = CodedOutputStream.newInstance(out, CHUNK);
    writeFields(coded);
    coded.flush();
  }

  private void writeFields(CodedOutputStream out) throws IOException {
    for (Field f : fields) {
      f.write(out);
    }
  }

  private ProtoMessage add(Field f) {
    fields.add(f);
    size = -1;
    return this;
  }

  private static long delimitedSize(int number, long length) {
    return CodedOutputStream.computeTagSize(number)
        + CodedOutputStream.computeUInt64SizeNoTag(length)
        + length;
  }
}
