package io.gpen.cli;

import io.gpen.api.Engine;
import picocli.CommandLine.Option;

/** The option that chooses what runs the restoration model. */
public final class EngineOption {
  @Option(
      names = "--engine",
      paramLabel = "ENGINE",
      defaultValue = "libtorch",
      description =
          "What runs the model: libtorch (-w a checkpoint or a model name) or onnx (-w an ONNX model"
              + " file, run in ONNX Runtime).")
  Engine engine;
}
