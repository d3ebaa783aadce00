package io.gpen.workflow;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;

import io.gpen.data.Degradation;
import io.gpen.data.FaceDataset;
import io.gpen.data.FaceLoader;
import io.gpen.eval.EvalImages;
import io.gpen.eval.Evaluator;
import io.gpen.eval.SourceSizes;
import io.gpen.image.Image;
import io.gpen.image.Images;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The faces an evaluation scores, a batch at a time: each high-quality input resized to the model
 * size (area interpolation), degraded with the seeded test degradation ({@link
 * Evaluator#TEST_DEGRADATION}, input i keyed by (seed, 0, i)) and rounded to 8 bits, with its real
 * face. Unreadable inputs are reported to the listener and left out.
 */
interface DegradedFaces extends AutoCloseable {
  /**
   * One batch. The matrices live in the caller's pointer scope; closing the batch closes the input
   * images.
   *
   * @param names the faces' names in the reports
   * @param degraded what the model is given
   * @param real the ground truths
   * @param files the input files, where the faces were read one by one (else empty)
   * @param images the input images as read, alpha included, in the same case (else empty)
   * @param inputs how many input files the batch went through, unreadable ones included
   */
  record Batch(
      List<String> names,
      List<Mat> degraded,
      List<Mat> real,
      List<Path> files,
      List<Image> images,
      int inputs)
      implements AutoCloseable {
    @Override
    public void close() {
      images.forEach(Image::close);
    }
  }

  /** The name of every input file, in order, readable or not. */
  List<String> names();

  /**
   * How many input files are not of the model size (and so are resized); unreadable ones not
   * counted.
   */
  int resized();

  boolean hasNext();

  Batch next();

  /** How many input files could not be read so far. */
  int unreadable();

  @Override
  void close();

  /**
   * Every image in {@code dir} and below it, sorted by path, decoded and degraded by background
   * threads ahead of use ({@link FaceLoader} in evaluation mode).
   */
  static DegradedFaces folder(
      Path dir, int size, int batchSize, long seed, WorkflowListener listener) {
    FaceLoader loader =
        FaceLoader.builder(dir, size)
            .evaluation()
            .batchSize(batchSize)
            .seed(seed)
            .degradation(Evaluator.TEST_DEGRADATION)
            .warnings(listener::warning)
            .build();
    return new DegradedFaces() {
      @Override
      public List<String> names() {
        FaceDataset data = loader.dataset();
        List<String> names = new ArrayList<>(data.count());
        for (int i = 0; i < data.count(); i++) {
          names.add(data.name(i));
        }
        return names;
      }

      @Override
      public int resized() {
        return SourceSizes.countResized(loader.dataset());
      }

      @Override
      public boolean hasNext() {
        return loader.hasNext();
      }

      @Override
      public Batch next() {
        io.gpen.data.Batch batch = loader.next();
        int per = 3 * size * size;
        List<Mat> degraded = new ArrayList<>();
        List<Mat> real = new ArrayList<>();
        for (int i = 0; i < batch.count(); i++) {
          degraded.add(EvalImages.toEightBit(batch.lq(), i * per, size));
          real.add(EvalImages.toEightBit(batch.gt(), i * per, size));
        }
        return new Batch(batch.names(), degraded, real, List.of(), List.of(), batch.count());
      }

      @Override
      public int unreadable() {
        return loader.skipped();
      }

      @Override
      public void close() {
        loader.close();
      }
    };
  }

  /**
   * The images a restoration reads ({@link InputImages}), read one batch at a time on the calling
   * thread; each face is degraded as {@code gpen degrade} degrades it ({@link
   * Degradation#applyEightBit}).
   */
  static DegradedFaces listed(
      InputImages inputs, int size, int batchSize, long seed, WorkflowListener listener) {
    Degradation degradation = new Degradation(Evaluator.TEST_DEGRADATION);
    List<Path> files = inputs.files();
    return new DegradedFaces() {
      private int next;
      private int unreadable;

      @Override
      public List<String> names() {
        return files.stream().map(p -> p.getFileName().toString()).toList();
      }

      @Override
      public int resized() {
        return SourceSizes.countResized(files, size);
      }

      @Override
      public boolean hasNext() {
        return next < files.size();
      }

      @Override
      public Batch next() {
        int from = next;
        next = Math.min(files.size(), from + batchSize);
        ImageChunk in = inputs.read(from, next, listener);
        unreadable += in.skipped;
        List<Mat> degraded = new ArrayList<>();
        List<Mat> real = new ArrayList<>();
        try {
          for (int k = 0; k < in.images.size(); k++) {
            try (Mat hq = Images.resize(in.images.get(k).bgr(), size, size, INTER_AREA)) {
              Degradation.Pair pair =
                  degradation.applyEightBit(hq, degradation.draw(seed, 0, in.positions.get(k)));
              degraded.add(pair.lq());
              real.add(pair.gt());
            }
          }
        } catch (RuntimeException e) {
          in.close();
          throw e;
        }
        return new Batch(in.names(), degraded, real, in.sources, in.images, next - from);
      }

      @Override
      public int unreadable() {
        return unreadable;
      }

      @Override
      public void close() {}
    };
  }
}
