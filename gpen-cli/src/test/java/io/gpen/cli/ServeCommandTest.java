package io.gpen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.ChildJvm;
import io.gpen.SharedData;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code gpen serve} as a process: port 0, the printed address, a restore, and SIGTERM. */
class ServeCommandTest {
  @Test
  void servesOnAFreePortAndStopsOnSigterm() throws Exception {
    Process p =
        ChildJvm.start(
            ChildJvm.of(
                Main.class,
                List.of("-Xmx1g"),
                "serve",
                "-w",
                SharedData.require("golden/gpen64.pth").toString(),
                "--detector_weights",
                SharedData.require("models/retinaface_mobilenet0.25.pth").toString(),
                "--port",
                "0",
                "--max_batch",
                "4"));
    StringBuffer output = new StringBuffer();
    // read the child's output on a thread of its own: destroy() closes the streams of this side
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                  output.append(line).append('\n');
                }
              } catch (java.io.IOException closed) {
                // the process ended
              }
            });
    reader.start();
    try {
      URI uri = null;
      Pattern listening =
          Pattern.compile(
              "gpen serve: listening on (http://127\\.0\\.0\\.1:\\d+/) \\(max batch 4, 8 workers");
      for (int i = 0; i < 1200 && uri == null && p.isAlive(); i++) {
        Matcher m = listening.matcher(output);
        if (m.find()) {
          uri = URI.create(m.group(1));
        } else {
          Thread.sleep(50);
        }
      }
      assertNotNull(uri, "no address printed:\n" + output);
      assertTrue(uri.getPort() > 0);
      HttpClient client = HttpClient.newHttpClient();
      HttpResponse<String> health =
          client.send(
              HttpRequest.newBuilder(uri.resolve("healthz")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode(), health.body());
      HttpResponse<byte[]> restored =
          client.send(
              HttpRequest.newBuilder(uri.resolve("v1/restore"))
                  .header("Content-Type", "image/png")
                  .POST(
                      HttpRequest.BodyPublishers.ofByteArray(
                          Files.readAllBytes(SharedData.require("faces/ffhq256/00000.png"))))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, restored.statusCode());
      assertEquals("1", restored.headers().firstValue("X-Gpen-Faces").orElse(""));

      p.toHandle()
          .destroy(); // SIGTERM, leaving this side's streams open (Process.destroy closes them)
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "serve did not stop on SIGTERM");
      reader.join(10_000);
      assertTrue(output.toString().contains("gpen serve: shutting down"), output.toString());
      assertTrue(output.toString().contains("gpen serve: stopped"), output.toString());
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void listsItsOptions() {
    StringWriter out = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    assertEquals(0, cl.execute("serve", "--help"));
    for (String option :
        List.of(
            "--host",
            "--port",
            "--max_batch",
            "--max_queue",
            "--max_upload_mb",
            "--max_pixels",
            "--timeout_s",
            "--alpha",
            "--aligned",
            "--detector",
            "--workers",
            "--batch_wait_ms",
            "--mask",
            "--parse_weights",
            "--use_sr",
            "--sr_scale",
            "--sr_weights",
            "--tile_size",
            "--engine")) {
      assertTrue(out.toString().contains(option), option + " in\n" + out);
    }
  }

  @Test
  void badSettingsAreOneLineNamingTheFlag() {
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setErr(new PrintWriter(err, true));
    assertEquals(
        1,
        cl.execute(
            "serve", "-w", SharedData.require("golden/gpen64.pth").toString(), "--max_batch", "0"));
    assertEquals("gpen serve: error: --max_batch must be at least 1, got 0\n", err.toString());
    StringWriter tile = new StringWriter();
    cl.setErr(new PrintWriter(tile, true));
    assertEquals(
        1,
        cl.execute(
            "serve",
            "-w",
            SharedData.require("golden/gpen64.pth").toString(),
            "--tile_size",
            "64"));
    assertEquals(
        "gpen serve: error: --tile_size applies with --use_sr, --sr_scale or --sr_weights\n",
        tile.toString());
  }
}
