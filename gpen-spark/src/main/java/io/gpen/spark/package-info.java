/**
 * GPEN on Apache Spark: {@link io.gpen.spark.GpenSpark}, the application that {@code spark-submit}
 * runs and {@code ./gpen spark} runs in one JVM, restores an archive of photos ({@code
 * SparkRestoration}: the executors read, decode, restore, encode and write each input, with a
 * Parquet manifest of one row per input) or evaluates a test set as {@code gpen test} does ({@code
 * SparkEvaluation}: per-partition parts of the evaluation merged on the driver). Each executor JVM
 * loads the networks once ({@code ExecutorNetworks}); files are written through the Hadoop file
 * system API to temporary names and renamed ({@code HadoopFiles}).
 */
package io.gpen.spark;
