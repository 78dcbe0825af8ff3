"""Is the GAN any good? Classifier score, Fréchet distance, KID and class coverage.

Lecture 004 ends on "convergence ambiguity: there's no single metric; the loss
values don't help." `kgan.metrics` scores generated images with a small
classifier of the data's own classes (MNIST's is shipped; see
`docs/metrics.md` for the protocol and the reference values):

- `scores`: `frechet_distance`, `kernel_inception_distance`,
  `classifier_score`, `class_histogram`, `classes_covered` (plain NumPy);
- `Evaluator` / `Protocol`: the fixed protocol (1,000 generated vs 1,000
  held-out real images, the `"features"` layer) and `format_report`, which
  prints results beside the real-against-real references;
- `GANMetrics`: a callback logging the scores every N epochs of `fit`, with a
  mode-collapse alarm;
- `evaluate_export`: scores a generator exported by `kgan.serving`;
- `train_classifier` (`classifier_training`): trains a classifier and writes
  its card with the protocol's real-against-real references;
- the toy-problem checks (`toy_checks`, for the data of `kgan.lectures`),
  re-exported here: `mode_coverage` (modes covered and share of high-quality
  samples on the ring of Gaussians), `moment_errors`, `mean_distance_to_line`.
"""

from kgan.metrics.classifier import FEATURE_LAYER, build_classifier, load_classifier, read_card, split_embedded_mnist
from kgan.metrics.classifier_training import train_classifier
from kgan.metrics.evaluation import Evaluator, Protocol, evaluate_export, format_report, reference_scores
from kgan.metrics.gan_metrics import GANMetrics, is_mode_collapse
from kgan.metrics.scores import (
    class_histogram,
    classes_covered,
    classifier_score,
    frechet_distance,
    frechet_distance_from_moments,
    kernel_inception_distance,
)
from kgan.metrics.toy_checks import ModeCoverage, Moments, mean_distance_to_line, mode_coverage, moment_errors

__all__ = [
    "FEATURE_LAYER",
    "Evaluator",
    "GANMetrics",
    "ModeCoverage",
    "Moments",
    "Protocol",
    "build_classifier",
    "class_histogram",
    "classes_covered",
    "classifier_score",
    "evaluate_export",
    "format_report",
    "frechet_distance",
    "frechet_distance_from_moments",
    "is_mode_collapse",
    "kernel_inception_distance",
    "load_classifier",
    "mean_distance_to_line",
    "mode_coverage",
    "moment_errors",
    "read_card",
    "reference_scores",
    "split_embedded_mnist",
    "train_classifier",
]
