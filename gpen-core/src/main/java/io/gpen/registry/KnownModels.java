package io.gpen.registry;

import io.gpen.registry.ModelInfo.GpenConfig;
import io.gpen.registry.ModelInfo.Kind;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The built-in model list.
 *
 * <p>No network was available when this list was written: URLs, sizes and checksums come from the
 * sources cited beside each entry and were not fetched live. A checksum is enforced only where one
 * is published for the very URL we download from (by its host, in the file name, or pinned to that
 * URL by independent projects). Digests seen only on other copies of a file (mirrors) are noted in
 * comments but not enforced, since nothing ties them to our URL.
 */
final class KnownModels {
  private KnownModels() {}

  // Official GPEN download links: README of yangxy/GPEN (commit b611a9f, "Download RetinaFace model
  // and our pre-trained model ... put them into weights/"). The authors publish no checksums or
  // sizes for these files.
  private static final String GPEN_BASE =
      "https://public-vigen-video.oss-cn-shanghai.aliyuncs.com/robin/models/";

  // GPEN-BFR-1024 and -2048 (README of yangxy/GPEN, news of 2023-02-15: "download them via
  // ModelScope2", the model damo/cv_gpen_image-portrait-enhancement-hires; "pytorch_model.pt,
  // pytorch_model-2048.pt are respectively the 1024 and 2048 versions"). ModelScope lists the
  // model now under the iic/ namespace; this is its per-file download link (resolve/<revision>/
  // <file>), which download lists of other projects use for these two files. ModelScope's file
  // list carries a SHA-256 per file, but it was not readable when this list was written: checksum
  // not published here, so none is enforced.
  private static final String MODELSCOPE_HIRES =
      "https://www.modelscope.cn/models/iic/cv_gpen_image-portrait-enhancement-hires/resolve/master/";

  static final List<ModelInfo> ALL =
      List.of(
          // Settings from demo.py/README (gpen-reference.md §1.6): 256 uses cm 1, narrow 0.5.
          model(
              "GPEN-BFR-256",
              Kind.GENERATOR,
              "GPEN face restoration generator for 256x256 faces (lighter and faster)",
              GPEN_BASE + "GPEN-BFR-256.pth",
              "GPEN-BFR-256.pth",
              -1,
              null,
              new GpenConfig(256, 1, 0.5)),
          // Settings: size 512, cm 2, narrow 1 (the demo default). Hugging Face mirrors
          // akhaliq/GPEN-BFR-512 and vinthony/videoretalking store a GPEN-BFR-512.pth of
          // 284,085,738 bytes with LFS oid sha256
          // f1002c41add95b0decad69604d80455576f7187dd99ca16bd611bcfd44c10b51;
          // the size is shown, the hash is not enforced (not published for this URL).
          model(
              "GPEN-BFR-512",
              Kind.GENERATOR,
              "GPEN face restoration generator for 512x512 faces (default model)",
              GPEN_BASE + "GPEN-BFR-512.pth",
              "GPEN-BFR-512.pth",
              284_085_738L,
              null,
              new GpenConfig(512, 2, 1.0)),
          // Settings: ModelScope's pipeline (image_portrait_enhancement_pipeline.py) builds
          // FullGenerator(1024, 512, 8, 2, narrow=1) for the hires model and loads this file
          // strictly: input and output 1024, cm 2, narrow 1. Checksum not published (above).
          model(
              "GPEN-BFR-1024",
              Kind.GENERATOR,
              "GPEN face restoration generator for 1024x1024 faces (ModelScope hires model)",
              MODELSCOPE_HIRES + "pytorch_model.pt",
              "GPEN-BFR-1024.pt",
              -1,
              null,
              new GpenConfig(1024, 2, 1.0)),
          // Settings: the official run.sh runs it as "--model GPEN-BFR-2048 --in_size 2048
          // --channel_multiplier 2 --narrow 1 --alpha 0.8" (no --out_size, which demo.py does not
          // pass on anyway): a FullGenerator, input and output 2048. Checksum not published.
          model(
              "GPEN-BFR-2048",
              Kind.GENERATOR,
              "GPEN face restoration generator for 2048x2048 faces, for selfies (ModelScope hires"
                  + " model)",
              MODELSCOPE_HIRES + "pytorch_model-2048.pt",
              "GPEN-BFR-2048.pt",
              -1,
              null,
              new GpenConfig(2048, 2, 1.0)),
          // Settings: README "demo.py --task FaceColorization --model GPEN-Colorization-1024
          // --in_size 1024"; FaceColorization defaults out_size 1024, channel_multiplier 2,
          // narrow 1 (demo.py passes neither). Its input is a grey face as 3-channel BGR. Checksum
          // not published (the README links, above).
          model(
              "GPEN-Colorization-1024",
              Kind.GENERATOR,
              "GPEN face colorization generator for 1024x1024 grey faces",
              GPEN_BASE + "GPEN-Colorization-1024.pth",
              "GPEN-Colorization-1024.pth",
              -1,
              null,
              new GpenConfig(1024, 2, 1.0)),
          // Settings: README "--task FaceInpainting --model GPEN-Inpainting-1024 --in_size 1024";
          // FaceInpainting defaults out_size 1024, cm 2, narrow 1. Checksum not published.
          model(
              "GPEN-Inpainting-1024",
              Kind.GENERATOR,
              "GPEN face inpainting generator for 1024x1024 faces with missing (white) regions",
              GPEN_BASE + "GPEN-Inpainting-1024.pth",
              "GPEN-Inpainting-1024.pth",
              -1,
              null,
              new GpenConfig(1024, 2, 1.0)),
          // Settings: README "--task Segmentation2Face --model GPEN-Seg2face-512 --in_size 512";
          // Segmentation2Face defaults cm 2, narrow 1, and demo.py passes is_norm=False: the
          // model takes its input in [0,1] and gives its output in [0,1], not GPEN's usual
          // [-1,1]. Checksum not published.
          model(
              "GPEN-Seg2face-512",
              Kind.GENERATOR,
              "GPEN generator drawing 512x512 faces from segmentation maps (input and output in"
                  + " [0,1], not [-1,1])",
              GPEN_BASE + "GPEN-Seg2face-512.pth",
              "GPEN-Seg2face-512.pth",
              -1,
              null,
              new GpenConfig(512, 2, 1.0)),
          // The discriminators' channel multiplier/narrow differ from their generators' (GPEN
          // issues #43, #117: 256-D has narrow 1) and the multiplier was never stated: no config
          // here, read it from the state dict's shapes.
          model(
              "GPEN-BFR-256-D",
              Kind.DISCRIMINATOR,
              "discriminator released with GPEN-BFR-256, to fine-tune it",
              GPEN_BASE + "GPEN-BFR-256-D.pth",
              "GPEN-BFR-256-D.pth",
              -1,
              null,
              null),
          model(
              "GPEN-BFR-512-D",
              Kind.DISCRIMINATOR,
              "discriminator released with GPEN-BFR-512, to fine-tune it",
              GPEN_BASE + "GPEN-BFR-512-D.pth",
              "GPEN-BFR-512-D.pth",
              -1,
              null,
              null),
          // Hugging Face mirror camenduru/GPEN shows RetinaFace-R50.pth (109 MB) with sha256
          // 6d1de9c2944f2ccddca5f5e010ea5ae64a39845a86311af6fdf30841b0a5a16d, the digest of
          // biubug6's Resnet50_Final.pth / facexlib's detection_Resnet50_Final.pth: not enforced.
          model(
              "RetinaFace-R50",
              Kind.FACE_DETECTOR,
              "RetinaFace face detector with a ResNet-50 backbone, as used by the official GPEN"
                  + " demo",
              GPEN_BASE + "RetinaFace-R50.pth",
              "RetinaFace-R50.pth",
              -1,
              null,
              null),
          // biubug6/Pytorch_Retinaface offers mobilenet0.25_Final.pth only on Google Drive/Baidu;
          // facexlib re-hosts it on a GitHub release (facexlib/detection/__init__.py). Digest: the
          // AUR PKGBUILD of python-facexlib pins this exact URL to it, and Hugging Face LFS records
          // of copies of biubug6's mobilenet0.25_Final.pth show the same value. Size 1,789,735
          // bytes (a download manifest for CodeFormer's copy of the same file).
          model(
              "RetinaFace-MobileNet0.25",
              Kind.FACE_DETECTOR,
              "lightweight RetinaFace face detector (biubug6 Pytorch_Retinaface"
                  + " mobilenet0.25_Final.pth)",
              "https://github.com/xinntao/facexlib/releases/download/v0.1.0/"
                  + "detection_mobilenet0.25_Final.pth",
              "retinaface_mobilenet0.25_Final.pth",
              1_789_735L,
              "2979b33ffafda5d74b6948cd7a5b9a7a62f62b949cef24e95fd15d2883a65220",
              null),
          // OpenCV zoo (opencv/opencv_zoo models/face_detection_yunet). The 2026may export is the
          // one this project's OpenCV 4.13 FaceDetectorYN was checked with (platform-notes.md).
          // Several projects pin this URL (commit 26cc381e) to this digest and 229,738 bytes, one
          // of them noting it matches the repository's LFS pointer. For comparison, the 2023mar
          // file's LFS pointer in the same folder reads sha256 8f2383e4...2fa4, 232,589 bytes.
          model(
              "YuNet",
              Kind.FACE_DETECTOR,
              "YuNet face detector for OpenCV FaceDetectorYN (OpenCV zoo, 2026may export)",
              "https://media.githubusercontent.com/media/opencv/opencv_zoo/"
                  + "26cc381e4d2594bb9f47a26eb8fd96c94a13660d/models/face_detection_yunet/"
                  + "face_detection_yunet_2026may.onnx",
              "face_detection_yunet_2026may.onnx",
              229_738L,
              "ebafce4e3c118d6554634be5c27ab333b4c047a9a8c3faf1d7cf93101c22f0f0",
              null),
          // The in-the-wild pipeline's face parser and background super-resolution, linked from the
          // same README line as the generators (FaceParse loads weights/ParseNet-latest.pth,
          // RealESRNet weights/realesrnet_x<scale>.pth); no checksums or sizes are published.
          // ParseNet-latest.pth is a plain state dict of ParseNet(512, 512, 32, 64, 19, bn,
          // LeakyReLU, ch_range [32, 256]); facexlib's parsing_parsenet.pth has the same layout.
          model(
              "ParseNet-latest",
              Kind.FACE_PARSER,
              "ParseNet face parser whose parsing masks the pasting of restored faces",
              GPEN_BASE + "ParseNet-latest.pth",
              "ParseNet-latest.pth",
              -1,
              null,
              null),
          // RRDBNet(3, 3, num_feat 32, num_block 23, num_grow_ch 32, scale s) under 'params_ema'.
          model(
              "realesrnet_x1",
              Kind.SUPER_RESOLUTION,
              "Real-ESRNet x1 background enhancement (same size) for the in-the-wild pipeline",
              GPEN_BASE + "realesrnet_x1.pth",
              "realesrnet_x1.pth",
              -1,
              null,
              null),
          model(
              "realesrnet_x2",
              Kind.SUPER_RESOLUTION,
              "Real-ESRNet x2 background super-resolution (the reference demo's default --sr_scale)",
              GPEN_BASE + "realesrnet_x2.pth",
              "realesrnet_x2.pth",
              -1,
              null,
              null),
          model(
              "realesrnet_x4",
              Kind.SUPER_RESOLUTION,
              "Real-ESRNet x4 background super-resolution for the in-the-wild pipeline",
              GPEN_BASE + "realesrnet_x4.pth",
              "realesrnet_x4.pth",
              -1,
              null,
              null),
          // Linked from the GPEN README (training's identity loss loads weights/model_ir_se50.pth).
          // Hugging Face copies of model_ir_se50.pth (e.g. adirik/stylemc-demo, 175 MB) show sha256
          // a035c768259b98ab1ce0e646312f48b9e1e218197a0f80ac6765e88f8b6ddf28, as does facexlib's
          // recognition_arcface_ir_se50.pth: not enforced.
          model(
              "ArcFace-IR-SE50",
              Kind.IDENTITY,
              "ArcFace IR-SE50 face identity network (model_ir_se50.pth) for GPEN's identity loss",
              GPEN_BASE + "model_ir_se50.pth",
              "model_ir_se50.pth",
              -1,
              null,
              null),
          // FID_WEIGHTS_URL of pytorch-fid (src/pytorch_fid/inception.py). The file name carries
          // the first 8 hex digits of its SHA-256 (torch.hub convention); no full digest is
          // published for this URL, so only the prefix is checked.
          model(
              "FID-InceptionV3",
              Kind.FID,
              "InceptionV3 ported from TensorFlow for FID (pytorch-fid pt_inception weights)",
              "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/"
                  + "pt_inception-2015-12-05-6726825d.pth",
              "pt_inception-2015-12-05-6726825d.pth",
              -1,
              "6726825d",
              null),
          // richzhang/PerceptualSimilarity lpips/weights/v0.1/alex.pth, pinned to commit 082bb24f.
          // Size 6,009 bytes and this digest are pinned by several independent projects.
          model(
              "LPIPS-Alex-v0.1",
              Kind.LPIPS,
              "LPIPS v0.1 linear heads on AlexNet features (alex.pth), used for validation",
              "https://raw.githubusercontent.com/richzhang/PerceptualSimilarity/"
                  + "082bb24f84c091ea94de2867d34c4544f68e0963/lpips/weights/v0.1/alex.pth",
              "lpips_v0.1_alex.pth",
              6_009L,
              "df73285e35b22355a2df87cdb6b70b343713b667eddbda73e1977e0c860835c0",
              null),
          // torchvision AlexNet_Weights.IMAGENET1K_V1, which lpips loads via
          // tv.alexnet(pretrained=True) (lpips/pretrained_networks.py). torchvision publishes the
          // prefix 7be5be79 in the name; the full digest (which starts with it) and 244,408,911
          // bytes are pinned for this URL by many projects.
          model(
              "AlexNet-torchvision",
              Kind.BACKBONE,
              "torchvision AlexNet ImageNet weights, the feature trunk that LPIPS-Alex needs",
              "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
              "alexnet-owt-7be5be79.pth",
              244_408_911L,
              "7be5be791159472b1fbf3c69796f7cb30dca7ad8466c2df70058c37116cdee02",
              null));

  private static ModelInfo model(
      String name,
      Kind kind,
      String description,
      String url,
      String fileName,
      long size,
      String sha256,
      GpenConfig gpen) {
    return new ModelInfo(
        name,
        kind,
        description,
        URI.create(url),
        fileName,
        size < 0 ? OptionalLong.empty() : OptionalLong.of(size),
        Optional.ofNullable(sha256),
        Optional.ofNullable(gpen));
  }
}
