package io.gpen.workflow;

import io.gpen.image.OutputPaths;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How restored images are named after their inputs, and which files of an input folder are earlier
 * outputs (left out when the folder is restored again).
 */
public enum OutputNaming {
  /**
   * {@code <name>_predict.png}, as GPEN's {@code predict.py}; earlier {@code *_predict} outputs are
   * left out.
   */
  PREDICT("_predict", List.of("_predict")),
  /**
   * {@code <name>_predict_infer.png} and, for an evaluation, {@code <name>_predict_infer_lq.png}
   * (the degraded input), as GPEN's {@code infer.py}; earlier outputs of both and of {@link
   * #PREDICT} are left out.
   */
  INFER("_predict_infer", List.of("_predict_infer", "_predict_infer_lq", "_predict"));

  /** What the name of a restored image's degraded input adds to the restored image's name. */
  private static final String DEGRADED = "_lq";

  private final String suffix;
  private final List<String> earlierOutputs;

  OutputNaming(String suffix, List<String> earlierOutputs) {
    this.suffix = suffix;
    this.earlierOutputs = earlierOutputs;
  }

  /** What a restored image's name adds to its input's, before {@code .png}. */
  public String suffix() {
    return suffix;
  }

  /** Whether {@code file} is an earlier output, by its name. */
  public boolean isEarlierOutput(Path file) {
    String stem = OutputPaths.stem(file);
    return earlierOutputs.stream().anyMatch(stem::endsWith);
  }

  /**
   * The earlier outputs in words, e.g. {@code *_predict_infer, *_predict_infer_lq or *_predict}.
   */
  String earlierOutputsText() {
    List<String> patterns = new ArrayList<>();
    for (String s : earlierOutputs) {
      patterns.add("*" + s);
    }
    int last = patterns.size() - 1;
    return last == 0
        ? patterns.get(0)
        : String.join(", ", patterns.subList(0, last)) + " or " + patterns.get(last);
  }

  /**
   * Where the degraded input of the restored image {@code restored} goes: beside it, {@code _lq}
   * added.
   */
  public static Path degradedInput(Path restored) {
    return restored.resolveSibling(OutputPaths.stem(restored) + DEGRADED + ".png");
  }
}
