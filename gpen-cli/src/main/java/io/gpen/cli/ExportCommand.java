package io.gpen.cli;

import io.gpen.onnx.OnnxExport;
import io.gpen.workflow.ModelExport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gpen export}: write a GPEN generator as an ONNX model for {@code gpen infer} and other
 * runtimes ({@link ModelExport}).
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Export a GPEN generator to ONNX (opset 17): SAVE_DIR/model.onnx, whose input 'image' is a"
          + " batch of faces [N,3,S,S] float32, RGB in [-1,1], and whose output 'output' is the"
          + " restored batch in the same form; and SAVE_DIR/model.json (architecture, source"
          + " checkpoint, SHA-256 of both).",
      "The batch size is left open unless --batch fixes it. Run the model with `gpen infer`."
    })
public final class ExportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = {"--model_path", "-w", "--weights", "--w"},
      required = true,
      paramLabel = "WEIGHTS",
      description =
          "Checkpoint file (.pth, .pdparams, .safetensors) or a model name from `gpen models`.")
  String weights;

  @Option(
      names = "--key",
      paramLabel = "KEY",
      description = "Entry of a training checkpoint (g, g_ema, ...). Default: g_ema when present.")
  String key;

  @Option(
      names = "--save_dir",
      paramLabel = "DIR",
      defaultValue = "inference/GPEN",
      description = "Output folder.")
  Path saveDir;

  @Mixin ArchitectureOptions architecture;

  @Option(
      names = "--batch",
      paramLabel = "B",
      defaultValue = "0",
      description =
          "Fix the model's batch size to B (for runtimes that need static shapes); 0 leaves it open.")
  int fixedBatch;

  @Override
  public Integer call() {
    ModelExport.Result result =
        ModelExport.run(
            ModelExport.Options.builder(weights, saveDir)
                .key(key)
                .architecture(
                    architecture.size, architecture.mul, architecture.narrow, architecture.outSize)
                .fixedBatch(fixedBatch)
                .build(),
            new CommandListener(spec));
    OnnxExport.Result files = result.files();
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "Model is saved in %s: %s (%.1f MB, sha256 %s), %s%n",
        saveDir,
        files.modelFile().getFileName(),
        files.bytes() / 1e6,
        files.sha256(),
        files.infoFile().getFileName());
    out.flush();
    return 0;
  }
}
