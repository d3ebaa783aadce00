package io.gpen.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gpen.metrics.MetricResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** metrics.json, index.html and the table from one hand-made evaluation. */
class ReportsTest {
  @TempDir Path dir;

  private static final List<String> NAMES = List.of("a <b> & \"c\".png", "sub/d #1?.png");

  private static Evaluation evaluation() {
    Map<Metric, Evaluation.Scores> s = new LinkedHashMap<>();
    s.put(
        Metric.PSNR,
        new Evaluation.Scores(
            perImage("PSNR", 20.0, 22.0), perImage("PSNR", Double.POSITIVE_INFINITY, 30.0)));
    s.put(
        Metric.SSIM,
        new Evaluation.Scores(perImage("SSIM", 0.5, 0.25), perImage("SSIM", 0.75, 0.5)));
    s.put(Metric.LPIPS, Evaluation.Scores.skipped(Metric.LPIPS, "no LPIPS weights given"));
    s.put(
        Metric.FID,
        new Evaluation.Scores(
            MetricResult.ofSet("FID", 150.5, "2 images"),
            MetricResult.ofSet("FID", 50.25, "2 images")));
    s.put(
        Metric.IDENTITY,
        Evaluation.Scores.skipped(Metric.IDENTITY, "no face embedding weights given"));
    return new Evaluation(NAMES, s, Map.of());
  }

  private static MetricResult perImage(String name, double a, double b) {
    double mean = Double.isFinite(a) ? (a + b) / 2 : b;
    return new MetricResult(name, OptionalDouble.of(mean), List.of(a, b), "mean");
  }

  @Test
  void tableHasARowPerMetricAndTheSkipReasons() {
    List<String> lines = evaluation().table(true).lines().toList();
    assertEquals(6, lines.size());
    assertTrue(lines.get(0).matches("metric\\s+degraded input\\s+restored"), lines.get(0));
    assertTrue(lines.get(1).matches("PSNR \u2191\\s+21\\.0000\\s+30\\.0000"), lines.get(1));
    assertTrue(
        lines.get(3).matches("LPIPS \u2193\\s+skipped \\(no LPIPS weights given\\)"), lines.get(3));
    assertTrue(lines.get(4).matches("FID \u2193\\s+150\\.5000\\s+50\\.2500"), lines.get(4));
    // the columns line up
    assertEquals(lines.get(0).indexOf("degraded"), lines.get(1).indexOf("21."));
    assertEquals(lines.get(0).indexOf("restored"), lines.get(1).indexOf("30."));
    assertTrue(evaluation().table(false).contains("SSIM (higher)"));
  }

  @Test
  void jsonHoldsBothColumnsPerImageValuesAndSkipReasons() throws IOException {
    Path file = dir.resolve("out/metrics.json");
    Reports.writeJson(file, evaluation(), Map.of("size", 64), 100, Map.of("files", 2));
    JsonNode json = new ObjectMapper().readTree(file.toFile());
    assertEquals(64, json.at("/config/size").asInt());
    assertEquals(100, json.at("/seed").asInt());
    assertEquals(2, json.at("/counts/files").asInt());
    assertEquals(21.0, json.at("/metrics/PSNR/degraded/value").asDouble());
    assertEquals("higher", json.at("/metrics/PSNR/better").asText());
    assertEquals("lower", json.at("/metrics/FID/better").asText());
    assertEquals(50.25, json.at("/metrics/FID/restored/value").asDouble());
    assertEquals("no LPIPS weights given", json.at("/metrics/LPIPS/skipped").asText());
    JsonNode first = json.at("/images/0");
    assertEquals(NAMES.get(0), first.get("name").asText());
    assertEquals(20.0, first.at("/PSNR/degraded").asDouble());
    assertEquals(
        "Infinity", first.at("/PSNR/restored").asText(), "an infinite PSNR stays valid JSON");
    assertEquals(0.75, first.at("/SSIM/restored").asDouble());
    assertFalse(first.has("FID") || first.has("LPIPS") || first.has("identity"));
    assertEquals(22.0, json.at("/images/1/PSNR/degraded").asDouble());
  }

  @Test
  void pageEscapesNamesAndLinksTheTriplets() throws IOException {
    Path file = dir.resolve("index.html");
    List<String> triplets = List.of("triplets/a <b> & \"c\".png", "triplets/sub/d #1?.png");
    Reports.writeHtml(file, evaluation(), "gpen test", List.of("model <x>"), triplets, 64);
    String html = Files.readString(file);
    assertTrue(html.startsWith("<!DOCTYPE html>"));
    assertFalse(html.contains("<script"));
    assertTrue(html.contains("<p>model &lt;x&gt;</p>"), html);
    assertTrue(html.contains("<td class=\"name\">a &lt;b&gt; &amp; &quot;c&quot;.png</td>"), html);
    assertTrue(html.contains("src=\"triplets/a%20%3Cb%3E%20%26%20%22c%22.png\""), html);
    assertTrue(html.contains("src=\"triplets/sub/d%20%231%3F.png\""), html);
    assertTrue(html.contains("width=\"768\" height=\"256\""), "64 px faces shown at 256: " + html);
    assertTrue(html.contains("20.0000 &rarr; inf"), html);
    assertTrue(html.contains("<td colspan=\"2\">skipped (no LPIPS weights given)</td>"), html);
    assertFalse(html.contains("<th>LPIPS<br>"), "no per-image column for a skipped metric");
  }
}
