package io.gpen.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gpen.metrics.MetricResult;
import io.gpen.util.AtomicFiles;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes an {@link Evaluation} as {@code metrics.json} and as a static {@code index.html} page.
 *
 * <p>Both list the evaluation's metrics in its order, each under its {@link Metric#label()}: the
 * built-in five of {@code gpen test}, then any metric of one's own ({@link Scorer}), which thus
 * reaches every report without a change to the format; a per-image one also gets a value per image.
 */
public final class Reports {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Reports() {}

  /**
   * Writes the evaluation as JSON: {@code config}, {@code seed}, {@code counts}, {@code metrics}
   * (per metric: which direction is better, then the {@code degraded} and {@code restored} values
   * with their notes, or {@code skipped} with the reason) and {@code images} (per image: its name
   * and the degraded and restored value of every per-image metric that ran). An infinite PSNR (an
   * image equal to its real face) is written as the string {@code "Infinity"}.
   *
   * @param config the settings of the run (values Jackson can write)
   * @param counts how many files, images and so on
   */
  public static void writeJson(
      Path file, Evaluation e, Map<String, ?> config, long seed, Map<String, ?> counts) {
    byte[] json = json(e, config, seed, counts);
    AtomicFiles.write(file, json);
  }

  /**
   * The bytes {@link #writeJson} writes, for a writer of its own (e.g. to a Hadoop file system).
   */
  public static byte[] json(Evaluation e, Map<String, ?> config, long seed, Map<String, ?> counts) {
    ObjectNode root = JSON.createObjectNode();
    root.set("config", JSON.valueToTree(config));
    root.put("seed", seed);
    root.set("counts", JSON.valueToTree(counts));
    List<Metric> all = e.metrics();
    ObjectNode metrics = root.putObject("metrics");
    for (Metric m : all) {
      Evaluation.Scores s = e.scores(m);
      ObjectNode node = metrics.putObject(m.label());
      node.put("better", m.higherIsBetter() ? "higher" : "lower");
      if (s.isSkipped()) {
        node.put("skipped", s.restored().note());
      } else {
        putResult(node.putObject("degraded"), s.degraded());
        putResult(node.putObject("restored"), s.restored());
      }
    }
    ArrayNode images = root.putArray("images");
    for (int i = 0; i < e.count(); i++) {
      ObjectNode image = images.addObject();
      image.put("name", e.names().get(i));
      for (Metric m : all) {
        Evaluation.Scores s = e.scores(m);
        if (m.perImage() && !s.isSkipped()) {
          ObjectNode v = image.putObject(m.label());
          v.put("degraded", s.degraded().perImage().get(i));
          v.put("restored", s.restored().perImage().get(i));
        }
      }
    }
    try {
      return JSON.writeValueAsBytes(root);
    } catch (JsonProcessingException ex) {
      throw new IllegalStateException("evaluation not serialisable as JSON", ex);
    }
  }

  private static void putResult(ObjectNode node, MetricResult r) {
    if (r.isSkipped()) {
      node.put("skipped", r.note());
    } else {
      node.put("value", r.value().getAsDouble());
      node.put("note", r.note());
    }
  }

  /**
   * Writes a static page (inline style, no scripts): a heading, the lines of {@code summary}, the
   * table of every metric, then one row per image with its triplet image (low quality | restored |
   * real) and its per-image scores, degraded → restored.
   *
   * @param title the page's title and heading
   * @param summary lines describing the run, as plain text
   * @param triplets the path of each image's triplet relative to the page's folder, '/' between
   *     parts, in the order of {@link Evaluation#names()}
   * @param size the side of one face in the triplets, in pixels; the page shows each face at 256 to
   *     512 pixels (small faces enlarged without smoothing, large ones reduced)
   */
  public static void writeHtml(
      Path file,
      Evaluation e,
      String title,
      List<String> summary,
      List<String> triplets,
      int size) {
    if (triplets.size() != e.count()) {
      throw new IllegalArgumentException(
          e.count() + " images but " + triplets.size() + " triplets");
    }
    List<Metric> all = e.metrics();
    List<Metric> perImage =
        all.stream().filter(m -> m.perImage() && !e.scores(m).isSkipped()).toList();
    int shown = Math.min(Math.max(size, 256), 512);
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
        .append(html(title))
        .append("</title>\n<style>\n")
        .append("body{font-family:sans-serif;margin:1.5em;color:#222}\n")
        .append("table{border-collapse:collapse;margin-bottom:1.5em}\n")
        .append("th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}\n")
        .append("th{background:#f0f0f0}\n")
        .append("td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n")
        .append("img{display:block;image-rendering:pixelated}\n")
        .append(".name{font-family:monospace;word-break:break-all;max-width:16em}\n")
        .append("</style>\n</head>\n<body>\n<h1>")
        .append(html(title))
        .append("</h1>\n");
    for (String line : summary) {
      h.append("<p>").append(html(line)).append("</p>\n");
    }
    h.append(
        "<table>\n<tr><th>metric</th><th>better</th><th>degraded input</th><th>restored</th></tr>\n");
    for (Metric m : all) {
      Evaluation.Scores s = e.scores(m);
      h.append("<tr><td>")
          .append(html(m.label()))
          .append("</td><td>")
          .append(m.higherIsBetter() ? "higher" : "lower")
          .append("</td>");
      if (s.isSkipped()) {
        h.append("<td colspan=\"2\">skipped (").append(html(s.restored().note())).append(")</td>");
      } else {
        h.append(cell(s.degraded())).append(cell(s.restored()));
      }
      h.append("</tr>\n");
    }
    h.append(
        "</table>\n<table>\n<tr><th>#</th><th>image</th><th>low quality | restored | real</th>");
    for (Metric m : perImage) {
      h.append("<th>").append(html(m.label())).append("<br>degraded &rarr; restored</th>");
    }
    h.append("</tr>\n");
    for (int i = 0; i < e.count(); i++) {
      h.append("<tr><td class=\"num\">")
          .append(i + 1)
          .append("</td><td class=\"name\">")
          .append(html(e.names().get(i)))
          .append("</td><td><img src=\"")
          .append(html(link(triplets.get(i))))
          .append("\" width=\"")
          .append(3 * shown)
          .append("\" height=\"")
          .append(shown)
          .append("\" loading=\"lazy\" alt=\"")
          .append(html(e.names().get(i)))
          .append("\"></td>");
      for (Metric m : perImage) {
        Evaluation.Scores s = e.scores(m);
        h.append("<td class=\"num\">")
            .append(Evaluation.format(s.degraded().perImage().get(i)))
            .append(" &rarr; ")
            .append(Evaluation.format(s.restored().perImage().get(i)))
            .append("</td>");
      }
      h.append("</tr>\n");
    }
    h.append("</table>\n</body>\n</html>\n");
    AtomicFiles.write(file, temp -> Files.writeString(temp, h, StandardCharsets.UTF_8));
  }

  private static String cell(MetricResult r) {
    return r.isSkipped()
        ? "<td>skipped (" + html(r.note()) + ")</td>"
        : "<td class=\"num\" title=\""
            + html(r.note())
            + "\">"
            + Evaluation.format(r.value().getAsDouble())
            + "</td>";
  }

  /**
   * A relative path as a URL path: each part percent-encoded (spaces, '#', '?', '%', non-ASCII).
   */
  static String link(String relative) {
    StringBuilder sb = new StringBuilder();
    for (String part : relative.split("/", -1)) {
      if (sb.length() > 0) {
        sb.append('/');
      }
      sb.append(URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return sb.toString();
  }

  /** Text or an attribute value escaped for HTML. */
  static String html(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }
}
