/**
 * ONNX: writing the generator as an ONNX model (protobuf, opset 17) and running ONNX models of GPEN
 * in ONNX Runtime ({@link io.gpen.onnx.OnnxRestorer}).
 */
package io.gpen.onnx;
