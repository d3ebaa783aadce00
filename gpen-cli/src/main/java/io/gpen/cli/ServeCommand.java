package io.gpen.cli;

import io.gpen.server.GpenServer;
import io.gpen.server.ServerOptions;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gpen serve}: the restoration service and its web page ({@link GpenServer}). */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Serve face restoration over HTTP: POST /v1/restore (the restored photo, as gpen restore writes it),"
          + " POST /v1/faces (the face list), GET /healthz, GET /metrics (Prometheus), GET /openapi.json, and a"
          + " web page at / to drop a photo and compare. The faces of concurrent requests are restored together"
          + " in batches of up to --max_batch.",
      "Prints the address it listens on; SIGTERM (or Ctrl-C) finishes the requests in flight, refusing new"
          + " ones, then exits."
    })
public final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ModelOptions model;

  @Mixin EngineOption engine;

  @Mixin DetectorOptions detection;

  @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "Address to listen on (0.0.0.0: every interface).")
  String host;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080", description = "Port; 0 picks a free one.")
  int port;

  @Option(names = "--max_batch", paramLabel = "N", defaultValue = "8",
      description = "Most faces per model call, from one request or several.")
  int maxBatch;

  @Option(names = "--batch_wait_ms", paramLabel = "MS", defaultValue = "5",
      description = "How long a batch that is not full waits for the faces of requests being prepared.")
  long batchWaitMs;

  @Option(names = "--max_queue", paramLabel = "N", defaultValue = "64",
      description = "Most requests waiting for a worker; more are answered 503 with Retry-After.")
  int maxQueue;

  @Option(names = "--workers", paramLabel = "N", defaultValue = "0",
      description = "Requests worked on at once (decoding, detection, paste-back, encoding); 0: twice --max_batch.")
  int workers;

  @Option(names = "--max_upload_mb", paramLabel = "MB", defaultValue = "25",
      description = "Largest request body in MiB; larger is answered 413.")
  int maxUploadMb;

  @Option(names = "--max_pixels", paramLabel = "N", defaultValue = "40000000",
      description = "Most pixels an image may declare in its header; more is answered 400 before decoding.")
  long maxPixels;

  @Option(names = "--timeout_s", paramLabel = "S", defaultValue = "60",
      description = "Longest a request may take, queue included; then 503.")
  long timeoutS;

  @Option(names = "--alpha", paramLabel = "A", defaultValue = "1.0",
      description = "Default weight of the restored faces against the original ones (a request's alpha overrides it).")
  double alpha;

  @Option(names = "--aligned", description = "Inputs are aligned face crops unless a request says aligned=false.")
  boolean aligned;

  @Override
  public Integer call() throws InterruptedException {
    ServerOptions.Builder options = ServerOptions.builder()
        .host(host)
        .port(port)
        .maxBatch(maxBatch)
        .batchWait(Duration.ofMillis(Math.max(0, batchWaitMs)))
        .maxQueue(maxQueue)
        .maxUploadMb(maxUploadMb)
        .maxPixels(maxPixels)
        .timeout(Duration.ofSeconds(Math.max(1, timeoutS)))
        .alpha(alpha)
        .aligned(aligned);
    if (workers > 0) {
      options.workers(workers);
    }
    ServerOptions settings = options.build();
    GpenServer server = GpenServer.start(settings, model.spec(engine.engine), detection.detector,
        detection.detectorWeights, new CommandListener(spec));
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Thread hook = new Thread(() -> {
      err.println("gpen serve: shutting down, finishing " + server.requestsInFlight() + " request(s) in flight");
      err.flush();
      server.close();
      err.println("gpen serve: stopped");
      err.flush();
    }, "gpen-serve-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.println("gpen serve: listening on " + server.uri() + " (max batch " + settings.maxBatch() + ", "
        + settings.workers() + " workers, queue " + settings.maxQueue() + ")");
    out.flush();
    server.join();
    return 0;
  }
}
