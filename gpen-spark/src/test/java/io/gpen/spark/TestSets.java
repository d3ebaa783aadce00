package io.gpen.spark;

import static org.bytedeco.opencv.global.opencv_core.flip;

import io.gpen.SharedData;
import io.gpen.image.Images;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.bytedeco.opencv.opencv_core.Mat;

/** The test data of the Spark jobs and the local session they run in. */
final class TestSets {
  private TestSets() {}

  /**
   * Writes 20 aligned faces into {@code dir}: the 10 FFHQ faces of {@code ../shared/faces/ffhq256}
   * ({@code face00..09.png}) and their mirror images ({@code face10..19.png}).
   */
  static Path twentyFaces(Path dir) {
    Path ffhq = SharedData.require("faces/ffhq256");
    try {
      Files.createDirectories(dir);
      for (int i = 0; i < 10; i++) {
        Path source = ffhq.resolve(String.format("%05d.png", i));
        Files.copy(source, dir.resolve(String.format("face%02d.png", i)));
        try (Mat face = org.bytedeco.opencv.global.opencv_imgcodecs.imread(source.toString());
            Mat mirrored = new Mat()) {
          flip(face, mirrored, 1);
          Images.write(dir.resolve(String.format("face%02d.png", i + 10)), mirrored);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  /** A local session on two cores, on 127.0.0.1, without the web UI. */
  static SparkSession localSpark() {
    return SparkSession.builder()
        .appName("gpen-spark tests")
        .master("local[2]")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate();
  }
}
