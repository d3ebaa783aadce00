package io.gpen.cli;

import io.gpen.GpenException;
import io.gpen.server.GpenServer;
import io.gpen.server.ServerModels;
import io.gpen.server.ServerOptions;
import io.gpen.workflow.ModelSpec;
import io.gpen.workflow.PhotoRestoration;
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
      "The models are loaded as gpen restore loads them: the paste mask is the face parser's when"
          + " --parse_weights are given or ParseNet-latest is cached (--mask chooses); background"
          + " super-resolution is offered with --use_sr, --sr_scale or --sr_weights.",
      "Prints the address it listens on; SIGTERM (or Ctrl-C) finishes the requests in flight, refusing new"
          + " ones, then exits."
    })
public final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ModelOptions model;

  @Mixin EngineOption engine;

  @Mixin PrecisionOption precision;

  @Mixin DetectorOptions detection;

  @Option(
      names = "--host",
      paramLabel = "ADDRESS",
      defaultValue = "127.0.0.1",
      description = "Address to listen on (0.0.0.0: every interface).")
  String host;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      defaultValue = "8080",
      description = "Port; 0 picks a free one.")
  int port;

  @Option(
      names = "--max_batch",
      paramLabel = "N",
      defaultValue = "8",
      description = "Most faces per model call, from one request or several.")
  int maxBatch;

  @Option(
      names = "--batch_wait_ms",
      paramLabel = "MS",
      defaultValue = "5",
      description =
          "How long a batch that is not full waits for the faces of requests being prepared.")
  long batchWaitMs;

  @Option(
      names = "--max_queue",
      paramLabel = "N",
      defaultValue = "64",
      description = "Most requests waiting for a worker; more are answered 503 with Retry-After.")
  int maxQueue;

  @Option(
      names = "--workers",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Requests worked on at once (decoding, detection, paste-back, encoding); 0: twice --max_batch.")
  int workers;

  @Option(
      names = "--max_upload_mb",
      paramLabel = "MB",
      defaultValue = "25",
      description = "Largest request body in MiB; larger is answered 413.")
  int maxUploadMb;

  @Option(
      names = "--max_pixels",
      paramLabel = "N",
      defaultValue = "40000000",
      description =
          "Most pixels an image may declare in its header; more is answered 400 before decoding.")
  long maxPixels;

  @Option(
      names = "--timeout_s",
      paramLabel = "S",
      defaultValue = "60",
      description = "Longest a request may take, queue included; then 503.")
  long timeoutS;

  @Option(
      names = "--alpha",
      paramLabel = "A",
      defaultValue = "1.0",
      description =
          "Default weight of the restored faces against the original ones (a request's alpha overrides it).")
  double alpha;

  @Option(
      names = "--aligned",
      description = "Inputs are aligned face crops unless a request says aligned=false.")
  boolean aligned;

  @Option(
      names = "--mask",
      paramLabel = "MASK",
      defaultValue = "auto",
      description =
          "The paste mask: parse (the face parser's; its weights must be given or cached), box (the"
              + " rectangle mask) or auto (parse where the weights are to be had, else box with a note).")
  PhotoRestoration.Mask mask;

  @Option(
      names = "--parse_weights",
      paramLabel = "PATH|NAME",
      description =
          "Face parser weights (ParseNet): a file or a model name from `gpen models`. Default:"
              + " ParseNet-latest where it is in the cache.")
  String parserWeights;

  @Option(
      names = "--use_sr",
      description =
          "Requests get background super-resolution unless they say use_sr=false"
              + " (loads the network as --sr_scale or --sr_weights do).")
  boolean useSr;

  @Option(
      names = "--sr_scale",
      paramLabel = "S",
      description =
          "Offer background super-resolution (requests with use_sr=true): 1, 2 or 4; picks"
              + " realesrnet_x<S> when --sr_weights are not given. Default with --use_sr: 2, or the scale of --sr_weights.")
  Integer srScale;

  @Option(
      names = "--sr_weights",
      paramLabel = "PATH|NAME",
      description =
          "Offer background super-resolution with this network (RRDBNet), a file or a model name from"
              + " `gpen models`. Default: realesrnet_x<--sr_scale> (downloaded when absent).")
  String srWeights;

  @Option(
      names = "--tile_size",
      paramLabel = "N",
      description =
          "Super-resolve in tiles of N input pixels (less memory, seams possible); 0 runs the whole photo"
              + " at once. Default: 0.")
  Integer tileSize;

  @Override
  public Integer call() throws InterruptedException {
    ServerOptions.Builder options =
        ServerOptions.builder()
            .host(host)
            .port(port)
            .maxBatch(maxBatch)
            .batchWait(Duration.ofMillis(Math.max(0, batchWaitMs)))
            .maxQueue(maxQueue)
            .maxUploadMb(maxUploadMb)
            .maxPixels(maxPixels)
            .timeout(Duration.ofSeconds(Math.max(1, timeoutS)))
            .alpha(alpha)
            .aligned(aligned)
            .useSr(useSr);
    if (workers > 0) {
      options.workers(workers);
    }
    ServerOptions settings = options.build();
    ModelSpec modelSpec = model.spec(engine.engine).withPrecision(precision.value());
    ServerModels models =
        ServerModels.of(modelSpec)
            .withDetector(detection.detector, detection.detectorWeights)
            .withMask(mask, parserWeights)
            .withSuperResolution(superResolution());
    GpenServer server = GpenServer.start(settings, models, new CommandListener(spec));
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Thread hook =
        new Thread(
            () -> {
              err.println(
                  "gpen serve: shutting down, finishing "
                      + server.requestsInFlight()
                      + " request(s) in flight");
              err.flush();
              server.close();
              err.println("gpen serve: stopped");
              err.flush();
            },
            "gpen-serve-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.println(
        "gpen serve: listening on "
            + server.uri()
            + " (max batch "
            + settings.maxBatch()
            + ", "
            + settings.workers()
            + " workers, queue "
            + settings.maxQueue()
            + ")");
    out.flush();
    server.join();
    return 0;
  }

  /** The super-resolution network to load: with --use_sr, --sr_scale or --sr_weights; else null. */
  private PhotoRestoration.SuperResolution superResolution() {
    if (!useSr && srScale == null && srWeights == null) {
      if (tileSize != null) {
        throw new GpenException("--tile_size applies with --use_sr, --sr_scale or --sr_weights");
      }
      return null;
    }
    return PhotoRestoration.SuperResolution.of(srScale, srWeights, tileSize);
  }
}
