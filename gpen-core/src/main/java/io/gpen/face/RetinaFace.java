package io.gpen.face;

import io.gpen.nn.BatchNorm;
import io.gpen.nn.Conv2d;
import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import io.gpen.nn.ModuleList;
import io.gpen.nn.Sequential;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The RetinaFace network of biubug6/Pytorch_Retinaface (as used by GPEN's face detection), with a
 * MobileNet-0.25 or a ResNet-50 body, its feature pyramid, context modules and the class, box and
 * landmark heads. Tensors are named as in the reference checkpoints ({@code
 * body.stage1.0.0.weight}, {@code fpn.output1.0.weight}, {@code ssh1.conv3X3.0.weight}, {@code
 * ClassHead.0.conv1x1.weight}, ...). Batch normalisation always runs in eval mode.
 */
final class RetinaFace extends Module {
  /** The two reference configurations ({@code cfg_mnet} and {@code cfg_re50}). */
  enum Backbone {
    MOBILENET_0_25("MobileNet-0.25", 32, 64),
    RESNET_50("ResNet-50", 256, 256);

    final String label;
    final int inChannel;
    final int outChannel;

    Backbone(String label, int inChannel, int outChannel) {
      this.label = label;
      this.inChannel = inChannel;
      this.outChannel = outChannel;
    }
  }

  /**
   * Per-prior raw box offsets [B,N,4], class probabilities [B,N,2] and landmark offsets [B,N,10].
   */
  record Output(Tensor loc, Tensor conf, Tensor landmarks) {}

  /** Anchors per feature-map cell (the two minimum sizes of each pyramid level). */
  static final int ANCHORS = 2;

  private final Backbone backbone;
  private final Body body;
  private final Fpn fpn;
  private final List<Ssh> ssh;
  private final ModuleList<Head> classHead;
  private final ModuleList<Head> bboxHead;
  private final ModuleList<Head> landmarkHead;

  RetinaFace(Backbone backbone) {
    this.backbone = backbone;
    body =
        registerModule("body", backbone == Backbone.RESNET_50 ? new ResNet50() : new MobileNet());
    int in = backbone.inChannel;
    int out = backbone.outChannel;
    fpn = registerModule("fpn", new Fpn(new int[] {in * 2, in * 4, in * 8}, out));
    ssh =
        List.of(
            registerModule("ssh1", new Ssh(out, out)),
            registerModule("ssh2", new Ssh(out, out)),
            registerModule("ssh3", new Ssh(out, out)));
    classHead = registerModule("ClassHead", heads(out, 2));
    bboxHead = registerModule("BboxHead", heads(out, 4));
    landmarkHead = registerModule("LandmarkHead", heads(out, 10));
  }

  Backbone backbone() {
    return backbone;
  }

  private static ModuleList<Head> heads(int in, int values) {
    ModuleList<Head> list = new ModuleList<>();
    for (int i = 0; i < 3; i++) {
      list.add(new Head(in, values));
    }
    return list;
  }

  /**
   * Runs the network on a batch of BGR images minus the mean (104, 117, 123), [B,3,H,W] float;
   * class scores come out softmaxed, as in the reference's test phase.
   */
  Output forward(Tensor x) {
    Tensor[] levels = fpn.forward(body.forward(x));
    TensorVector loc = new TensorVector();
    TensorVector conf = new TensorVector();
    TensorVector landmarks = new TensorVector();
    for (int i = 0; i < 3; i++) {
      Tensor f = ssh.get(i).forward(levels[i]);
      loc.push_back(bboxHead.get(i).forward(f));
      conf.push_back(classHead.get(i).forward(f));
      landmarks.push_back(landmarkHead.get(i).forward(f));
    }
    return new Output(
        torch.cat(loc, 1), torch.softmax(torch.cat(conf, 1), -1), torch.cat(landmarks, 1));
  }

  /** A backbone returning its three feature maps at strides 8, 16 and 32. */
  private abstract static class Body extends Module {
    abstract Tensor[] forward(Tensor x);
  }

  /** MobileNetV1 at width 0.25 (models/net.py); only the three stages RetinaFace reads. */
  private static final class MobileNet extends Body {
    private final Sequential stage1 = new Sequential();
    private final Sequential stage2 = new Sequential();
    private final Sequential stage3 = new Sequential();

    MobileNet() {
      stage1.add(Layers.convBn(3, 8, 3, 2, 0.1));
      stage1.add(Layers.convDw(8, 16, 1));
      stage1.add(Layers.convDw(16, 32, 2));
      stage1.add(Layers.convDw(32, 32, 1));
      stage1.add(Layers.convDw(32, 64, 2));
      stage1.add(Layers.convDw(64, 64, 1));
      stage2.add(Layers.convDw(64, 128, 2));
      for (int i = 0; i < 5; i++) {
        stage2.add(Layers.convDw(128, 128, 1));
      }
      stage3.add(Layers.convDw(128, 256, 2));
      stage3.add(Layers.convDw(256, 256, 1));
      registerModule("stage1", stage1);
      registerModule("stage2", stage2);
      registerModule("stage3", stage3);
    }

    @Override
    Tensor[] forward(Tensor x) {
      Tensor c1 = stage1.forward(x);
      Tensor c2 = stage2.forward(c1);
      return new Tensor[] {c1, c2, stage3.forward(c2)};
    }
  }

  /** torchvision's ResNet-50 up to layer4 (the IntermediateLayerGetter of the reference). */
  private static final class ResNet50 extends Body {
    private final Conv2d conv1 = new Conv2d(3, 64, 7, 2, 3, 1, false);
    private final BatchNorm bn1 = new BatchNorm(64);
    private final List<Sequential> layers;

    ResNet50() {
      registerModule("conv1", conv1);
      registerModule("bn1", bn1);
      layers =
          List.of(
              registerModule("layer1", layer(64, 64, 3, 1)),
              registerModule("layer2", layer(256, 128, 4, 2)),
              registerModule("layer3", layer(512, 256, 6, 2)),
              registerModule("layer4", layer(1024, 512, 3, 2)));
    }

    private static Sequential layer(int in, int planes, int blocks, int stride) {
      Sequential s = new Sequential();
      s.add(new Bottleneck(in, planes, stride));
      for (int i = 1; i < blocks; i++) {
        s.add(new Bottleneck(planes * 4, planes, 1));
      }
      return s;
    }

    @Override
    Tensor[] forward(Tensor x) {
      Tensor h = torch.relu_(bn1.forward(conv1.forward(x)));
      h =
          torch.max_pool2d(
              h, new long[] {3, 3}, new long[] {2, 2}, new long[] {1, 1}, new long[] {1, 1}, false);
      Tensor[] out = new Tensor[3];
      for (int i = 0; i < 4; i++) {
        h = layers.get(i).forward(h);
        if (i > 0) {
          out[i - 1] = h;
        }
      }
      return out;
    }
  }

  /** torchvision's Bottleneck (stride on the 3×3 convolution), expansion 4. */
  private static final class Bottleneck extends Module implements Layer {
    private final Conv2d conv1;
    private final BatchNorm bn1;
    private final Conv2d conv2;
    private final BatchNorm bn2;
    private final Conv2d conv3;
    private final BatchNorm bn3;
    private final Sequential downsample;

    Bottleneck(int in, int planes, int stride) {
      conv1 = registerModule("conv1", new Conv2d(in, planes, 1, 1, 0, 1, false));
      bn1 = registerModule("bn1", new BatchNorm(planes));
      conv2 = registerModule("conv2", new Conv2d(planes, planes, 3, stride, 1, 1, false));
      bn2 = registerModule("bn2", new BatchNorm(planes));
      conv3 = registerModule("conv3", new Conv2d(planes, planes * 4, 1, 1, 0, 1, false));
      bn3 = registerModule("bn3", new BatchNorm(planes * 4));
      if (stride != 1 || in != planes * 4) {
        Sequential d = new Sequential();
        d.add(new Conv2d(in, planes * 4, 1, stride, 0, 1, false));
        d.add(new BatchNorm(planes * 4));
        downsample = registerModule("downsample", d);
      } else {
        downsample = null;
      }
    }

    @Override
    public Tensor forward(Tensor x) {
      Tensor h = torch.relu_(bn1.forward(conv1.forward(x)));
      h = torch.relu_(bn2.forward(conv2.forward(h)));
      h = bn3.forward(conv3.forward(h));
      return torch.relu_(h.add_(downsample == null ? x : downsample.forward(x)));
    }
  }

  /** Feature pyramid: 1×1 lateral convolutions, nearest upsampling, 3×3 merges. */
  private static final class Fpn extends Module {
    private final Sequential output1;
    private final Sequential output2;
    private final Sequential output3;
    private final Sequential merge1;
    private final Sequential merge2;

    Fpn(int[] in, int out) {
      double leaky = out <= 64 ? 0.1 : 0;
      output1 = registerModule("output1", Layers.convBn(in[0], out, 1, 1, leaky));
      output2 = registerModule("output2", Layers.convBn(in[1], out, 1, 1, leaky));
      output3 = registerModule("output3", Layers.convBn(in[2], out, 1, 1, leaky));
      merge1 = registerModule("merge1", Layers.convBn(out, out, 3, 1, leaky));
      merge2 = registerModule("merge2", Layers.convBn(out, out, 3, 1, leaky));
    }

    Tensor[] forward(Tensor[] c) {
      Tensor o1 = output1.forward(c[0]);
      Tensor o2 = output2.forward(c[1]);
      Tensor o3 = output3.forward(c[2]);
      o2 = merge2.forward(o2.add_(nearest(o3, o2)));
      o1 = merge1.forward(o1.add_(nearest(o2, o1)));
      return new Tensor[] {o1, o2, o3};
    }

    /** {@code x} resized to the height and width of {@code like} (F.interpolate mode "nearest"). */
    private static Tensor nearest(Tensor x, Tensor like) {
      return torch.upsample_nearest2d(x, like.size(2), like.size(3));
    }
  }

  /** The SSH context module: 3×3, stacked 5×5 and 7×7 receptive fields, concatenated, ReLU. */
  private static final class Ssh extends Module {
    private final Sequential conv3X3;
    private final Sequential conv5X5a;
    private final Sequential conv5X5b;
    private final Sequential conv7X7a;
    private final Sequential conv7X7b;

    Ssh(int in, int out) {
      double leaky = out <= 64 ? 0.1 : 0;
      conv3X3 = registerModule("conv3X3", Layers.convBn(in, out / 2, 3, 1, null));
      conv5X5a = registerModule("conv5X5_1", Layers.convBn(in, out / 4, 3, 1, leaky));
      conv5X5b = registerModule("conv5X5_2", Layers.convBn(out / 4, out / 4, 3, 1, null));
      conv7X7a = registerModule("conv7X7_2", Layers.convBn(out / 4, out / 4, 3, 1, leaky));
      conv7X7b = registerModule("conv7x7_3", Layers.convBn(out / 4, out / 4, 3, 1, null));
    }

    Tensor forward(Tensor x) {
      Tensor a = conv3X3.forward(x);
      Tensor b1 = conv5X5a.forward(x);
      Tensor b = conv5X5b.forward(b1);
      Tensor c = conv7X7b.forward(conv7X7a.forward(b1));
      TensorVector parts = new TensorVector(a, b, c);
      return torch.relu_(torch.cat(parts, 1));
    }
  }

  /**
   * A 1×1 convolution predicting {@code values} numbers per anchor, flattened to [B, H·W·A,
   * values].
   */
  private static final class Head extends Module {
    private final Conv2d conv1x1;
    private final int values;

    Head(int in, int values) {
      this.values = values;
      conv1x1 = registerModule("conv1x1", new Conv2d(in, ANCHORS * values, 1, 1, 0, 1, true));
    }

    Tensor forward(Tensor x) {
      Tensor y = conv1x1.forward(x).permute(0, 2, 3, 1).contiguous();
      return y.view(y.size(0), -1, values);
    }
  }
}
