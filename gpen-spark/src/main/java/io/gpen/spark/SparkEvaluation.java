package io.gpen.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import io.gpen.BadParameter;
import io.gpen.GpenException;
import io.gpen.data.Degradation;
import io.gpen.data.FaceDataset;
import io.gpen.data.FaceLoader;
import io.gpen.eval.EvalImages;
import io.gpen.eval.Evaluation;
import io.gpen.eval.Evaluator;
import io.gpen.eval.Reports;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.model.GpenConfig;
import io.gpen.registry.ModelRegistry;
import io.gpen.workflow.FolderEvaluation;
import io.gpen.workflow.ModelSpec;
import io.gpen.workflow.WorkflowListener;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import scala.Tuple2;

/**
 * The evaluation job, {@code gpen test} at scale: the images of a folder and below it (sorted by
 * their paths in the folder, as {@code gpen test} sorts them) are numbered; each executor task
 * takes a range of whole batches, and each image i is resized to the model size, degraded with the
 * test degradation keyed by (seed, i) exactly as {@link FolderEvaluation} degrades it ({@link
 * FaceLoader#evaluationSample}), restored, and scored by the scorers of {@code gpen test} in
 * batches of the same size. Each task returns its part of the evaluation ({@link Evaluator.Part}:
 * per-image values, FID feature statistics); the driver merges the parts in order and writes {@code
 * metrics.json} as {@code gpen test} does.
 *
 * <p>Per-image values and their means are those of {@code gpen test} bit for bit (the batches the
 * model and the metrics see are the same); FID merges the parts' feature statistics by Chan et
 * al.'s update and so agrees to rounding (about 1e-12 relative). An unreadable image is reported
 * and left out, as there; after one, the batches of {@code gpen test} (filled with the next
 * readable image) and of the job (one partition's range) may differ in composition.
 *
 * <p>The parts are kept on the executors' disks until the driver has read them one at a time, so
 * the driver holds two parts at most (with FID, about 100 MB each).
 */
final class SparkEvaluation {
  /** What the report calls the run. */
  static final String COMMAND = "gpen spark --task test";

  private SparkEvaluation() {}

  /**
   * What to evaluate.
   *
   * @param model the restoration model (weights a local file or a registry name)
   * @param input the folder of high-quality faces, a Hadoop URI
   * @param output the folder for {@code metrics.json}, a Hadoop URI
   * @param seed the seed of the degradation
   * @param batchSize faces per forward pass and scoring batch
   * @param inception FID InceptionV3 weights, or null
   * @param lpips LPIPS heads, or null
   * @param lpipsTrunk LPIPS's AlexNet trunk
   * @param identityWeights the face embedder, or null
   * @param partitions how many tasks share the images; 0: one per core of the application
   * @param javacppCacheDir JavaCPP's cache folder on the executors; null: their default
   */
  record Job(
      ModelSpec model,
      String input,
      String output,
      long seed,
      int batchSize,
      String inception,
      String lpips,
      String lpipsTrunk,
      String identityWeights,
      int partitions,
      String javacppCacheDir) {
    Job {
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(input, "input");
      Objects.requireNonNull(output, "output");
      if (batchSize < 1) {
        throw BadParameter.of("batchSize", "must be at least 1, got " + batchSize);
      }
      if (partitions < 0) {
        throw BadParameter.of("partitions", "must be 0 (one per core) or more, got " + partitions);
      }
    }
  }

  /**
   * What the evaluation gave.
   *
   * @param evaluation both columns of every metric and the per-image values
   * @param files the image files of the folder
   * @param unreadable how many could not be read
   * @param resized how many were not of the model size
   * @param summary one line: images, folder, size, seed
   * @param metricsFile where {@code metrics.json} went
   * @param seconds wall time, listing to report
   */
  record Result(
      Evaluation evaluation,
      long files,
      long unreadable,
      long resized,
      String summary,
      String metricsFile,
      double seconds) {}

  /** One image of the set: where it is, its name in the reports. */
  record Listed(String path, String name) implements Serializable {}

  /**
   * What one partition gave.
   *
   * @param part its part of the evaluation
   * @param files the files of its range
   * @param unreadable how many could not be read
   * @param resized how many were not of the model size
   * @param warnings one line per unreadable file
   * @param model what the model is and how it ran
   * @param size the model size
   * @param channelMultiplier the architecture's, where the model tells it
   * @param narrow the architecture's, where the model tells it
   */
  record PartResult(
      Evaluator.Part part,
      long files,
      long unreadable,
      long resized,
      List<String> warnings,
      String model,
      int size,
      Integer channelMultiplier,
      Double narrow)
      implements Serializable {}

  /**
   * Runs the evaluation.
   *
   * @throws GpenException naming the folder or network at fault, or where no image can be read
   */
  static Result run(SparkSession spark, Job job, WorkflowListener listener) {
    long start = System.nanoTime();
    HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
    Path inputDir = new Path(job.input());
    Path outputDir = new Path(job.output());
    try {
      FileSystem fs = files.fileSystem(inputDir);
      inputDir = fs.makeQualified(inputDir);
      if (!fs.exists(inputDir) || !fs.getFileStatus(inputDir).isDirectory()) {
        throw BadParameter.of(
            "input",
            job.input() + ": " + (fs.exists(inputDir) ? "not a folder" : "no such folder"));
      }
      FileSystem out = files.fileSystem(outputDir);
      outputDir = out.makeQualified(outputDir);
      out.mkdirs(outputDir);
    } catch (IOException e) {
      throw new GpenException(
          "cannot use " + job.input() + " and " + job.output() + ": " + HadoopFiles.reason(e), e);
    }

    Dataset<Row> listed = list(spark, inputDir);
    long count = listed.count();
    if (count == 0) {
      throw BadParameter.of(
          "input",
          job.input()
              + ": no ."
              + String.join(", .", Images.EXTENSIONS)
              + " files in it or below it");
    }
    EvaluationNetworks.Spec spec = ship(job, count, new Shipping(spark.sparkContext()));
    ExecutorNetworks<EvaluationNetworks.Spec, EvaluationNetworks> networks =
        new ExecutorNetworks<>(spec, EvaluationNetworks::open, job.javacppCacheDir());

    int wanted =
        job.partitions() > 0 ? job.partitions() : spark.sparkContext().defaultParallelism();
    long batches = (count + job.batchSize() - 1) / job.batchSize();
    long perPartition = job.batchSize() * ((batches + wanted - 1) / wanted);
    int partitions = (int) ((count + perPartition - 1) / perPartition);
    JavaRDD<PartResult> parts =
        listed
            .orderBy("name")
            .javaRDD()
            .zipWithIndex()
            .mapToPair(
                t -> new Tuple2<>(t._2(), new Listed(t._1().getString(0), t._1().getString(1))))
            .repartitionAndSortWithinPartitions(new Ranges(partitions, perPartition))
            .mapPartitionsWithIndex(new Score(networks, files, job.seed(), job.batchSize()), true)
            .persist(StorageLevel.DISK_ONLY());
    PartResult merged = null;
    long unreadable = 0;
    long resized = 0;
    try {
      parts.count();
      Iterator<PartResult> it = parts.toLocalIterator();
      while (it.hasNext()) {
        PartResult p = it.next();
        p.warnings().forEach(listener::warning);
        unreadable += p.unreadable();
        resized += p.resized();
        if (merged == null) {
          merged = p;
        } else {
          merged.part().append(p.part());
        }
      }
    } finally {
      parts.unpersist(false);
      if (spark.sparkContext().isLocal()) {
        networks.release();
      }
    }
    if (merged.part().count() == 0) {
      throw BadParameter.of(
          "input", job.input() + ": none of its " + count + " image(s) could be read");
    }
    Evaluation evaluation = merged.part().finish();
    String summary =
        evaluation.count()
            + " of "
            + count
            + " image(s) of "
            + job.input()
            + " at "
            + merged.size()
            + "x"
            + merged.size()
            + " ("
            + resized
            + " resized), seed "
            + job.seed()
            + (unreadable > 0 ? ", " + unreadable + " unreadable" : "");
    Map<String, Object> counts = new LinkedHashMap<>();
    counts.put("files", count);
    counts.put("evaluated", evaluation.count());
    counts.put("unreadable", unreadable);
    counts.put("resized", resized);
    Path metrics = new Path(outputDir, FolderEvaluation.METRICS_FILE);
    byte[] json = Reports.json(evaluation, config(job, merged, partitions), job.seed(), counts);
    files.writeAtomically(
        metrics, ByteBuffer.wrap(json), "gpen-" + spark.sparkContext().applicationId());
    return new Result(
        evaluation,
        count,
        unreadable,
        resized,
        summary,
        metrics.toString(),
        (System.nanoTime() - start) / 1e9);
  }

  /**
   * The image files of the folder and below it (by name: {@link Images#EXTENSIONS}), each with its
   * path relative to the folder, '/' between parts, as {@code gpen test} names it.
   */
  private static Dataset<Row> list(SparkSession spark, Path dir) {
    String prefix = dir.toString().endsWith("/") ? dir.toString() : dir + "/";
    UserDefinedFunction name =
        udf(
            (UDF1<String, String>)
                path ->
                    new Path(path)
                        .toUri()
                        .getPath()
                        .substring(new Path(prefix).toUri().getPath().length() + 1),
            DataTypes.StringType);
    UserDefinedFunction isImage =
        udf(
            (UDF1<String, Boolean>)
                path -> Images.isImageName(java.nio.file.Path.of(new Path(path).getName())),
            DataTypes.BooleanType);
    return spark
        .read()
        .format("binaryFile")
        .option("recursiveFileLookup", "true")
        .load(dir.toString())
        .select(col("path"))
        .filter(isImage.apply(col("path")))
        .withColumn("name", name.apply(col("path")));
  }

  /** Ships the networks the job names (resolved on the driver: names downloaded, files checked). */
  private static EvaluationNetworks.Spec ship(Job job, long files, Shipping shipping) {
    ModelRegistry registry = ModelRegistry.defaultRegistry();
    ModelSpec m = job.model();
    ModelSpec resolved =
        new ModelSpec(
            m.engine(),
            resolve(registry, "weights", m.weights()),
            m.key(),
            m.architecture(),
            m.device(),
            m.threads());
    boolean lpips = job.lpips() != null;
    return new EvaluationNetworks.Spec(
        ShippedModel.ship(resolved, shipping),
        job.batchSize(),
        shipping.ship(resolve(registry, "inception", job.inception())),
        shipping.ship(resolve(registry, "lpips", job.lpips())),
        lpips ? shipping.ship(resolve(registry, "lpipsTrunk", job.lpipsTrunk())) : null,
        shipping.ship(resolve(registry, "identityWeights", job.identityWeights())),
        files);
  }

  private static String resolve(ModelRegistry registry, String parameter, String weights) {
    if (weights == null) {
      return null;
    }
    try {
      return registry.resolve(weights).toString();
    } catch (GpenException e) {
      throw BadParameter.naming(parameter, e);
    }
  }

  /** The settings of the run, as {@code metrics.json} records them. */
  private static Map<String, Object> config(Job job, PartResult first, int partitions) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("command", COMMAND);
    c.put("weights", job.model().weights());
    c.put("key", job.model().key());
    c.put("model", first.model());
    c.put("size", first.size());
    c.put("channel_multiplier", first.channelMultiplier());
    c.put("narrow", first.narrow());
    c.put("test_path", job.input());
    c.put("batch_size", job.batchSize());
    c.put("partitions", partitions);
    c.put("device", job.model().device());
    c.put("degradation", FolderEvaluation.degradationConfig());
    c.put("inception", job.inception());
    c.put("lpips", job.lpips());
    c.put("lpips_trunk", job.lpips() == null ? null : job.lpipsTrunk());
    c.put("id_weights", job.identityWeights());
    return c;
  }

  /** Image i goes to partition i / perPartition: each partition a range of whole batches. */
  static final class Ranges extends Partitioner {
    private static final long serialVersionUID = 1L;

    private final int partitions;
    private final long perPartition;

    Ranges(int partitions, long perPartition) {
      this.partitions = partitions;
      this.perPartition = perPartition;
    }

    @Override
    public int numPartitions() {
      return partitions;
    }

    @Override
    public int getPartition(Object key) {
      return (int) Math.min(partitions - 1, (Long) key / perPartition);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Ranges r && r.partitions == partitions && r.perPartition == perPartition;
    }

    @Override
    public int hashCode() {
      return Objects.hash(partitions, perPartition);
    }
  }

  /** The work of one partition: its images scored batch by batch; one {@link PartResult}. */
  static final class Score
      implements Function2<Integer, Iterator<Tuple2<Long, Listed>>, Iterator<PartResult>>,
          Serializable {
    private static final long serialVersionUID = 1L;

    private final ExecutorNetworks<EvaluationNetworks.Spec, EvaluationNetworks> networks;
    private final HadoopFiles files;
    private final long seed;
    private final int batchSize;

    Score(
        ExecutorNetworks<EvaluationNetworks.Spec, EvaluationNetworks> networks,
        HadoopFiles files,
        long seed,
        int batchSize) {
      this.networks = networks;
      this.files = files;
      this.seed = seed;
      this.batchSize = batchSize;
    }

    @Override
    public Iterator<PartResult> call(Integer partition, Iterator<Tuple2<Long, Listed>> images) {
      EvaluationNetworks nets = networks.get();
      int size = nets.restorer.size();
      Evaluator evaluator = nets.newEvaluator();
      Degradation degradation = new Degradation(Evaluator.TEST_DEGRADATION);
      long count = 0;
      long unreadable = 0;
      long resized = 0;
      List<String> warnings = new ArrayList<>();
      while (images.hasNext()) {
        try (PointerScope scope = new PointerScope()) {
          List<String> names = new ArrayList<>();
          List<Mat> degraded = new ArrayList<>();
          List<Mat> real = new ArrayList<>();
          // a batch is the next batchSize readable images, as gpen test's loader fills it
          while (names.size() < batchSize && images.hasNext()) {
            Tuple2<Long, Listed> next = images.next();
            Listed image = next._2();
            count++;
            float[][] sample;
            try (BytePointer bytes = files.read(new Path(image.path()));
                Image decoded = Images.decode(bytes, image.path(), Images.DEFAULT_MAX_PIXELS);
                Mat hq = FaceDataset.atResolution(decoded, size)) {
              if (decoded.width() != size || decoded.height() != size) {
                resized++;
              }
              sample = FaceLoader.evaluationSample(degradation, seed, hq, next._1());
            } catch (GpenException e) {
              unreadable++;
              warnings.add("skipped " + e.getMessage());
              continue;
            }
            names.add(image.name());
            degraded.add(EvalImages.toEightBit(sample[0], 0, size));
            real.add(EvalImages.toEightBit(sample[1], 0, size));
          }
          if (!names.isEmpty()) {
            // the networks are the JVM's: one batch at a time
            synchronized (nets) {
              evaluator.add(names, degraded, nets.restorer.restore(degraded), real);
            }
          }
        }
      }
      Optional<GpenConfig> architecture = nets.restorer.architecture();
      return List.of(
              new PartResult(
                  evaluator.part(),
                  count,
                  unreadable,
                  resized,
                  warnings,
                  nets.restorer.description(),
                  size,
                  architecture.map(GpenConfig::channelMultiplier).orElse(null),
                  architecture.map(GpenConfig::narrow).orElse(null)))
          .iterator();
    }
  }
}
