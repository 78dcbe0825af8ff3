"""Is the GAN any good? Classifier score, Fréchet distance, KID, precision/recall, density/coverage, classes.

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
- any images, any features (`kgan evaluate --reference`): `features`
  (`load_features`: the shipped MNIST classifier, any Keras classifier, or
  InceptionV3), `manifold` (`precision_recall`, `density_coverage`: k-NN
  manifolds), `comparison` (`FeatureComparison`, `compare_export`,
  `format_comparison`);
- `train_classifier` (`classifier_training`): trains a classifier and writes
  its card with the protocol's real-against-real references;
- the toy-problem checks (`toy_checks`, for the data of `kgan.lectures`),
  re-exported here: `mode_coverage` (modes covered and share of high-quality
  samples on the ring of Gaussians), `moment_errors`, `mean_distance_to_line`.
"""

from kgan.metrics.classifier import FEATURE_LAYER, build_classifier, load_classifier, read_card, split_embedded_mnist
from kgan.metrics.classifier_training import train_classifier
from kgan.metrics.comparison import FeatureComparison, compare_export, format_comparison, load_reference
from kgan.metrics.evaluation import Evaluator, Protocol, evaluate_export, format_report, reference_scores
from kgan.metrics.features import FeatureExtractor, load_features
from kgan.metrics.gan_metrics import GANMetrics, is_mode_collapse
from kgan.metrics.manifold import density_coverage, manifold_metrics, precision_recall
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
    "FeatureComparison",
    "FeatureExtractor",
    "GANMetrics",
    "ModeCoverage",
    "Moments",
    "Protocol",
    "build_classifier",
    "class_histogram",
    "classes_covered",
    "classifier_score",
    "compare_export",
    "density_coverage",
    "evaluate_export",
    "format_comparison",
    "format_report",
    "frechet_distance",
    "frechet_distance_from_moments",
    "is_mode_collapse",
    "kernel_inception_distance",
    "load_classifier",
    "load_features",
    "load_reference",
    "manifold_metrics",
    "mean_distance_to_line",
    "mode_coverage",
    "moment_errors",
    "precision_recall",
    "read_card",
    "reference_scores",
    "split_embedded_mnist",
    "train_classifier",
]
