package io.gpen.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The streamed encoding is protobuf's: protobuf-java's own parser reads back every field. */
class ProtoMessageTest {
  @Test
  void everyFieldKindReadsBackAndTheSizeIsExact() throws IOException {
    // more floats than one write chunk, so the chunked copy is exercised
    float[] floats = new float[40_000];
    for (int i = 0; i < floats.length; i++) {
      floats[i] = i * 0.5f - 7;
    }
    long[] longs = {-1, 0, 3, Long.MAX_VALUE};
    ProtoMessage inner = new ProtoMessage().string(1, "inner").int64(2, -5);
    ProtoMessage m =
        new ProtoMessage()
            .int64(1, 300)
            .int64(1, -2)
            .float32(2, 0.2f)
            .string(3, "name ü")
            .message(4, inner)
            .floatBytes(5, floats)
            .longBytes(6, longs);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    m.writeTo(out);
    byte[] bytes = out.toByteArray();
    assertEquals(bytes.length, m.serializedSize());

    UnknownFieldSet fields = UnknownFieldSet.parseFrom(bytes);
    assertEquals(List.of(300L, -2L), fields.getField(1).getVarintList());
    assertEquals(List.of(Float.floatToIntBits(0.2f)), fields.getField(2).getFixed32List());
    assertEquals("name ü", fields.getField(3).getLengthDelimitedList().get(0).toStringUtf8());
    UnknownFieldSet nested =
        UnknownFieldSet.parseFrom(fields.getField(4).getLengthDelimitedList().get(0));
    assertEquals("inner", nested.getField(1).getLengthDelimitedList().get(0).toStringUtf8());
    assertEquals(List.of(-5L), nested.getField(2).getVarintList());

    ByteString raw = fields.getField(5).getLengthDelimitedList().get(0);
    float[] back = new float[floats.length];
    raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(back);
    assertArrayEquals(floats, back);
    ByteBuffer rawLongs =
        fields
            .getField(6)
            .getLengthDelimitedList()
            .get(0)
            .asReadOnlyByteBuffer()
            .order(ByteOrder.LITTLE_ENDIAN);
    long[] longsBack = new long[longs.length];
    rawLongs.asLongBuffer().get(longsBack);
    assertArrayEquals(longs, longsBack);
  }
}
