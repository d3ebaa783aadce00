package io.gpen.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.Performance;
import io.gpen.api.Restorer;
import io.gpen.face.FaceDetector;
import io.gpen.face.FaceDetectors;
import io.gpen.image.Image;
import io.gpen.image.Images;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * 200 requests from 16 concurrent clients on the golden 64 px model: every request is answered 200
 * or 503, none is lost, and each answer is the restoration of its own input; afterwards the server
 * is idle and holds no upload or encoded buffer. Latency percentiles and throughput are printed,
 * not asserted; the resident-memory bound is a {@link Performance} test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerLoadTest {
  private static final int REQUESTS = 200;
  private static final int CLIENTS = 16;

  private Restorer restorer;
  private FaceDetector detector;
  private GpenServer server;
  private Http http;

  /**
   * 20 distinct inputs (10 faces and their mirror images) and their restorations, one at a time.
   */
  private final List<byte[]> inputs = new ArrayList<>();

  private final List<Mat> expected = new ArrayList<>();

  @BeforeAll
  void start() throws IOException {
    restorer = Restorer.builder().weights(TestImages.golden()).batchSize(8).build();
    detector = FaceDetectors.open(TestImages.detector());
    // 8 workers and 4 places in the queue for 16 clients: the queue fills, and some answers are 503
    // (the clients then back off for the Retry-After second)
    server =
        GpenServer.start(
            ServerOptions.builder().port(0).maxBatch(8).workers(8).maxQueue(4).build(),
            restorer,
            detector);
    http = new Http(server.uri());
    for (int i = 0; i < 10; i++) {
      Path face = TestImages.face(i);
      inputs.add(Files.readAllBytes(face));
      try (Image image = Images.read(face);
          Mat flipped = new Mat()) {
        opencv_core.flip(image.bgr(), flipped, 1);
        inputs.add(TestImages.png(flipped.clone()));
      }
    }
    for (byte[] input : inputs) {
      HttpResponse<byte[]> r = http.post("/v1/restore", input, "image/png");
      assertEquals(200, r.statusCode(), Http.text(r));
      expected.add(decode(r.body()));
    }
  }

  @AfterAll
  void stop() {
    expected.forEach(Mat::close);
    if (server != null) {
      server.close();
    }
    if (detector != null) {
      detector.close();
    }
    if (restorer != null) {
      restorer.close();
    }
  }

  private static Mat decode(byte[] png) {
    try (Image image = Images.decode(png, "answer", 1_000_000)) {
      return image.bgr().clone();
    }
  }

  /** The pixels that differ from the restoration of input {@code i}, and by how much at most. */
  private int[] difference(Mat answer, int i) {
    Mat own = expected.get(i);
    if (answer.rows() != own.rows() || answer.cols() != own.cols()) {
      return new int[] {Integer.MAX_VALUE, 255};
    }
    try (Mat diff = new Mat();
        Mat one = new Mat();
        Mat mask = new Mat()) {
      opencv_core.absdiff(answer, own, diff);
      double max = opencv_core.norm(diff, opencv_core.NORM_INF, mask);
      try (Mat flat = diff.reshape(1, 0)) {
        return new int[] {opencv_core.countNonZero(flat), (int) max};
      }
    }
  }

  /**
   * One round of requests; returns the latencies of the 200s in ms, the 503s counted in {@code
   * refused}.
   */
  private List<Double> round(
      int requests, AtomicInteger refused, AtomicInteger mixedUp, AtomicInteger other)
      throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    AtomicInteger next = new AtomicInteger();
    List<Future<List<Double>>> work = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      work.add(
          clients.submit(
              () -> {
                List<Double> latencies = new ArrayList<>();
                for (int k; (k = next.getAndIncrement()) < requests; ) {
                  int input = k % inputs.size();
                  long t0 = System.nanoTime();
                  HttpResponse<byte[]> r = http.post("/v1/restore", inputs.get(input), "image/png");
                  double ms = (System.nanoTime() - t0) / 1e6;
                  if (r.statusCode() == 503) {
                    // answered: counted, and the client backs off as Retry-After asks (capped at 1
                    // s)
                    refused.incrementAndGet();
                    long wait = r.headers().firstValueAsLong("Retry-After").orElse(1);
                    Thread.sleep(Math.min(1000, 1000 * wait));
                    continue;
                  }
                  if (r.statusCode() != 200) {
                    other.incrementAndGet();
                    System.out.println("unexpected answer " + r.statusCode() + ": " + Http.text(r));
                    continue;
                  }
                  latencies.add(ms);
                  try (Mat answer = decode(r.body())) {
                    int[] own = difference(answer, input);
                    // batching changes libtorch's summation order: at most a few pixels one level
                    // apart,
                    // while any other input's restoration differs almost everywhere
                    if (own[1] > 2 || own[0] > answer.total() * 3 / 100) {
                      mixedUp.incrementAndGet();
                      System.out.println(
                          "request "
                              + k
                              + " (input "
                              + input
                              + "): "
                              + own[0]
                              + " samples differ, up to "
                              + own[1]);
                    }
                  }
                }
                return latencies;
              }));
    }
    List<Double> latencies = new ArrayList<>();
    for (Future<List<Double>> f : work) {
      latencies.addAll(f.get(10, TimeUnit.MINUTES));
    }
    clients.shutdown();
    return latencies;
  }

  private static double percentile(List<Double> sorted, double p) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100 * sorted.size()) - 1));
  }

  private static double metric(String text, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  @Test
  void twoHundredRequestsFromSixteenClients() throws Exception {
    // the inputs' restorations differ from each other almost everywhere (the check above can tell
    // them apart)
    for (int i = 1; i < expected.size(); i++) {
      assertTrue(
          difference(expected.get(0), i)[0] > expected.get(0).total(),
          "inputs 0 and " + i + " too alike");
    }
    System.gc();
    long nativeBefore = Pointer.totalBytes();
    long rssBefore = residentBytes();
    String metricsBefore = server.metrics();
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger mixedUp = new AtomicInteger();
    AtomicInteger other = new AtomicInteger();
    long t0 = System.nanoTime();
    List<Double> latencies = round(REQUESTS, refused, mixedUp, other);
    double seconds = (System.nanoTime() - t0) / 1e9;
    String metrics = server.metrics();

    assertEquals(0, other.get(), "every request is answered 200 or 503");
    assertEquals(REQUESTS, latencies.size() + refused.get(), "no request lost");
    assertEquals(0, mixedUp.get(), "each answer is its own input's restoration");
    assertTrue(latencies.size() >= CLIENTS, "most requests are served: " + latencies.size());
    double calls =
        metric(metrics, "gpen_batch_size_count") - metric(metricsBefore, "gpen_batch_size_count");
    double faces =
        metric(metrics, "gpen_batch_size_sum") - metric(metricsBefore, "gpen_batch_size_sum");
    assertEquals(latencies.size(), (int) faces, "one face restored per request served");
    assertTrue(
        faces > calls,
        "faces of concurrent requests shared model calls: "
            + faces
            + " faces in "
            + calls
            + " calls");
    // afterwards: idle, and every upload and encoded answer freed
    assertEquals(0, metric(metrics, "gpen_queue_depth"));
    assertEquals(0, metric(metrics, "gpen_requests_in_progress"));
    assertEquals(0, metric(metrics, "gpen_busy_pixels"));
    System.gc();
    Thread.sleep(200);
    long nativeAfter = Pointer.totalBytes();
    assertTrue(
        nativeAfter - nativeBefore < 4 << 20,
        "JavaCPP-allocated native memory back to its level: "
            + nativeBefore
            + " -> "
            + nativeAfter);

    List<Double> sorted = new ArrayList<>(latencies);
    sorted.sort(null);
    System.out.printf(
        Locale.ROOT,
        "load test: %d requests, %d clients: %d answered 200, %d answered 503 (queue"
            + " full); %.1f s, %.1f requests/s served; latency of the 200s p50 %.0f ms, p99 %.0f ms; %.0f faces in %.0f"
            + " model calls (%.2f per call); resident memory %d -> %d MB%n",
        REQUESTS,
        CLIENTS,
        latencies.size(),
        refused.get(),
        seconds,
        latencies.size() / seconds,
        percentile(sorted, 50),
        percentile(sorted, 99),
        faces,
        calls,
        faces / calls,
        rssBefore >> 20,
        residentBytes() >> 20);
  }

  @Test
  @Performance
  void residentMemoryStaysFlatUnderRepeatedLoad() throws Exception {
    AtomicInteger ignored = new AtomicInteger();
    round(REQUESTS, ignored, ignored, ignored);
    System.gc();
    long after1 = residentBytes();
    round(REQUESTS, ignored, ignored, ignored);
    round(REQUESTS, ignored, ignored, ignored);
    System.gc();
    long after3 = residentBytes();
    System.out.printf(
        Locale.ROOT,
        "resident memory after 1 round %d MB, after 3 rounds %d MB%n",
        after1 >> 20,
        after3 >> 20);
    assertTrue(
        after3 - after1 < 64L << 20,
        "resident memory grew by " + ((after3 - after1) >> 20) + " MB");
  }

  static long residentBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
      }
    }
    return -1;
  }
}
