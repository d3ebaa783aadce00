package io.gpen.server;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The service's metrics in the Prometheus text format (version 0.0.4), written by hand: requests by
 * endpoint and status, request latency, queue depth, requests at work, faces restored and the sizes
 * of the model's batches. Safe for concurrent use.
 */
final class ServerMetrics {
  /** Latency buckets in seconds. */
  private static final double[] LATENCY_BUCKETS = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60
  };

  /** The endpoints counted under their own name; any other path is {@code other}. */
  private final Set<String> endpoints;

  private final ConcurrentMap<String, LongAdder> requests = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Histogram> latency = new ConcurrentHashMap<>();
  private final Histogram batchSizes;
  private final LongAdder faces = new LongAdder();
  private final LongAdder modelNanos = new LongAdder();
  private final LongSupplier queueDepth;
  private final LongSupplier inProgress;
  private final LongSupplier busyPixels;

  /**
   * @param endpoints the paths labelled by name
   * @param maxBatch the largest batch (the batch-size buckets reach it)
   * @param queueDepth requests waiting for a worker, now
   * @param inProgress requests a worker holds, now
   * @param busyPixels pixels reserved by the images at work, now
   */
  ServerMetrics(
      Set<String> endpoints,
      int maxBatch,
      LongSupplier queueDepth,
      LongSupplier inProgress,
      LongSupplier busyPixels) {
    this.endpoints = Set.copyOf(endpoints);
    this.queueDepth = queueDepth;
    this.inProgress = inProgress;
    this.busyPixels = busyPixels;
    TreeSet<Double> bounds = new TreeSet<>();
    for (int b = 1; b < maxBatch; b *= 2) {
      bounds.add((double) b);
    }
    bounds.add((double) maxBatch);
    this.batchSizes = new Histogram(bounds.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /** The label a path is counted under. */
  String endpoint(String path) {
    return endpoints.contains(path) ? path : "other";
  }

  /** One request answered. */
  void request(String path, int status, double seconds) {
    String endpoint = endpoint(path);
    requests.computeIfAbsent(endpoint + "\u0000" + status, k -> new LongAdder()).increment();
    latency.computeIfAbsent(endpoint, k -> new Histogram(LATENCY_BUCKETS)).observe(seconds);
  }

  /** One model call on {@code size} faces, taking {@code nanos}. */
  void batch(int size, long nanos) {
    batchSizes.observe(size);
    faces.add(size);
    modelNanos.add(nanos);
  }

  /** The exposition, every family with its HELP and TYPE. */
  String render() {
    StringBuilder b = new StringBuilder(4096);
    b.append("# HELP gpen_requests_total HTTP requests answered, by endpoint and status.\n");
    b.append("# TYPE gpen_requests_total counter\n");
    Map<String, LongAdder> sorted = new TreeMap<>(requests);
    for (Map.Entry<String, LongAdder> e : sorted.entrySet()) {
      String[] parts = e.getKey().split("\u0000");
      b.append("gpen_requests_total{endpoint=\"")
          .append(escape(parts[0]))
          .append("\",status=\"")
          .append(parts[1])
          .append("\"} ")
          .append(e.getValue().sum())
          .append('\n');
    }
    b.append(
        "# HELP gpen_request_duration_seconds Time from a request's arrival to its answer, by endpoint.\n");
    b.append("# TYPE gpen_request_duration_seconds histogram\n");
    for (Map.Entry<String, Histogram> e : new TreeMap<>(latency).entrySet()) {
      e.getValue()
          .render(b, "gpen_request_duration_seconds", "endpoint=\"" + escape(e.getKey()) + "\"");
    }
    b.append("# HELP gpen_queue_depth Requests waiting for a worker.\n");
    b.append("# TYPE gpen_queue_depth gauge\n");
    b.append("gpen_queue_depth ").append(queueDepth.getAsLong()).append('\n');
    b.append(
        "# HELP gpen_requests_in_progress Requests a worker holds (decoding, detecting, restoring, encoding).\n");
    b.append("# TYPE gpen_requests_in_progress gauge\n");
    b.append("gpen_requests_in_progress ").append(inProgress.getAsLong()).append('\n');
    b.append(
        "# HELP gpen_busy_pixels Pixels reserved by the images being worked on (bounded by twice --max_pixels).\n");
    b.append("# TYPE gpen_busy_pixels gauge\n");
    b.append("gpen_busy_pixels ").append(busyPixels.getAsLong()).append('\n');
    b.append("# HELP gpen_faces_restored_total Faces restored by the model.\n");
    b.append("# TYPE gpen_faces_restored_total counter\n");
    b.append("gpen_faces_restored_total ").append(faces.sum()).append('\n');
    b.append("# HELP gpen_model_seconds_total Time spent in model calls.\n");
    b.append("# TYPE gpen_model_seconds_total counter\n");
    b.append("gpen_model_seconds_total ").append(number(modelNanos.sum() / 1e9)).append('\n');
    b.append("# HELP gpen_batch_size Faces per model call.\n");
    b.append("# TYPE gpen_batch_size histogram\n");
    batchSizes.render(b, "gpen_batch_size", "");
    b.append("# HELP gpen_model_loaded Whether the restoration model is loaded (1) or not (0).\n");
    b.append("# TYPE gpen_model_loaded gauge\n");
    b.append("gpen_model_loaded 1\n");
    return b.toString();
  }

  private static String escape(String label) {
    return label.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  static String number(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return Double.toString(v);
  }

  /** A cumulative histogram with fixed upper bounds. */
  static final class Histogram {
    private final double[] bounds;
    private final LongAdder[] counts;
    private final LongAdder count = new LongAdder();
    private final DoubleAdder sum = new DoubleAdder();

    Histogram(double[] bounds) {
      this.bounds = bounds.clone();
      this.counts = new LongAdder[bounds.length];
      for (int i = 0; i < counts.length; i++) {
        counts[i] = new LongAdder();
      }
    }

    void observe(double value) {
      for (int i = 0; i < bounds.length; i++) {
        if (value <= bounds[i]) {
          counts[i].increment();
          break;
        }
      }
      count.increment();
      sum.add(value);
    }

    void render(StringBuilder b, String name, String labels) {
      String sep = labels.isEmpty() ? "" : labels + ",";
      long cumulative = 0;
      for (int i = 0; i < bounds.length; i++) {
        cumulative += counts[i].sum();
        b.append(name)
            .append("_bucket{")
            .append(sep)
            .append("le=\"")
            .append(number(bounds[i]))
            .append("\"} ")
            .append(cumulative)
            .append('\n');
      }
      long total = Math.max(count.sum(), cumulative);
      b.append(name)
          .append("_bucket{")
          .append(sep)
          .append("le=\"+Inf\"} ")
          .append(total)
          .append('\n');
      String suffix = labels.isEmpty() ? "" : "{" + labels + "}";
      b.append(name)
          .append("_sum")
          .append(suffix)
          .append(' ')
          .append(number(sum.sum()))
          .append('\n');
      b.append(name).append("_count").append(suffix).append(' ').append(total).append('\n');
    }
  }
}
