package io.gpen.eval;

import io.gpen.metrics.Loaded;
import io.gpen.metrics.MetricResult;
import java.util.List;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.Tensor;

/**
 * {@link Metric#IDENTITY}: the {@link IdentitySimilarity} of each image and its real face, and the
 * mean; each note names the embedding network, as values of different networks do not compare.
 */
public final class IdentityScorer implements Scorer {
  private final IdentitySimilarity net;
  private final Values values;

  private IdentityScorer(IdentitySimilarity net) {
    this.net = net;
    this.values = new Values(new PerImageScores(Metric.IDENTITY), net.embedder());
  }

  /**
   * The per-image similarities and the embedding network that gave them: this scorer's {@link
   * Tally}.
   */
  private record Values(PerImageScores scores, String embedder) implements Tally {
    @Override
    public Metric metric() {
      return Metric.IDENTITY;
    }

    @Override
    public void append(Tally later) {
      if (!(later instanceof Values v) || !v.embedder.equals(embedder)) {
        throw new IllegalArgumentException(
            "cannot append "
                + later.metric().label()
                + " scores to the identity"
                + " similarities of "
                + embedder);
      }
      scores.append(v.scores);
    }

    @Override
    public Evaluation.Scores finish() {
      Evaluation.Scores means = scores.scores();
      return new Evaluation.Scores(naming(means.degraded()), naming(means.restored()));
    }

    private MetricResult naming(MetricResult r) {
      return r.isSkipped()
          ? r
          : new MetricResult(r.name(), r.value(), r.perImage(), r.note() + "; " + embedder);
    }
  }

  /**
   * A scorer with the network, or skipped with the reason it was not loaded. The network stays the
   * caller's, to close after {@link #finish()}.
   */
  public static Scorer of(Loaded<IdentitySimilarity> identity) {
    return identity
        .model()
        .<Scorer>map(IdentityScorer::new)
        .orElseGet(() -> Scorer.skipped(Metric.IDENTITY, identity.skipReason().orElseThrow()));
  }

  @Override
  public Metric metric() {
    return Metric.IDENTITY;
  }

  @Override
  public void add(List<Mat> degraded, List<Mat> restored, List<Mat> real) {
    try (PointerScope scope = new PointerScope()) {
      // the real faces are embedded once for both columns
      Tensor truth = net.embed(real);
      values
          .scores()
          .addAll(
              IdentitySimilarity.similarity(net.embed(degraded), truth),
              IdentitySimilarity.similarity(net.embed(restored), truth));
    }
  }

  @Override
  public Evaluation.Scores finish() {
    return values.finish();
  }

  /** The per-image values so far, with the embedding network's name. */
  @Override
  public Optional<Tally> tally() {
    return Optional.of(values);
  }
}
