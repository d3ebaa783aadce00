package io.gpen.spark;

import java.util.Map;

/**
 * The job's flags for the parameters that the library's messages name ({@link
 * io.gpen.BadParameter}).
 */
final class Flags {
  private static final Map<String, String> FLAGS =
      Map.ofEntries(
          Map.entry("weights", "--weights"),
          Map.entry("key", "--key"),
          Map.entry("size", "--size"),
          Map.entry("precision", "--precision"),
          Map.entry("input", "--input"),
          Map.entry("output", "--output"),
          Map.entry("alpha", "--alpha"),
          Map.entry("batchSize", "--batch_size"),
          Map.entry("mask", "--mask"),
          Map.entry("parserWeights", "--parse_weights"),
          Map.entry("detectorWeights", "--detector_weights"),
          Map.entry("srScale", "--sr_scale"),
          Map.entry("srWeights", "--sr_weights"),
          Map.entry("tileSize", "--tile_size"),
          Map.entry("inception", "--inception"),
          Map.entry("lpips", "--lpips"),
          Map.entry("lpipsTrunk", "--lpips_trunk"),
          Map.entry("identityWeights", "--id_weights"),
          Map.entry("partitions", "--partitions"),
          Map.entry("threads", "spark.task.cpus"));

  private Flags() {}

  /** The flag of a library parameter, or the parameter's name where the job has no such flag. */
  static String of(String parameter) {
    return FLAGS.getOrDefault(parameter, parameter);
  }
}
