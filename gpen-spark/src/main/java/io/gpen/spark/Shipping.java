package io.gpen.spark;

import io.gpen.GpenException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkFiles;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The network files a job sends to its executors ({@link SparkContext#addFile}): the driver ships
 * each local file once and names it by its file name; an executor finds its copy with {@link
 * #local}.
 */
final class Shipping {
  private final SparkContext sc;
  private final Map<String, Path> shipped = new HashMap<>();

  Shipping(SparkContext sc) {
    this.sc = sc;
  }

  /**
   * Ships a local file (once); returns the name executors find it by, or null for null.
   *
   * @throws GpenException where another file of the same name is shipped already
   */
  String ship(String localFile) {
    if (localFile == null) {
      return null;
    }
    Path file = Path.of(localFile).toAbsolutePath().normalize();
    if (!Files.isRegularFile(file)) {
      throw new GpenException("cannot ship " + file + " to the executors: not a file");
    }
    String name = file.getFileName().toString();
    Path earlier = shipped.putIfAbsent(name, file);
    if (earlier != null && !earlier.equals(file)) {
      throw new GpenException(
          "two network files are both named "
              + name
              + " ("
              + earlier
              + " and "
              + file
              + "); the executors find shipped files by name: rename one");
    }
    // a session that runs several jobs ships a file once
    if (earlier == null
        && !CollectionConverters.asJava(sc.listFiles())
            .contains(file.toFile().toURI().toString())) {
      sc.addFile(file.toString());
    }
    return name;
  }

  /** Where a shipped file is on this executor (null for null). */
  static String local(String name) {
    return name == null ? null : SparkFiles.get(name);
  }
}
