package io.gpen.onnx;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.gpen.GpenException;
import io.gpen.model.FullGenerator;
import io.gpen.model.GpenConfig;
import io.gpen.util.AtomicFiles;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Exports a GPEN generator as an ONNX model that ONNX Runtime (or any ONNX runtime supporting
 * operator set 17) runs without the project: {@code model.onnx}, whose input {@value #INPUT_NAME}
 * is a batch of faces [N,3,S,S], RGB in [-1,1], float32, and whose output {@code output} is the
 * restored batch in the same form, [N,3,O,O] (O = S except for a {@code FullGenerator_SR}, whose
 * finer decoder layers draw random noise in the graph, as the reference's do); and {@code
 * model.json}, which records the architecture, the source checkpoint with its SHA-256, and the
 * SHA-256 of the ONNX file.
 *
 * <p>The graph is built from the model's module tree (see {@link GeneratorGraph}) and written as
 * protobuf by the project itself; weights are initializers inside the file. Both files are written
 * atomically.
 */
public final class OnnxExport {
  public static final String MODEL_FILE = "model.onnx";
  public static final String INFO_FILE = "model.json";
  public static final String INPUT_NAME = "image";
  public static final String OUTPUT_NAME = GeneratorGraph.OUTPUT;

  /** Value of {@code format} in {@code model.json}. */
  public static final String INFO_FORMAT = "gpen-onnx";

  /** Protobuf parsers (ONNX Runtime's included) reject messages of 2 GiB and more. */
  private static final long PROTOBUF_LIMIT = Integer.MAX_VALUE;

  private OnnxExport() {}

  /**
   * What an export wrote.
   *
   * @param bytes size of the ONNX file
   * @param sha256 hex SHA-256 of the ONNX file
   */
  public record Result(Path modelFile, Path infoFile, long bytes, String sha256) {}

  /**
   * Writes {@code saveDir/model.onnx} and {@code saveDir/model.json} (the folder is created).
   *
   * @param source the checkpoint the weights came from (recorded with its SHA-256), or null
   * @param fixedBatch the batch size the model accepts, or 0 for any batch size
   */
  public static Result export(FullGenerator model, Path saveDir, Path source, int fixedBatch) {
    if (fixedBatch < 0) {
      throw new GpenException("the batch size must be 0 (any) or positive, got " + fixedBatch);
    }
    Path modelFile = saveDir.resolve(MODEL_FILE);
    Path infoFile = saveDir.resolve(INFO_FILE);
    String sha256 = writeModel(model, modelFile, fixedBatch);
    long bytes;
    try {
      bytes = Files.size(modelFile);
    } catch (IOException e) {
      throw new GpenException("cannot read back " + modelFile + ": " + AtomicFiles.reason(e), e);
    }
    AtomicFiles.write(infoFile, info(model.config(), source, fixedBatch, sha256, bytes));
    return new Result(modelFile, infoFile, bytes, sha256);
  }

  /**
   * Writes only the ONNX model to {@code file}; returns its hex SHA-256.
   *
   * @param fixedBatch the batch size the model accepts, or 0 for any batch size
   */
  public static String writeModel(FullGenerator model, Path file, int fixedBatch) {
    return writeModel(model, file, INPUT_NAME, fixedBatch);
  }

  /** As {@link #writeModel(FullGenerator, Path, int)} with another name for the input. */
  static String writeModel(FullGenerator model, Path file, String inputName, int fixedBatch) {
    return writeModel(model, file, inputName, fixedBatch, false);
  }

  /**
   * As {@link #writeModel(FullGenerator, Path, String, int)}; with {@code noiseInputs} the noise of
   * decoder layers finer than the input is read from graph inputs ({@code <layer>.noise},
   * [N,C,H,W]) instead of drawn, so that a test can give the noise libtorch drew.
   */
  static String writeModel(
      FullGenerator model, Path file, String inputName, int fixedBatch, boolean noiseInputs) {
    GpenConfig c = model.config();
    OnnxGraph graph =
        GeneratorGraph.build(model, inputName, fixedBatch == 0 ? -1 : fixedBatch, noiseInputs);
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", INFO_FORMAT);
    meta.putAll(c.toMetadata());
    String doc =
        "GPEN "
            + c.describe()
            + ": input "
            + inputName
            + " [N,3,"
            + c.size()
            + ","
            + c.size()
            + "] RGB in [-1,1]; output "
            + OUTPUT_NAME
            + " the restored faces, "
            + (c.isSuperResolution()
                ? "[N,3," + c.outSize() + "," + c.outSize() + "]"
                : "same form");
    ProtoMessage proto = graph.model("GPEN", producerVersion(), doc, meta);
    long size = proto.serializedSize();
    if (size > PROTOBUF_LIMIT) {
      throw new GpenException(
          file
              + ": the ONNX model of GPEN "
              + c.describe()
              + " would take "
              + size
              + " bytes, over protobuf's 2 GiB limit");
    }
    MessageDigest sha = sha256();
    AtomicFiles.write(
        file,
        temp -> {
          try (OutputStream out =
              new DigestOutputStream(
                  new BufferedOutputStream(Files.newOutputStream(temp), 1 << 20), sha)) {
            proto.writeTo(out);
          }
        });
    return HexFormat.of().formatHex(sha.digest());
  }

  private static byte[] info(GpenConfig c, Path source, int fixedBatch, String sha256, long bytes) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("format", INFO_FORMAT);
    json.put("model_file", MODEL_FILE);
    json.put("sha256", sha256);
    json.put("bytes", bytes);
    json.put("size", c.size());
    if (c.isSuperResolution()) {
      json.put("out_size", c.outSize());
    }
    json.put("channel_multiplier", c.channelMultiplier());
    json.put("narrow", c.narrow());
    json.put("style_dim", c.styleDim());
    json.put("n_mlp", c.nMlp());
    json.put("isconcat", c.isConcat());
    Object batch = fixedBatch == 0 ? "N" : fixedBatch;
    json.put("input", io(INPUT_NAME, batch, c.size()));
    json.put("output", io(OUTPUT_NAME, batch, c.outSize()));
    json.put("opset", Onnx.OPSET);
    json.put("producer", "gpen-java " + producerVersion());
    if (source != null) {
      Map<String, Object> src = new LinkedHashMap<>();
      src.put("checkpoint", source.toAbsolutePath().normalize().toString());
      src.put("sha256", fileSha256(source));
      json.put("source", src);
    }
    try {
      String text =
          new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json);
      return (text + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode model information", e);
    }
  }

  private static Map<String, Object> io(String name, Object batch, int size) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("shape", List.of(batch, 3, size, size));
    m.put("dtype", "float32");
    m.put("layout", "RGB, [-1, 1]");
    return m;
  }

  private static String fileSha256(Path file) {
    MessageDigest sha = sha256();
    byte[] buf = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
      }
    } catch (IOException e) {
      throw new GpenException("cannot read " + file + ": " + AtomicFiles.reason(e), e);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  private static String producerVersion() {
    String v = OnnxExport.class.getPackage().getImplementationVersion();
    return v == null ? "development" : v;
  }
}
