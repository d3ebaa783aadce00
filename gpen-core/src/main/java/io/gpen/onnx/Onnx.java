package io.gpen.onnx;

/**
 * The parts of ONNX's protobuf schema ({@code onnx/onnx.proto}, IR version 8) that the exporter
 * writes: field numbers and enum values, and builders for the small messages. Only what GPEN's
 * graph needs is here; the names follow the schema's.
 */
final class Onnx {
  /** IR version 8 (ONNX 1.12) is the one that goes with operator set 17. */
  static final long IR_VERSION = 8;

  static final long OPSET = 17;

  // TensorProto.DataType
  static final int FLOAT = 1;
  static final int INT64 = 7;

  // AttributeProto.AttributeType
  private static final int ATTR_FLOAT = 1;
  private static final int ATTR_INT = 2;
  private static final int ATTR_INTS = 7;

  // ModelProto
  static final int MODEL_IR_VERSION = 1;
  static final int MODEL_PRODUCER_NAME = 2;
  static final int MODEL_PRODUCER_VERSION = 3;
  static final int MODEL_DOC_STRING = 6;
  static final int MODEL_GRAPH = 7;
  static final int MODEL_OPSET_IMPORT = 8;
  static final int MODEL_METADATA_PROPS = 14;

  // GraphProto
  static final int GRAPH_NODE = 1;
  static final int GRAPH_NAME = 2;
  static final int GRAPH_INITIALIZER = 5;
  static final int GRAPH_INPUT = 11;
  static final int GRAPH_OUTPUT = 12;

  // NodeProto
  private static final int NODE_INPUT = 1;
  private static final int NODE_OUTPUT = 2;
  private static final int NODE_NAME = 3;
  private static final int NODE_OP_TYPE = 4;
  private static final int NODE_ATTRIBUTE = 5;

  // AttributeProto
  private static final int ATTRIBUTE_NAME = 1;
  private static final int ATTRIBUTE_F = 2;
  private static final int ATTRIBUTE_I = 3;
  private static final int ATTRIBUTE_INTS = 8;
  private static final int ATTRIBUTE_TYPE = 20;

  // TensorProto
  private static final int TENSOR_DIMS = 1;
  private static final int TENSOR_DATA_TYPE = 2;
  private static final int TENSOR_NAME = 8;
  private static final int TENSOR_RAW_DATA = 9;

  // ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto, TensorShapeProto.Dimension
  private static final int VALUE_INFO_NAME = 1;
  private static final int VALUE_INFO_TYPE = 2;
  private static final int TYPE_TENSOR_TYPE = 1;
  private static final int TENSOR_TYPE_ELEM_TYPE = 1;
  private static final int TENSOR_TYPE_SHAPE = 2;
  private static final int SHAPE_DIM = 1;
  private static final int DIM_VALUE = 1;
  private static final int DIM_PARAM = 2;

  // OperatorSetIdProto, StringStringEntryProto
  private static final int OPSET_VERSION = 2;
  private static final int ENTRY_KEY = 1;
  private static final int ENTRY_VALUE = 2;

  private Onnx() {}

  static ProtoMessage floatAttribute(String name, float value) {
    return new ProtoMessage()
        .string(ATTRIBUTE_NAME, name)
        .int64(ATTRIBUTE_TYPE, ATTR_FLOAT)
        .float32(ATTRIBUTE_F, value);
  }

  static ProtoMessage intAttribute(String name, long value) {
    return new ProtoMessage()
        .string(ATTRIBUTE_NAME, name)
        .int64(ATTRIBUTE_TYPE, ATTR_INT)
        .int64(ATTRIBUTE_I, value);
  }

  static ProtoMessage intsAttribute(String name, long... values) {
    ProtoMessage a =
        new ProtoMessage().string(ATTRIBUTE_NAME, name).int64(ATTRIBUTE_TYPE, ATTR_INTS);
    for (long v : values) {
      a.int64(ATTRIBUTE_INTS, v);
    }
    return a;
  }

  static ProtoMessage node(
      String opType, String name, String[] inputs, String output, ProtoMessage... attributes) {
    ProtoMessage n = new ProtoMessage();
    for (String in : inputs) {
      n.string(NODE_INPUT, in);
    }
    n.string(NODE_OUTPUT, output).string(NODE_NAME, name).string(NODE_OP_TYPE, opType);
    for (ProtoMessage a : attributes) {
      n.message(NODE_ATTRIBUTE, a);
    }
    return n;
  }

  static ProtoMessage floatTensor(String name, float[] data, long[] dims) {
    return tensorHeader(name, FLOAT, dims).floatBytes(TENSOR_RAW_DATA, data);
  }

  static ProtoMessage int64Tensor(String name, long[] data) {
    return tensorHeader(name, INT64, new long[] {data.length}).longBytes(TENSOR_RAW_DATA, data);
  }

  private static ProtoMessage tensorHeader(String name, int dataType, long[] dims) {
    ProtoMessage t = new ProtoMessage();
    for (long d : dims) {
      t.int64(TENSOR_DIMS, d);
    }
    return t.int64(TENSOR_DATA_TYPE, dataType).string(TENSOR_NAME, name);
  }

  /**
   * A float tensor's name, type and shape; a dimension below zero is symbolic and named {@code
   * batch}.
   */
  static ProtoMessage valueInfo(String name, long... dims) {
    ProtoMessage shape = new ProtoMessage();
    for (long d : dims) {
      ProtoMessage dim =
          d < 0
              ? new ProtoMessage().string(DIM_PARAM, "batch")
              : new ProtoMessage().int64(DIM_VALUE, d);
      shape.message(SHAPE_DIM, dim);
    }
    ProtoMessage tensorType =
        new ProtoMessage().int64(TENSOR_TYPE_ELEM_TYPE, FLOAT).message(TENSOR_TYPE_SHAPE, shape);
    return new ProtoMessage()
        .string(VALUE_INFO_NAME, name)
        .message(VALUE_INFO_TYPE, new ProtoMessage().message(TYPE_TENSOR_TYPE, tensorType));
  }

  /** The default ("ai.onnx") operator set, {@link #OPSET}. */
  static ProtoMessage opsetImport() {
    return new ProtoMessage().int64(OPSET_VERSION, OPSET);
  }

  static ProtoMessage entry(String key, String value) {
    return new ProtoMessage().string(ENTRY_KEY, key).string(ENTRY_VALUE, value);
  }
}
