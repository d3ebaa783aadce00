package io.gpen.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import io.gpen.BadParameter;
import io.gpen.GpenException;
import io.gpen.api.FaceRestorer;
import io.gpen.api.PixelRange;
import io.gpen.image.ModelIo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Restores aligned faces with a GPEN ONNX model in ONNX Runtime: the project's exports and any
 * other model with one float input [N,3,S,S] (RGB in [-1,1]) and an output of the same form. The
 * input name and size come from the model; a model with a fixed batch size gets exactly that many
 * faces per run (the last run padded), one with a symbolic batch size up to the requested batch.
 *
 * <p>Pre- and post-processing are those of {@link io.gpen.api.Restorer} ({@link ModelIo}, or
 * another {@link PixelRange}). Input and output stay in direct buffers reused from run to run,
 * which ONNX Runtime reads and writes in place, so runs are serialised: one restorer may be shared
 * by several threads, whose calls wait for each other. Close it to free the session; a closed
 * restorer refuses further calls.
 */
public final class OnnxRestorer implements FaceRestorer {
  private final Path modelFile;
  private final OrtEnvironment env;
  private final OrtSession session;
  private final String inputName;
  private final String outputName;
  private final int inputSize;
  private final int size;
  private final int fixedBatch;
  private final int batchSize;
  private final String engine;
  private final String description;
  private final PixelRange pixelRange;
  private final float[] hostIn;
  private final float[] hostOut;
  private final FloatBuffer input;
  private final FloatBuffer output;
  private boolean closed;

  private OnnxRestorer(
      Path modelFile,
      OrtEnvironment env,
      OrtSession session,
      int requestedBatch,
      String settings,
      PixelRange pixelRange) {
    this.modelFile = modelFile;
    this.pixelRange = pixelRange;
    this.env = env;
    this.session = session;
    Signature sig = signature(modelFile, session);
    inputName = sig.inputName();
    outputName = sig.outputName();
    inputSize = sig.inputSize();
    size = sig.outputSize();
    fixedBatch = sig.fixedBatch();
    batchSize = fixedBatch > 0 ? fixedBatch : requestedBatch;
    int inFloats = Math.multiplyExact(batchSize, 3 * inputSize * inputSize);
    int outFloats = Math.multiplyExact(batchSize, 3 * size * size);
    hostIn = new float[inFloats];
    hostOut = new float[outFloats];
    input = directFloats(inFloats);
    output = directFloats(outFloats);
    engine = "ONNX Runtime " + env.getVersion() + ", " + settings;
    description =
        modelFile.getFileName()
            + ": ONNX model, input '"
            + inputName
            + "' ["
            + (fixedBatch > 0 ? Integer.toString(fixedBatch) : "N")
            + ", 3, "
            + inputSize
            + ", "
            + inputSize
            + "]"
            + (size != inputSize ? ", output " + size + "x" + size : "")
            + "; "
            + engine;
  }

  /**
   * Opens a model.
   *
   * @param device {@code cpu}, {@code cuda} or {@code cuda:N} (the CUDA execution provider needs
   *     the onnxruntime_gpu artifact instead of the default CPU-only one)
   * @param threads intra-op threads, or 0 for ONNX Runtime's default (one per physical core)
   * @param batchSize faces per run for models with a symbolic batch size
   * @throws GpenException naming the file when it is missing, not an ONNX model, or not a model of
   *     this form; {@link BadParameter} naming the parameter ({@code modelFile}, {@code device},
   *     {@code threads}, {@code batchSize}) when it is unusable
   */
  public static OnnxRestorer open(Path modelFile, String device, int threads, int batchSize) {
    return open(modelFile, device, threads, batchSize, PixelRange.SIGNED);
  }

  /**
   * As {@link #open(Path, String, int, int)}, for a model that takes and gives the values of {@code
   * pixelRange} ([0, 1] for a Seg2Face model).
   */
  public static OnnxRestorer open(
      Path modelFile, String device, int threads, int batchSize, PixelRange pixelRange) {
    Objects.requireNonNull(pixelRange, "pixelRange");
    if (threads < 0) {
      throw BadParameter.of(
          "threads", "must be 0 (ONNX Runtime's default) or more, got " + threads);
    }
    if (batchSize < 1) {
      throw BadParameter.of("batchSize", "must be at least 1, got " + batchSize);
    }
    int cudaIndex = cudaIndex(device);
    if (Files.isDirectory(modelFile)) {
      throw BadParameter.of("modelFile", modelFile + ": is a folder, not an ONNX file");
    }
    if (!Files.isRegularFile(modelFile)) {
      throw BadParameter.of("modelFile", modelFile + ": no such file");
    }
    // ONNX Runtime's own log (graph-optimiser warnings on every session, and errors it also
    // returns) is not the user's: its failures reach the user as exceptions, in one line
    OrtEnvironment env =
        OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, "gpen");
    String settings;
    OrtSession session;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
      if (threads > 0) {
        options.setIntraOpNumThreads(threads);
      }
      String threadText = threads > 0 ? threads + " threads" : "default threads";
      if (cudaIndex >= 0) {
        if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
          throw BadParameter.of(
              "device",
              device
                  + ": this ONNX Runtime build has no CUDA execution provider (the"
                  + " onnxruntime artifact is CPU-only; put onnxruntime_gpu on the class path)");
        }
        try {
          options.addCUDA(cudaIndex);
        } catch (OrtException e) {
          throw BadParameter.of(
              "device",
              device + ": the CUDA execution provider failed to start (" + firstLine(e) + ")");
        }
        settings = "cuda:" + cudaIndex + " (CPU " + threadText + ")";
      } else {
        settings = "cpu, " + threadText;
      }
      session = env.createSession(modelFile.toString(), options);
    } catch (OrtException e) {
      throw new GpenException(modelFile + ": not a usable ONNX model (" + firstLine(e) + ")");
    }
    try {
      return new OnnxRestorer(modelFile, env, session, batchSize, settings, pixelRange);
    } catch (RuntimeException e) {
      closeQuietly(session);
      throw e;
    }
  }

  /** The output side length in pixels (larger than the input's for a {@code FullGenerator_SR}). */
  @Override
  public int size() {
    return size;
  }

  /** The input side length in pixels: faces are resized to it. */
  @Override
  public int inputSize() {
    return inputSize;
  }

  /** The model's fixed batch size, or 0 when it takes any batch size. */
  public int fixedBatch() {
    return fixedBatch;
  }

  /** The name of the model's image input, as read from the model. */
  public String inputName() {
    return inputName;
  }

  /** The runtime and how it runs, e.g. "ONNX Runtime 1.29.0, cpu, 2 threads". */
  public String engine() {
    return engine;
  }

  /** What was loaded and how it runs, for logs. */
  @Override
  public String description() {
    return description;
  }

  /**
   * Restores faces, {@code batchSize} per run; returns new size×size BGR images in the same order.
   */
  @Override
  public synchronized List<Mat> restore(List<Mat> faces) {
    int perIn = 3 * inputSize * inputSize;
    int perOut = 3 * size * size;
    List<Mat> out = new ArrayList<>(faces.size());
    for (int start = 0; start < faces.size(); start += batchSize) {
      int n = Math.min(batchSize, faces.size() - start);
      for (int i = 0; i < n; i++) {
        pixelRange.toModelInput(faces.get(start + i), inputSize, hostIn, i * perIn);
      }
      runHost(n);
      for (int i = 0; i < n; i++) {
        out.add(pixelRange.fromModelOutput(hostOut, i * perOut, size));
      }
    }
    return out;
  }

  /**
   * Runs the model on {@code count} faces in model form ([count,3,S,S] floats at the input size,
   * RGB in [-1,1]) and returns the outputs in the same form at the output size.
   */
  public synchronized float[] forward(float[] faces, int count) {
    int perIn = 3 * inputSize * inputSize;
    int perOut = 3 * size * size;
    if (count < 0 || faces.length < (long) count * perIn) {
      throw new IllegalArgumentException(
          count + " faces need " + (long) count * perIn + " floats, got " + faces.length);
    }
    float[] result = new float[count * perOut];
    for (int start = 0; start < count; start += batchSize) {
      int n = Math.min(batchSize, count - start);
      System.arraycopy(faces, start * perIn, hostIn, 0, n * perIn);
      runHost(n);
      System.arraycopy(hostOut, 0, result, start * perOut, n * perOut);
    }
    return result;
  }

  /**
   * Runs the first {@code n} faces of {@code hostIn} and writes their outputs into {@code hostOut}.
   */
  private void runHost(int n) {
    if (closed) {
      throw new IllegalStateException("the ONNX restorer of " + modelFile + " is closed");
    }
    int perIn = 3 * inputSize * inputSize;
    int perOut = 3 * size * size;
    // a fixed-batch model always gets its full batch: the slots past n hold stale faces, discarded
    int rows = fixedBatch > 0 ? fixedBatch : n;
    input.clear().put(hostIn, 0, rows * perIn).flip();
    output.clear().limit(rows * perOut);
    try (OnnxTensor in =
            OnnxTensor.createTensor(env, input, new long[] {rows, 3, inputSize, inputSize});
        OnnxTensor out = OnnxTensor.createTensor(env, output, new long[] {rows, 3, size, size});
        OrtSession.Result result = session.run(Map.of(inputName, in), Map.of(outputName, out))) {
      output.clear().get(hostOut, 0, n * perOut);
    } catch (OrtException e) {
      throw bad(modelFile, "running the model failed (" + firstLine(e) + ")");
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    closeQuietly(session);
  }

  /** The names, size and batch size of a GPEN-shaped model. */
  private record Signature(
      String inputName, String outputName, int inputSize, int outputSize, int fixedBatch) {}

  private static Signature signature(Path file, OrtSession session) {
    try {
      Map.Entry<String, NodeInfo> in = single(file, session.getInputInfo(), "input");
      Map.Entry<String, NodeInfo> out = session.getOutputInfo().entrySet().iterator().next();
      long[] inShape = floatShape(file, in.getValue(), "input");
      long[] outShape = floatShape(file, out.getValue(), "output");
      if (inShape.length != 4 || inShape[1] != 3 || inShape[2] <= 0 || inShape[2] != inShape[3]) {
        throw bad(
            file,
            "input '"
                + in.getKey()
                + "' has shape "
                + shapeText(inShape)
                + ", not [N, 3, S, S] with a fixed size S");
      }
      // a FullGenerator_SR draws larger faces than it reads; a symbolic side is the input's
      long outSide = outShape.length == 4 && outShape[2] > 0 ? outShape[2] : inShape[2];
      if (!fits(outShape, new long[] {inShape[0], 3, outSide, outSide}) || outSide < inShape[2]) {
        throw bad(
            file,
            "output '"
                + out.getKey()
                + "' has shape "
                + shapeText(outShape)
                + ", not [N, 3, S, S] with S at least the input's "
                + inShape[2]);
      }
      int batch = inShape[0] > 0 ? Math.toIntExact(inShape[0]) : 0;
      return new Signature(
          in.getKey(), out.getKey(), Math.toIntExact(inShape[2]), Math.toIntExact(outSide), batch);
    } catch (OrtException e) {
      throw bad(file, "cannot read the model's inputs and outputs (" + firstLine(e) + ")");
    }
  }

  private static Map.Entry<String, NodeInfo> single(
      Path file, Map<String, NodeInfo> infos, String what) {
    if (infos.size() != 1) {
      throw bad(
          file,
          "has "
              + infos.size()
              + " "
              + what
              + "s "
              + infos.keySet()
              + "; a GPEN model has one image "
              + what);
    }
    return infos.entrySet().iterator().next();
  }

  private static long[] floatShape(Path file, NodeInfo node, String what) {
    ValueInfo info = node.getInfo();
    if (!(info instanceof TensorInfo t) || t.type != OnnxJavaType.FLOAT) {
      throw bad(file, what + " '" + node.getName() + "' is " + info + ", not a float32 tensor");
    }
    return t.getShape();
  }

  /**
   * The output matches [N,3,S,S]; symbolic (negative) dimensions are accepted and checked at run
   * time.
   */
  private static boolean fits(long[] out, long[] in) {
    if (out.length != 4) {
      return false;
    }
    for (int i = 1; i < 4; i++) {
      if (out[i] >= 0 && out[i] != in[i]) {
        return false;
      }
    }
    return true;
  }

  private static GpenException bad(Path file, String problem) {
    return new GpenException(file + ": " + problem);
  }

  private static String shapeText(long[] shape) {
    return Arrays.toString(
        Arrays.stream(shape).mapToObj(d -> d < 0 ? "?" : Long.toString(d)).toArray());
  }

  /** -1 for the CPU, else the CUDA device index. */
  private static int cudaIndex(String device) {
    String d = device.trim().toLowerCase(Locale.ROOT);
    if (d.equals("cpu")) {
      return -1;
    }
    if (d.equals("cuda")) {
      return 0;
    }
    if (d.matches("cuda:\\d{1,4}")) {
      return Integer.parseInt(d.substring(5));
    }
    throw BadParameter.of("device", "must be cpu, cuda or cuda:N, got '" + device + "'");
  }

  private static FloatBuffer directFloats(int n) {
    return ByteBuffer.allocateDirect(Math.multiplyExact(n, 4))
        .order(ByteOrder.nativeOrder())
        .asFloatBuffer();
  }

  private static String firstLine(OrtException e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  private static void closeQuietly(OrtSession session) {
    try {
      session.close();
    } catch (OrtException ignored) {
      // nothing to do about a failure to free native memory at shutdown
    }
  }
}
