package io.gpen.server;

import io.gpen.BadParameter;
import io.gpen.GpenException;
import io.gpen.api.FaceRestorer;
import io.gpen.face.FaceDetector;
import io.gpen.face.FaceDetectors;
import io.gpen.registry.ModelRegistry;
import io.gpen.workflow.ModelSpec;
import io.gpen.workflow.PhotoPipeline;
import io.gpen.workflow.WorkflowListener;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The restoration service: an HTTP server (Jetty 12) that restores the faces of uploaded photos
 * with one shared model, batching the faces of concurrent requests into one model call.
 *
 * <pre>{@code
 * try (GpenServer server = GpenServer.start(ServerOptions.builder().port(0).build(),
 *     ServerModels.of(ModelSpec.libtorch("GPEN-BFR-512")), WorkflowListener.SILENT)) {
 *   System.out.println("listening on " + server.uri());
 *   server.join();   // until close() from another thread, e.g. a shutdown hook
 * }
 * }</pre>
 *
 * <p>Endpoints (the README and {@code /openapi.json} describe them): {@code POST /v1/restore} (the
 * restored image, as {@code gpen restore} writes it), {@code POST /v1/faces} (the face list, as its
 * {@code faces.json}), {@code GET /healthz}, {@code GET /metrics} (Prometheus text), {@code GET
 * /openapi.json} and the web page at {@code /}.
 *
 * <p>{@link #close()} shuts down gracefully: new requests are answered 503 at once, the requests in
 * flight are finished (each is bounded by the request timeout), then the server stops and frees the
 * models it opened.
 */
public final class GpenServer implements AutoCloseable {
  private final ServerOptions options;
  private final PhotoPipeline pipeline;
  private final PhotoService service;
  private final ServerMetrics metrics;
  private final ApiHandler handler;
  private final Server jetty;
  private final URI uri;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private boolean closed;

  /**
   * Loads the model and the detector, then starts the server: {@link #start(ServerOptions,
   * ServerModels, WorkflowListener)} with the automatic mask and no super-resolution.
   */
  public static GpenServer start(
      ServerOptions options,
      ModelSpec model,
      FaceDetectors.Kind detector,
      String detectorWeights,
      WorkflowListener listener) {
    return start(options, ServerModels.of(model).withDetector(detector, detectorWeights), listener);
  }

  /**
   * Loads the networks as {@code gpen restore} does for the same settings (the model with batches
   * of {@code maxBatch} faces, through {@link PhotoPipeline}), then starts the server; it frees
   * them when it stops.
   *
   * @param listener receives what was loaded, and notes on the settings
   * @throws GpenException naming the file or setting at fault, or the address that cannot be
   *     listened on
   */
  public static GpenServer start(
      ServerOptions options, ServerModels models, WorkflowListener listener) {
    PhotoPipeline.Settings settings =
        models.settings(options.maxBatch()).resolve(ModelRegistry.defaultRegistry(), listener);
    PhotoPipeline pipeline = PhotoPipeline.open(settings);
    try {
      pipeline.descriptions().forEach(listener::info);
      return new GpenServer(options, pipeline);
    } catch (RuntimeException e) {
      pipeline.close();
      throw e;
    }
  }

  /**
   * Starts the server on a restorer and a detector that the caller has opened and closes after
   * {@link #close()}, with the rectangle mask and no super-resolution. The restorer's batch size
   * should be at least {@code maxBatch}.
   */
  public static GpenServer start(
      ServerOptions options, FaceRestorer restorer, FaceDetector detector) {
    PhotoPipeline pipeline = PhotoPipeline.over(restorer, detector);
    try {
      return new GpenServer(options, pipeline);
    } catch (RuntimeException e) {
      pipeline.close();
      throw e;
    }
  }

  private GpenServer(ServerOptions options, PhotoPipeline pipeline) {
    if (options.useSr() && pipeline.superResolution() == null) {
      throw new BadParameter(
          names ->
              names.apply("useSr")
                  + " needs a super-resolution network (srScale or"
                  + " srWeights)");
    }
    this.options = options;
    this.pipeline = pipeline;
    this.service = new PhotoService(options, pipeline, this::batchDone);
    this.metrics =
        new ServerMetrics(
            ApiHandler.paths(),
            options.maxBatch(),
            service::queueDepth,
            service::inProgress,
            service::busyPixels);
    this.handler =
        new ApiHandler(
            options, service, metrics, ApiHandler.healthFields(pipeline, options.maxBatch()));
    // every request taken in holds a thread while it waits: room for all of them, and for the
    // quick answers (health, metrics, refusals) beside them
    QueuedThreadPool threads =
        new QueuedThreadPool(Math.max(64, options.workers() + options.maxQueue() + 48), 8);
    threads.setName("gpen-http");
    this.jetty = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    ServerConnector connector = new ServerConnector(jetty, new HttpConnectionFactory(http));
    connector.setHost(options.host());
    connector.setPort(options.port());
    jetty.addConnector(connector);
    jetty.setHandler(handler);
    jetty.setErrorHandler(new JsonErrorHandler());
    jetty.setStopTimeout(5_000);
    try {
      jetty.start();
    } catch (Exception e) {
      service.close();
      try {
        jetty.stop();
      } catch (Exception ignored) {
        // it did not start
      }
      throw new GpenException(
          "cannot listen on "
              + options.host()
              + ":"
              + options.port()
              + ": "
              + (e instanceof IOException && e.getCause() != null
                  ? e.getCause().getMessage()
                  : e.getMessage()),
          e);
    }
    String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
    this.uri = URI.create("http://" + host + ":" + connector.getLocalPort() + "/");
  }

  private void batchDone(int faces, long nanos) {
    metrics.batch(faces, nanos);
  }

  /** The address it listens on, e.g. {@code http://127.0.0.1:8080/}. */
  public URI uri() {
    return uri;
  }

  /** The port it listens on (the one picked when the options said 0). */
  public int port() {
    return uri.getPort();
  }

  /** The settings it runs with. */
  public ServerOptions options() {
    return options;
  }

  /** The Prometheus text of {@code /metrics}, as it is now. */
  public String metrics() {
    return metrics.render();
  }

  /** Waits until the server has stopped ({@link #close()}). */
  public void join() throws InterruptedException {
    stopped.await();
  }

  /**
   * Shuts down gracefully: answers new requests 503, waits for the requests in flight (at most the
   * request timeout and 5 s more), stops listening, and frees the models it opened. Calling it
   * again, from any thread, waits for the first call to finish.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    handler.drain();
    long until = System.nanoTime() + options.timeout().toNanos() + TimeUnit.SECONDS.toNanos(5);
    try {
      while (handler.inFlight() > 0 && System.nanoTime() < until) {
        Thread.sleep(10);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      jetty.stop();
    } catch (Exception e) {
      // stopping is best effort: the models are freed whatever Jetty says
    } finally {
      service.close();
      // frees the networks it opened; those a caller lent stay open
      pipeline.close();
      stopped.countDown();
    }
  }

  /** Requests still being answered, for tests and shutdown messages. */
  public int requestsInFlight() {
    return handler.inFlight();
  }

  /** Jetty's own errors (a malformed request, headers too large) as the API's one-line JSON. */
  private static final class JsonErrorHandler extends ErrorHandler {
    @Override
    protected void generateResponse(
        Request request,
        Response response,
        int code,
        String message,
        Throwable cause,
        Callback callback) {
      byte[] body =
          ApiHandler.errorLine(code, message == null || message.isBlank() ? reason(code) : message);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
      response.write(true, ByteBuffer.wrap(body), callback);
    }

    private static String reason(int code) {
      String r = org.eclipse.jetty.http.HttpStatus.getMessage(code);
      return r == null ? "error " + code : r;
    }
  }
}
