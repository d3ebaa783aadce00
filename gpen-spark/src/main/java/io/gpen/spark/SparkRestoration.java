package io.gpen.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;

import io.gpen.BadParameter;
import io.gpen.GpenException;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.image.OutputPaths;
import io.gpen.registry.ModelRegistry;
import io.gpen.workflow.PhotoPipeline;
import io.gpen.workflow.PhotoRestoration;
import io.gpen.workflow.WorkflowListener;
import java.io.IOException;
import java.io.Serializable;
import java.util.Iterator;
import java.util.Objects;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.bytedeco.javacpp.BytePointer;

/**
 * The restoration job: every file of the input (a Hadoop URI or glob, listed by Spark's {@code
 * binaryFile} source without its content) restored by {@link PhotoPipeline} in the executors, its
 * files written into the output folder under the names {@code gpen restore} gives them, and one
 * manifest row per input ({@link #MANIFEST}, Parquet).
 *
 * <p>Each executor JVM loads the networks once ({@link ExecutorNetworks}) and its tasks share them;
 * a task reads each input into native memory, decodes, restores and encodes it, and writes each
 * file to a temporary name in the output folder and renames it ({@link HadoopFiles}), the restored
 * photo last. So a retried or speculative task never leaves a partial file, and a restored photo
 * whose file exists has all its files. An input whose restored photo exists is skipped unless
 * {@code overwrite}. An input that cannot be read or restored (corrupt, not an image, too large) is
 * an error row; the job goes on. Two inputs whose outputs would have the same name (a.png and
 * a.jpg, or one name in two folders of a glob): the first by path is restored, the others are error
 * rows.
 */
final class SparkRestoration {
  /** The manifest's columns: one row per input. */
  static final StructType MANIFEST =
      new StructType()
          .add("path", DataTypes.StringType, false)
          .add("output", DataTypes.StringType, true)
          .add("status", DataTypes.StringType, false)
          .add("faces", DataTypes.IntegerType, true)
          .add("size", DataTypes.LongType, false)
          .add("seconds", DataTypes.DoubleType, true)
          .add("error", DataTypes.StringType, true);

  /** Manifest statuses. */
  static final String OK = "ok";

  static final String SKIPPED = "skipped";
  static final String ERROR = "error";

  /** The manifest's folder inside the output folder when none is given. */
  static final String MANIFEST_FOLDER = "_manifest";

  private SparkRestoration() {}

  /**
   * Where to read and write.
   *
   * @param input a Hadoop URI or glob of the inputs
   * @param output the output folder's URI (created when missing)
   * @param manifest the manifest's URI; null: {@code <output>/_manifest}
   * @param overwrite whether inputs whose restored photo exists are restored again
   * @param partitions how many tasks share the inputs; 0: four per core of the application
   * @param javacppCacheDir JavaCPP's cache folder on the executors; null: their default
   */
  record Job(
      String input,
      String output,
      String manifest,
      boolean overwrite,
      int partitions,
      String javacppCacheDir) {
    Job {
      Objects.requireNonNull(input, "input");
      Objects.requireNonNull(output, "output");
      if (partitions < 0) {
        throw BadParameter.of("partitions", "must be 0 (four per core) or more, got " + partitions);
      }
    }
  }

  /**
   * What the job did.
   *
   * @param restored inputs restored
   * @param skipped inputs whose outputs existed
   * @param failed error rows
   * @param faces faces restored
   * @param seconds wall time of the job, listing to manifest
   * @param manifest the manifest's URI
   */
  record Result(
      long restored, long skipped, long failed, long faces, double seconds, String manifest) {}

  /**
   * Runs the job.
   *
   * @throws GpenException naming the input, output or network at fault
   */
  static Result run(
      SparkSession spark, PhotoPipeline.Settings settings, Job job, WorkflowListener listener) {
    long start = System.nanoTime();
    HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
    Path outputDir = new Path(job.output());
    String manifest =
        job.manifest() != null ? job.manifest() : new Path(outputDir, MANIFEST_FOLDER).toString();
    try {
      FileSystem fs = files.fileSystem(outputDir);
      outputDir = fs.makeQualified(outputDir);
      fs.mkdirs(outputDir);
      if (!fs.getFileStatus(outputDir).isDirectory()) {
        throw BadParameter.of("output", job.output() + ": not a folder");
      }
    } catch (IOException e) {
      throw new BadParameter(
          names ->
              names.apply("output")
                  + " "
                  + job.output()
                  + ": cannot create the folder: "
                  + HadoopFiles.reason(e),
          e);
    }
    PhotoPipeline.Settings resolved = settings.resolve(ModelRegistry.defaultRegistry(), listener);
    PipelineSpec spec = PipelineSpec.ship(resolved, new Shipping(spark.sparkContext()));
    ExecutorNetworks<PipelineSpec, PhotoPipeline> networks =
        new ExecutorNetworks<>(spec, PipelineSpec::open, job.javacppCacheDir());

    int partitions =
        job.partitions() > 0 ? job.partitions() : 4 * spark.sparkContext().defaultParallelism();
    String attempts = "gpen-" + spark.sparkContext().applicationId();
    Dataset<Row> inputs = list(spark, files, job.input());
    WindowSpec byStem = Window.partitionBy("stem").orderBy("path");
    Dataset<Row> work =
        inputs
            .withColumn("rank", row_number().over(byStem))
            .withColumn("first", first("path").over(byStem))
            .repartition(partitions, col("path"));
    Restore restore = new Restore(networks, files, outputDir.toString(), job.overwrite(), attempts);
    try {
      work.mapPartitions(restore, Encoders.row(MANIFEST))
          .write()
          .mode(SaveMode.Overwrite)
          .parquet(manifest);
    } finally {
      if (spark.sparkContext().isLocal()) {
        networks.release();
      }
      try {
        files.deleteTemporaryFiles(outputDir, attempts);
      } catch (IOException e) {
        listener.warning(
            "cannot remove temporary files from " + outputDir + ": " + HadoopFiles.reason(e));
      }
    }
    long[] counts = new long[3];
    long faces = 0;
    for (Row r :
        spark
            .read()
            .parquet(manifest)
            .groupBy("status")
            .agg(count("*"), sum("faces"))
            .collectAsList()) {
      String status = r.getString(0);
      int k = status.equals(OK) ? 0 : status.equals(SKIPPED) ? 1 : 2;
      counts[k] = r.getLong(1);
      faces += r.isNullAt(2) ? 0 : r.getLong(2);
    }
    return new Result(
        counts[0], counts[1], counts[2], faces, (System.nanoTime() - start) / 1e9, manifest);
  }

  /**
   * The inputs: path, length and output stem of every file the URI or glob names, earlier outputs
   * left out (the binary content is not read here).
   */
  private static Dataset<Row> list(SparkSession spark, HadoopFiles hadoop, String input) {
    try {
      Path pattern = new Path(input);
      FileStatus[] matches = hadoop.fileSystem(pattern).globStatus(pattern);
      if (matches == null || matches.length == 0) {
        throw BadParameter.of("input", input + ": no such file or folder");
      }
    } catch (IOException e) {
      throw new BadParameter(
          names -> names.apply("input") + " " + input + ": " + HadoopFiles.reason(e), e);
    }
    Dataset<Row> files =
        spark.read().format("binaryFile").load(input).select(col("path"), col("length"));
    UserDefinedFunction stem =
        udf(
            (UDF1<String, String>)
                path -> OutputPaths.stem(java.nio.file.Path.of(new Path(path).getName())),
            DataTypes.StringType);
    UserDefinedFunction isOutput =
        udf(
            (UDF1<String, Boolean>) path -> PhotoRestoration.isOutputName(new Path(path).getName()),
            DataTypes.BooleanType);
    return files
        .filter(not(isOutput.apply(col("path"))))
        .withColumn("stem", stem.apply(col("path")));
  }

  /** The work of one partition: each input restored and written, one manifest row each. */
  static final class Restore implements MapPartitionsFunction<Row, Row>, Serializable {
    private static final long serialVersionUID = 1L;

    private final ExecutorNetworks<PipelineSpec, PhotoPipeline> networks;
    private final HadoopFiles files;
    private final String outputDir;
    private final boolean overwrite;
    private final String attempts;

    Restore(
        ExecutorNetworks<PipelineSpec, PhotoPipeline> networks,
        HadoopFiles files,
        String outputDir,
        boolean overwrite,
        String attempts) {
      this.networks = networks;
      this.files = files;
      this.outputDir = outputDir;
      this.overwrite = overwrite;
      this.attempts = attempts;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      TaskContext task = TaskContext.get();
      String attempt =
          attempts + "-" + task.stageId() + "-" + task.partitionId() + "-" + task.attemptNumber();
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public Row next() {
          return restore(rows.next(), attempt);
        }
      };
    }

    private Row restore(Row in, String attempt) {
      String path = in.getAs("path");
      long size = in.<Long>getAs("length");
      String stem = in.getAs("stem");
      Path target = new Path(new Path(outputDir), stem + PhotoRestoration.SUFFIX + ".png");
      if (in.<Integer>getAs("rank") > 1) {
        return RowFactory.create(
            path,
            null,
            ERROR,
            null,
            size,
            null,
            "its output "
                + target.getName()
                + " is also that of "
                + in.getAs("first")
                + ", which is restored instead");
      }
      long start = System.nanoTime();
      try {
        if (!overwrite && files.fileSystem(target).exists(target)) {
          return RowFactory.create(path, target.toString(), SKIPPED, null, size, null, null);
        }
      } catch (IOException e) {
        return error(path, size, start, "cannot check " + target + ": " + HadoopFiles.reason(e));
      }
      // loaded by the first input to restore; a failure here is the job's, not the input's
      PhotoPipeline pipeline = networks.get();
      Path source = new Path(path);
      try (BytePointer bytes = files.read(source);
          Image image = Images.decode(bytes, path, Images.DEFAULT_MAX_PIXELS);
          PhotoPipeline.Restored restored = pipeline.restore(image, stem, source.getName())) {
        for (PhotoPipeline.OutputFile f : restored.files()) {
          files.writeAtomically(new Path(new Path(outputDir), f.name()), f.buffer(), attempt);
        }
        return RowFactory.create(
            path,
            target.toString(),
            OK,
            restored.faces(),
            size,
            (System.nanoTime() - start) / 1e9,
            null);
      } catch (GpenException e) {
        return error(
            path,
            size,
            start,
            e instanceof BadParameter bad ? bad.message(Flags::of) : e.getMessage());
      } catch (RuntimeException e) {
        return error(
            path,
            size,
            start,
            "cannot restore "
                + path
                + ": "
                + e.getClass().getSimpleName()
                + ": "
                + HadoopFiles.reason(e));
      }
    }

    private static Row error(String path, long size, long start, String message) {
      return RowFactory.create(
          path, null, ERROR, null, size, (System.nanoTime() - start) / 1e9, message);
    }
  }
}
