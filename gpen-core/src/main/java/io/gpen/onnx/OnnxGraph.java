package io.gpen.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX graph under construction: every value gets a unique name, constants become initializers
 * (small integer and scalar constants are shared), nodes are kept in the order they are added,
 * which is a topological order because a node can only name values that already exist.
 */
final class OnnxGraph {
  private final List<ProtoMessage> nodes = new ArrayList<>();
  private final List<ProtoMessage> initializers = new ArrayList<>();
  private final List<ProtoMessage> inputs = new ArrayList<>();
  private final List<ProtoMessage> outputs = new ArrayList<>();
  private final Set<String> names = new HashSet<>();
  private final Map<List<Long>, String> intConstants = new HashMap<>();
  private final Map<Float, String> scalarConstants = new HashMap<>();

  /** Declares a float graph input; a dimension below zero is the symbolic batch size. */
  String input(String name, long... dims) {
    claim(name);
    inputs.add(Onnx.valueInfo(name, dims));
    return name;
  }

  /** Declares an existing value as a float graph output with the given shape. */
  void output(String value, long... dims) {
    if (!names.contains(value)) {
      throw new IllegalArgumentException("no value named " + value);
    }
    outputs.add(Onnx.valueInfo(value, dims));
  }

  /** A float initializer named after {@code name} (made unique). */
  String weight(String name, float[] data, long... dims) {
    long n = Arrays.stream(dims).reduce(1, (a, b) -> a * b);
    if (n != data.length) {
      throw new IllegalArgumentException(
          name + ": " + data.length + " values for shape " + Arrays.toString(dims));
    }
    String unique = unique(name);
    initializers.add(Onnx.floatTensor(unique, data, dims));
    return unique;
  }

  /** A shared 1-D int64 constant (axes, starts, shapes). */
  String ints(long... values) {
    List<Long> key = Arrays.stream(values).boxed().toList();
    return intConstants.computeIfAbsent(
        key,
        k -> {
          String name = unique("const_i64");
          initializers.add(Onnx.int64Tensor(name, values));
          return name;
        });
  }

  /** A shared float scalar constant (rank 0, broadcast against anything). */
  String scalar(float value) {
    return scalarConstants.computeIfAbsent(
        value,
        k -> {
          String name = unique("const_f32");
          initializers.add(Onnx.floatTensor(name, new float[] {value}, new long[0]));
          return name;
        });
  }

  /**
   * Adds a node of operator {@code opType} with one output, named after {@code name} (made unique),
   * and returns that output's name.
   */
  String op(String opType, String name, String[] inputNames, ProtoMessage... attributes) {
    for (String in : inputNames) {
      if (!names.contains(in)) {
        throw new IllegalArgumentException(opType + " " + name + ": no value named " + in);
      }
    }
    String out = unique(name);
    nodes.add(Onnx.node(opType, out, inputNames, out, attributes));
    return out;
  }

  /** The model: this graph, the operator set import, and string metadata. */
  ProtoMessage model(
      String graphName, String producerVersion, String docString, Map<String, String> metadata) {
    ProtoMessage graph = new ProtoMessage();
    nodes.forEach(n -> graph.message(Onnx.GRAPH_NODE, n));
    graph.string(Onnx.GRAPH_NAME, graphName);
    initializers.forEach(t -> graph.message(Onnx.GRAPH_INITIALIZER, t));
    inputs.forEach(v -> graph.message(Onnx.GRAPH_INPUT, v));
    outputs.forEach(v -> graph.message(Onnx.GRAPH_OUTPUT, v));
    ProtoMessage model =
        new ProtoMessage()
            .int64(Onnx.MODEL_IR_VERSION, Onnx.IR_VERSION)
            .string(Onnx.MODEL_PRODUCER_NAME, "gpen-java")
            .string(Onnx.MODEL_PRODUCER_VERSION, producerVersion)
            .string(Onnx.MODEL_DOC_STRING, docString)
            .message(Onnx.MODEL_GRAPH, graph)
            .message(Onnx.MODEL_OPSET_IMPORT, Onnx.opsetImport());
    metadata.forEach((k, v) -> model.message(Onnx.MODEL_METADATA_PROPS, Onnx.entry(k, v)));
    return model;
  }

  private String unique(String name) {
    String candidate = name;
    for (int i = 1; names.contains(candidate); i++) {
      candidate = name + "_" + i;
    }
    names.add(candidate);
    return candidate;
  }

  private void claim(String name) {
    if (!names.add(name)) {
      throw new IllegalArgumentException("value name already used: " + name);
    }
  }
}
