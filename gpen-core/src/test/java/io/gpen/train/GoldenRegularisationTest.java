package io.gpen.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.checkpoint.Checkpoints;
import io.gpen.checkpoint.StateDict;
import io.gpen.model.Discriminator;
import io.gpen.model.FullGenerator;
import io.gpen.model.ModelFiles;
import io.gpen.nn.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * R1 and the path lengths reproduce the reference PyTorch values in {@code
 * ../shared/golden/gpen64_io.pth}, and their weight gradients (the double backward the training
 * needs) exist and are finite.
 */
class GoldenRegularisationTest {
  static final double RELATIVE = 1e-3;

  static StateDict io() {
    return Checkpoints.read(SharedData.require("golden/gpen64_io.pth"));
  }

  static Tensor golden(StateDict io, String name) {
    return Tensors.fromData(io.get(name));
  }

  @Test
  void r1MatchesReferenceAndHasWeightGradients() {
    StateDict io = io();
    try (PointerScope scope = new PointerScope();
        Discriminator d =
            ModelFiles.loadDiscriminator(
                SharedData.require("golden/disc64.pth"), null, ModelFiles.Overrides.NONE)) {
      Tensor real = golden(io, "disc_input").set_requires_grad(true);
      Tensor r1 = Losses.r1(d.forward(real), real);
      double expected = golden(io, "r1").item_double();
      double got = r1.item_double();
      assertTrue(
          Math.abs(got - expected) <= RELATIVE * Math.abs(expected),
          "r1 " + got + ", reference " + expected);
      // the double backward reaches the weights: every convolution and linear weight gets a
      // non-zero gradient (biases after the last non-linearity in the input do not: the score's
      // input gradient is piecewise constant in them)
      java.util.List<String> names = new java.util.ArrayList<>(d.namedParameters().keySet());
      TensorVector grads =
          torch.grad(
              new TensorVector(r1),
              new TensorVector(d.parameters().toArray(new Tensor[0])),
              new TensorVector(),
              new org.bytedeco.pytorch.BoolOptional(false),
              false,
              true);
      for (int i = 0; i < names.size(); i++) {
        Tensor g = grads.get(i);
        double norm = g.defined() ? g.abs().sum().item_double() : 0;
        assertTrue(Double.isFinite(norm), names.get(i) + ": R1 weight gradient " + norm);
        if (names.get(i).endsWith("weight")) {
          assertTrue(norm > 0, names.get(i) + ": no R1 weight gradient");
        }
      }
    }
  }

  @Test
  void pathLengthsMatchReferenceAndHaveWeightGradients() {
    StateDict io = io();
    try (PointerScope scope = new PointerScope();
        FullGenerator g =
            ModelFiles.loadGenerator(
                    SharedData.require("golden/gpen64.pth"), null, ModelFiles.Overrides.NONE)
                .model()) {
      FullGenerator.Output out = g.forward(golden(io, "input"));
      Tensor lengths = Losses.pathLengths(out.image(), out.latent(), golden(io, "path_noise"));
      float[] expected = Tensors.toFloats(golden(io, "path_lengths"));
      float[] got = Tensors.toFloats(lengths);
      assertArrayEquals(new long[] {2}, Tensors.shape(lengths));
      for (int i = 0; i < expected.length; i++) {
        assertTrue(
            Math.abs(got[i] - expected[i]) <= RELATIVE * Math.abs(expected[i]),
            "path length " + i + ": " + got[i] + ", reference " + expected[i]);
      }
      Tensor penalty = lengths.sub(lengths.mean()).pow(Tensors.scalar(2)).mean();
      Tensor weight = g.generator().convs().get(0).conv().weight();
      Tensor grad = torch.grad(new TensorVector(penalty), new TensorVector(weight)).get(0);
      double norm = grad.abs().sum().item_double();
      assertTrue(Double.isFinite(norm) && norm > 0, "path penalty weight gradient " + norm);
    }
  }
}
