package io.gpen.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.bytedeco.javacpp.BytePointer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.MimeTypes;
import org.eclipse.jetty.http.MultiPart;
import org.eclipse.jetty.http.MultiPartConfig;
import org.eclipse.jetty.http.MultiPartFormData;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Attributes;

/**
 * The image of a request, in native memory (the Java heap holds none of it): the body itself, or
 * the field {@code image} of a {@code multipart/form-data} body. Close it to free the bytes.
 */
final class Upload implements AutoCloseable {
  /** The multipart field that holds the image. */
  static final String FIELD = "image";

  private BytePointer data;
  private final String fileName;

  private Upload(BytePointer data, String fileName) {
    this.data = data;
    this.fileName = fileName;
  }

  /** The encoded image, from address 0 to {@code limit()}. */
  BytePointer data() {
    if (data == null) {
      throw new IllegalStateException("upload already freed");
    }
    return data;
  }

  /** The file name the client gave in the form, or null (a plain body has none). */
  String fileName() {
    return fileName;
  }

  /** Frees the bytes (again is harmless). */
  @Override
  public void close() {
    if (data != null) {
      data.close();
      data = null;
    }
  }

  /**
   * Reads the request's image.
   *
   * @param maxBytes the largest body
   * @param deadline {@link System#nanoTime()} by which the body must have arrived
   * @throws ApiError 413 for a larger body (from its {@code Content-Length} before reading, or when
   *     the bytes read pass the limit), 400 for an empty body or a form without the field, 408 for
   *     a body still arriving at the deadline
   */
  static Upload read(Request request, long maxBytes, long deadline) throws IOException {
    long declared = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
    if (declared > maxBytes) {
      throw tooLarge(declared + " bytes", maxBytes);
    }
    BytePointer body = readBody(request, declared, maxBytes, deadline);
    try {
      String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
      if (type != null
          && MimeTypes.getContentTypeWithoutCharset(type)
              .trim()
              .toLowerCase(Locale.ROOT)
              .startsWith("multipart/form-data")) {
        return fromForm(body, type, maxBytes);
      }
      if (body.limit() == 0) {
        throw ApiError.badRequest(
            "empty body: send the image's bytes, or a multipart form with a field '" + FIELD + "'");
      }
      Upload upload = new Upload(body, null);
      body = null;
      return upload;
    } finally {
      if (body != null) {
        body.close();
      }
    }
  }

  private static BytePointer readBody(Request request, long declared, long maxBytes, long deadline)
      throws IOException {
    RequestBody chunks = RequestBody.of(request);
    long capacity = declared >= 0 ? Math.max(declared, 1) : Math.min(maxBytes, 1024 * 1024);
    BytePointer body = new BytePointer(capacity);
    long size = 0;
    try {
      for (boolean last = false; !last; ) {
        // a slow sender would hold its place in the queue: its time counts from its arrival
        Content.Chunk chunk = chunks.next(deadline);
        if (chunk == null) {
          throw stillArriving();
        }
        try {
          if (Content.Chunk.isFailure(chunk)) {
            throw new IOException("reading the request body failed", chunk.getFailure());
          }
          if (!chunk.isLast() && System.nanoTime() - deadline > 0) {
            throw stillArriving();
          }
          int n = chunk.remaining();
          if (size + n > maxBytes) {
            throw tooLarge("more than " + maxBytes + " bytes", maxBytes);
          }
          if (size + n > capacity) {
            capacity = Math.min(maxBytes, Math.max(capacity * 2, size + n));
            BytePointer larger = new BytePointer(capacity);
            larger.position(0).put(body.position(0).limit(size));
            body.close();
            body = larger;
          }
          if (n > 0) {
            body.limit(capacity).position(size).asByteBuffer().put(chunk.getByteBuffer());
          }
          size += n;
          last = chunk.isLast();
        } finally {
          chunk.release();
        }
      }
      body.position(0).limit(size);
      BytePointer done = body;
      body = null;
      return done;
    } finally {
      if (body != null) {
        body.close();
      }
    }
  }

  /**
   * Reads and drops what is left of the body, at most {@code maxBytes}, for at most {@code grace}:
   * a request answered before its body was read (refused, a bad parameter, out of time) still gets
   * its answer on a connection that can carry the next request, and a client still sending reads
   * that answer rather than a reset connection. Returns false where more was left, or where the
   * rest did not arrive in time (the connection is then closed).
   */
  static boolean discard(Request request, long maxBytes, Duration grace) {
    long declared = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
    if (declared > maxBytes) {
      return false;
    }
    RequestBody chunks = RequestBody.of(request);
    long until = System.nanoTime() + grace.toNanos();
    long left = maxBytes;
    for (boolean last = false; !last; ) {
      Content.Chunk chunk = chunks.next(until);
      if (chunk == null) {
        return false;
      }
      try {
        left -= chunk.remaining();
        if (Content.Chunk.isFailure(chunk) || left < 0) {
          return false;
        }
        last = chunk.isLast();
      } finally {
        chunk.release();
      }
    }
    return true;
  }

  private static Upload fromForm(BytePointer body, String contentType, long maxBytes) {
    MultiPartConfig config =
        new MultiPartConfig.Builder()
            .location(Path.of(System.getProperty("java.io.tmpdir")))
            .maxParts(16)
            .maxSize(maxBytes)
            .maxPartSize(maxBytes)
            .maxMemoryPartSize(maxBytes)
            .build();
    ByteBuffer view = body.limit() == 0 ? ByteBuffer.allocate(0) : body.asByteBuffer();
    MultiPartFormData.Parts parts;
    try {
      parts =
          MultiPartFormData.getParts(
              Content.Source.from(view), new Attributes.Mapped(), contentType, config);
    } catch (RuntimeException e) {
      throw ApiError.badRequest("not a readable multipart form (" + firstLine(e) + ")");
    }
    try (parts) {
      MultiPart.Part part = parts.getFirst(FIELD);
      if (part == null) {
        throw ApiError.badRequest("the multipart form has no field '" + FIELD + "'");
      }
      ByteBuffer content;
      try {
        content = Content.Source.asByteBuffer(part.getContentSource());
      } catch (IOException | RuntimeException e) {
        throw ApiError.badRequest(
            "cannot read the form's field '" + FIELD + "' (" + firstLine(e) + ")");
      }
      if (!content.hasRemaining()) {
        throw ApiError.badRequest("the form's field '" + FIELD + "' is empty");
      }
      BytePointer image = new BytePointer(content.remaining());
      image.asByteBuffer().put(content);
      return new Upload(image, part.getFileName());
    }
  }

  private static ApiError stillArriving() {
    return new ApiError(408, "the request body was still arriving when the request's time ran out");
  }

  private static ApiError tooLarge(String size, long maxBytes) {
    return new ApiError(
        413,
        "request body of "
            + size
            + " is larger than the limit of "
            + maxBytes / (1024 * 1024)
            + " MiB");
  }

  static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage()).strip();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
