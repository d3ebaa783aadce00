package io.gpen.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gpen.workflow.PhotoPipeline;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's routes on Jetty: the API ({@code POST /v1/restore}, {@code POST /v1/faces}), the
 * operational endpoints ({@code /healthz}, {@code /metrics}, {@code /openapi.json}) and the web
 * page ({@code /}, its script and style, from the jar). Every answer is counted in the metrics;
 * every error is one line of JSON, {@code {"error": "...", "status": N}}: 404 for an unknown path,
 * 405 (with {@code Allow}) for a wrong method, 400 for bad input, 413 for a body too large, 503
 * (with {@code Retry-After}) when the queue is full, a request runs out of time or the server is
 * shutting down, 500 for anything else (logged); none of them stops the server.
 */
final class ApiHandler extends Handler.Abstract {
  /** A body too large is still read and dropped up to this many times the upload limit. */
  private static final long OVERSIZE_DRAIN_FACTOR = 4;

  /**
   * How long the rest of a body answered early is still read and dropped before the connection is
   * closed on its sender.
   */
  private static final Duration DRAIN_GRACE = Duration.ofSeconds(5);

  static final String RESTORE = "/v1/restore";
  static final String FACES = "/v1/faces";
  static final String HEALTH = "/healthz";
  static final String METRICS = "/metrics";
  static final String OPENAPI = "/openapi.json";

  /**
   * The headers of a restored image: the faces restored and the milliseconds from arrival to
   * answer.
   */
  static final String FACES_HEADER = "X-Gpen-Faces";

  static final String TIME_HEADER = "X-Gpen-Time-Ms";

  private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> RESTORE_PARAMETERS =
      Set.of("aligned", "alpha", "use_sr", "format");

  /** A path's methods and what answers it. */
  private record Route(List<String> methods, Action action) {}

  /** Answers one request; returns the status written. */
  @FunctionalInterface
  private interface Action {
    int answer(Request request, Response response, long start) throws Exception;
  }

  /** A file of the web page, read from the jar once. */
  private record StaticFile(byte[] bytes, String contentType) {}

  private final ServerOptions options;
  private final PhotoService service;
  private final ServerMetrics metrics;
  private final Map<String, Route> routes = new LinkedHashMap<>();
  private final byte[] health;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean draining;

  ApiHandler(
      ServerOptions options,
      PhotoService service,
      ServerMetrics metrics,
      Map<String, Object> healthFields) {
    this.options = options;
    this.service = service;
    this.metrics = metrics;
    this.health = json(healthFields);
    routes.put(RESTORE, new Route(List.of("POST"), this::restore));
    routes.put(FACES, new Route(List.of("POST"), this::faces));
    routes.put(
        HEALTH,
        new Route(
            List.of("GET", "HEAD"), (q, r, s) -> send(q, r, 200, "application/json", health)));
    routes.put(
        METRICS,
        new Route(
            List.of("GET", "HEAD"),
            (q, r, s) ->
                send(
                    q,
                    r,
                    200,
                    "text/plain; version=0.0.4; charset=utf-8",
                    metrics.render().getBytes(StandardCharsets.UTF_8))));
    serveFile(OPENAPI, "openapi.json", "application/json");
    serveFile("/", "web/index.html", "text/html; charset=utf-8");
    serveFile("/app.js", "web/app.js", "text/javascript; charset=utf-8");
    serveFile("/style.css", "web/style.css", "text/css; charset=utf-8");
  }

  /** The paths with a route, for the metrics' labels. */
  static Set<String> paths() {
    return Set.of(RESTORE, FACES, HEALTH, METRICS, OPENAPI, "/", "/app.js", "/style.css");
  }

  private void serveFile(String path, String resource, String contentType) {
    StaticFile file = new StaticFile(resource(resource), contentType);
    routes.put(
        path,
        new Route(
            List.of("GET", "HEAD"),
            (q, r, s) -> {
              r.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
              return send(q, r, 200, file.contentType(), file.bytes());
            }));
  }

  static byte[] resource(String name) {
    try (InputStream in = ApiHandler.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("resource " + name + " missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Requests being answered now. */
  int inFlight() {
    return inFlight.get();
  }

  /**
   * From now on every request but {@code /metrics} is answered 503, so that those in flight can
   * finish.
   */
  void drain() {
    draining = true;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    long start = System.nanoTime();
    inFlight.incrementAndGet();
    AtomicInteger once = new AtomicInteger();
    Runnable finished =
        () -> {
          if (once.getAndIncrement() == 0) {
            inFlight.decrementAndGet();
          }
        };
    Callback done =
        Callback.from(
            () -> {
              finished.run();
              callback.succeeded();
            },
            failure -> {
              finished.run();
              callback.failed(failure);
            });
    String path = Request.getPathInContext(request);
    int status;
    try {
      status = dispatch(path, request, response, start);
      done.succeeded();
    } catch (ApiError e) {
      status = fail(request, response, done, e);
    } catch (Throwable t) {
      LOG.warn("{} {} failed", request.getMethod(), path, t);
      status =
          fail(
              request,
              response,
              done,
              new ApiError(
                  500,
                  "internal error: " + t.getClass().getSimpleName() + ": " + Upload.firstLine(t)));
    }
    metrics.request(path, status, (System.nanoTime() - start) / 1e9);
    return true;
  }

  private int dispatch(String path, Request request, Response response, long start)
      throws Exception {
    if (draining && !METRICS.equals(path)) {
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
      throw ApiError.unavailable("the server is shutting down", 5);
    }
    Route route = routes.get(path);
    if (route == null) {
      throw new ApiError(
          404, "no such path: " + path + " (the API is described at " + OPENAPI + ")");
    }
    String method = request.getMethod();
    if (!route.methods().contains(method)) {
      String allowed = String.join(", ", route.methods());
      response.getHeaders().put(HttpHeader.ALLOW, allowed);
      throw new ApiError(
          405, "method " + method + " not allowed on " + path + " (allowed: " + allowed + ")");
    }
    return route.action().answer(request, response, start);
  }

  private int restore(Request request, Response response, long start) throws IOException {
    PhotoService.RestoreRequest parameters =
        restoreParameters(Request.extractQueryParameters(request));
    return admitted(
        () -> {
          try (Upload upload = Upload.read(request, options.maxUploadBytes(), deadline(start));
              PhotoPipeline.Restored restored =
                  service.restore(upload, parameters, deadline(start))) {
            String name = upload.fileName() == null ? "upload" : stem(upload.fileName());
            response
                .getHeaders()
                .put(
                    HttpHeader.CONTENT_DISPOSITION,
                    "inline; filename=\""
                        + name
                        + "_GPEN"
                        + parameters.format().encoding.extension()
                        + "\"");
            response.getHeaders().put(FACES_HEADER, restored.faces());
            response.getHeaders().put(TIME_HEADER, (System.nanoTime() - start) / 1_000_000);
            return send(
                request, response, 200, parameters.format().contentType, restored.photo().buffer());
          }
        });
  }

  private int faces(Request request, Response response, long start) throws IOException {
    Fields query = Request.extractQueryParameters(request);
    if (!query.getNames().isEmpty()) {
      throw ApiError.badRequest(
          "unknown query parameter '"
              + query.getNames().iterator().next()
              + "' ("
              + FACES
              + " takes none)");
    }
    return admitted(
        () -> {
          try (Upload upload = Upload.read(request, options.maxUploadBytes(), deadline(start))) {
            String name = upload.fileName() == null ? "upload" : baseName(upload.fileName());
            byte[] json = service.faces(upload, name, deadline(start));
            return send(request, response, 200, "application/json", json);
          }
        });
  }

  /** Runs {@code work} when the request is taken in, else 503 at once, before its body is read. */
  private int admitted(IoSupplier<Integer> work) throws IOException {
    if (!service.admit()) {
      throw ApiError.unavailable(
          "too many requests: "
              + options.workers()
              + " at work and "
              + options.maxQueue()
              + " waiting; retry later",
          1);
    }
    try {
      return work.get();
    } finally {
      service.leave();
    }
  }

  @FunctionalInterface
  private interface IoSupplier<T> {
    T get() throws IOException;
  }

  private long deadline(long start) {
    return start + options.timeout().toNanos();
  }

  /** The query of {@code /v1/restore}, each value checked. */
  PhotoService.RestoreRequest restoreParameters(Fields query) {
    for (String name : query.getNames()) {
      if (!RESTORE_PARAMETERS.contains(name)) {
        throw ApiError.badRequest(
            "unknown query parameter '" + name + "' (known: aligned, alpha, use_sr, format)");
      }
    }
    boolean aligned = bool(query, "aligned", options.aligned());
    boolean superResolution = bool(query, "use_sr", options.useSr());
    if (superResolution && !service.hasSuperResolution()) {
      throw ApiError.badRequest(
          "background SR not available (use_sr=true): start gpen serve with --use_sr,"
              + " --sr_scale or --sr_weights");
    }
    double alpha = options.alpha();
    String a = single(query, "alpha");
    if (a != null) {
      try {
        alpha = Double.parseDouble(a);
      } catch (NumberFormatException e) {
        alpha = Double.NaN;
      }
      if (!(alpha >= 0 && alpha <= 1)) {
        throw ApiError.badRequest("alpha must be a number from 0 to 1, got '" + a + "'");
      }
    }
    PhotoService.Format format = PhotoService.Format.PNG;
    String f = single(query, "format");
    if (f != null) {
      format =
          switch (f.toLowerCase(Locale.ROOT)) {
            case "png" -> PhotoService.Format.PNG;
            case "jpeg", "jpg" -> PhotoService.Format.JPEG;
            default -> throw ApiError.badRequest("format must be png or jpeg, got '" + f + "'");
          };
    }
    return new PhotoService.RestoreRequest(aligned, alpha, superResolution, format);
  }

  private static boolean bool(Fields query, String name, boolean fallback) {
    String v = single(query, name);
    if (v == null) {
      return fallback;
    }
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes", "on" -> true;
      case "false", "0", "no", "off" -> false;
      default -> throw ApiError.badRequest(name + " must be true or false, got '" + v + "'");
    };
  }

  private static String single(Fields query, String name) {
    List<String> values = query.getValuesOrEmpty(name);
    if (values.size() > 1) {
      throw ApiError.badRequest("query parameter '" + name + "' given " + values.size() + " times");
    }
    return values.isEmpty() ? null : values.get(0);
  }

  /** The last segment of a client's file name. */
  static String baseName(String fileName) {
    String name = fileName.replace('\\', '/');
    return name.substring(name.lastIndexOf('/') + 1);
  }

  /**
   * A client's file name without folder and extension, safe in a header: letters, digits, {@code
   * ._-}.
   */
  static String stem(String fileName) {
    String name = baseName(fileName);
    int dot = name.lastIndexOf('.');
    if (dot >= 0) {
      name = name.substring(0, dot);
    }
    name = name.replaceAll("[^A-Za-z0-9._-]", "_");
    if (name.length() > 100) {
      name = name.substring(0, 100);
    }
    return name.isEmpty() ? "upload" : name;
  }

  private static int send(
      Request request, Response response, int status, String contentType, byte[] body)
      throws IOException {
    return send(request, response, status, contentType, ByteBuffer.wrap(body));
  }

  /** Writes the whole answer and waits until it is written (the body may live in native memory). */
  private static int send(
      Request request, Response response, int status, String contentType, ByteBuffer body)
      throws IOException {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.remaining());
    try (Blocker.Callback written = Blocker.callback()) {
      response.write(
          true, "HEAD".equals(request.getMethod()) ? ByteBuffer.allocate(0) : body, written);
      written.block();
    }
    return status;
  }

  /** Answers an error as one line of JSON, where the answer has not started yet. */
  private int fail(Request request, Response response, Callback done, ApiError error) {
    if (response.isCommitted()) {
      done.failed(error);
      return response.getStatus();
    }
    response.setStatus(error.status());
    if (error.retryAfterSeconds() > 0) {
      response.getHeaders().put(HttpHeader.RETRY_AFTER, error.retryAfterSeconds());
    }
    // a body left unread would reach the next request on the connection, or make the connection
    // reset before the client reads this answer (a client still sending sees "connection reset",
    // not the 413 or 408): drop what is left, up to a few times the upload limit for a body too
    // large and for a few seconds at most, and close the connection after a body too large or too
    // slow, or where the rest was too much or too late
    long drainable =
        error.status() == 413
            ? OVERSIZE_DRAIN_FACTOR * options.maxUploadBytes()
            : options.maxUploadBytes();
    boolean drained = Upload.discard(request, drainable, DRAIN_GRACE);
    if (error.status() == 413 || error.status() == 408 || !drained) {
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }
    byte[] body = errorLine(error.status(), error.getMessage());
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), done);
    return error.status();
  }

  /** {@code {"error":"...","status":N}} and a newline. */
  static byte[] errorLine(int status, String message) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("error", message == null ? "error" : message.replace('\n', ' ').replace('\r', ' '));
    fields.put("status", status);
    return json(fields);
  }

  private static byte[] json(Map<String, Object> fields) {
    try {
      return (JSON.writeValueAsString(fields) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What {@code /healthz} says of a server that is up: the networks loaded, and their settings. */
  static Map<String, Object> healthFields(PhotoPipeline pipeline, int maxBatch) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("status", "ok");
    fields.put("model", pipeline.model());
    fields.put("detector", pipeline.detector());
    fields.put("parser", pipeline.parser());
    fields.put("super_resolution", pipeline.superResolution());
    fields.put("face_size", pipeline.restorer().size());
    fields.put("max_batch", maxBatch);
    return fields;
  }
}
