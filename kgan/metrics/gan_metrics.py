"""`GANMetrics`: sample-quality scores every N epochs of `fit`, with a mode-collapse alarm."""

import time
import warnings

import keras
import numpy as np

from kgan.core.latent import latent_from_seed
from kgan.metrics.comparison import NUM_SAMPLES, FeatureComparison, balanced_labels, format_comparison, load_reference
from kgan.metrics.evaluation import SCALARS, Evaluator, format_report

ACTIONS = ("warn", "stop")
# What the callback logs with `features=` (and `classes_covered` when the features come from a classifier).
FEATURE_SCALARS = ("frechet_distance", "kid", "kid_std", "precision", "recall", "density", "coverage")


class GANMetrics(keras.callbacks.Callback):
    """Scores the generator every `every` epochs and logs the scores like Keras metrics.

    Lecture 004 warns that a GAN's losses do not say whether it is any good.
    This callback generates `protocol.num_samples` images from latent vectors
    fixed at the start of training (so epochs are comparable) and adds
    `classifier_score`, `frechet_distance`, `kid`, `kid_std`,
    `classes_covered` and `mode_collapse` (1.0 when the alarm fires) to the
    epoch's `logs`; for a conditional GAN (images asked for balanced labels)
    also `label_accuracy`, the share classified as the class asked for.
    Callbacks after it in the list (`HistoryLog`'s CSV,
    `keras.callbacks.TensorBoard`) and the `History` that `fit` returns see
    them. On epochs it does not evaluate it logs NaN, so every metric keeps one
    value per epoch. The last epoch is always evaluated.

    The alarm fires when fewer than `min_classes` classes are covered (see
    `kgan.metrics.classes_covered`) or, if set, the classifier score falls
    below `min_classifier_score`. It then warns (`on_collapse="warn"`) or
    stops training (`"stop"`).

    With `features` and `reference`, it compares with those real images in
    that feature space instead (as `kgan evaluate --reference --features`):
    it logs `frechet_distance`, `kid`, `kid_std`, `precision`, `recall`,
    `density`, `coverage`, and for a classifier's features `classes_covered`
    and `mode_collapse` (fewer than `min_classes` classes covered); the
    classifier score and its floor belong to the card protocol only.

    Args:
        classifier: `"mnist"` (shipped), a trained classifier's weights path,
            or an `Evaluator` (e.g. with a tiny classifier in tests).
        every: evaluate every this many epochs.
        on_collapse: `"warn"`, `"stop"` or None (no alarm).
        min_classes: fewest covered classes before the alarm fires (default:
            all of the classifier's classes).
        min_classifier_score: optional classifier-score floor of the alarm.
        start_epoch: no alarm before this (1-based) epoch, as a GAN starts
            from noise.
        verbose: print the report table after each evaluation.
        features: None (the `classifier`'s card protocol), or `"mnist"`,
            `"inception"`, `"classifier:FILE.keras"` or a
            `kgan.metrics.FeatureExtractor` (`kgan.metrics.load_features`).
        reference: with `features`, the real images: an array (uint8, or
            float in [-1, 1]) or a data set name, folder or .npz
            (`kgan.metrics.load_reference`, read at the generator's size).
        num_samples: with `features`, generated images per evaluation and most
            reference images.

    Attributes:
        records: one dict per evaluation: `epoch`, `wall_time` (seconds since
            training began), `eval_seconds` and the scores.

    Example:
        >>> gan.fit(data, epochs=50, callbacks=[GANMetrics(every=5), HistoryLog(run_dir)])  # doctest: +SKIP
    """

    def __init__(
        self,
        classifier="mnist",
        every=5,
        *,
        on_collapse="warn",
        min_classes=None,
        min_classifier_score=None,
        start_epoch=1,
        verbose=0,
        features=None,
        reference=None,
        num_samples=NUM_SAMPLES,
    ):
        super().__init__()
        if (features is None) != (reference is None):
            raise ValueError(
                "`features` and `reference` go together (what to compare with, in which feature space). "
                f"Received: features={features!r}, reference of type {type(reference).__name__}"
            )
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"`every` must be a positive integer. Received: every={every!r}")
        if on_collapse is not None and on_collapse not in ACTIONS:
            raise ValueError(f"`on_collapse` must be one of {ACTIONS} or None. Received: on_collapse={on_collapse!r}")
        self.classifier = classifier
        self.every = every
        self.on_collapse = on_collapse
        self.min_classes = min_classes
        self.min_classifier_score = min_classifier_score
        self.start_epoch = start_epoch
        self.verbose = verbose
        self.evaluator = classifier if isinstance(classifier, Evaluator) else None
        self.features = features
        self.reference = reference
        self.num_samples = num_samples
        self.comparison = None
        self.records = []

    def on_train_begin(self, logs=None):
        if self.features is not None:
            self._begin_comparison()
        else:
            if self.evaluator is None:
                self.evaluator = Evaluator.from_classifier(self.classifier)
            num_classes = self.evaluator.num_classes
            self._begin(self.evaluator.protocol.num_samples, self.evaluator.protocol.seed, num_classes)
            self._names = (*SCALARS, "label_accuracy") if self._labels is not None else SCALARS
            self._names = (*self._names, "mode_collapse")
            self._class_names = self.evaluator.class_names

    def _begin_comparison(self):
        if self.comparison is None:
            reference = self.reference
            if isinstance(reference, str) or hasattr(reference, "__fspath__"):
                reference = load_reference(reference, self.model.spec.image_shape)[0]
            self.comparison = FeatureComparison(self.features, reference, num_samples=self.num_samples)
        extractor = self.comparison.features
        self._class_names = [str(i) for i in range(extractor.num_classes or 0)]
        self._begin(self.num_samples, self.comparison.seed, self.model.num_classes or extractor.num_classes)
        self._names = FEATURE_SCALARS + (("classes_covered", "mode_collapse") if extractor.has_classes else ())

    def _begin(self, num, seed, num_classes):
        # Fixed latent vectors from the model's latent distribution, drawn once with the protocol's own seed,
        # so evaluating does not advance the GAN's noise stream: a run with the callback trains as one without.
        self._latent = latent_from_seed(seed, self.model.latent_dim, self.model.latent_distribution, num)
        self._labels = balanced_labels(num, num_classes) if self.model.conditional else None
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        last = self.params and epoch + 1 == self.params.get("epochs")
        if (epoch + 1) % self.every and not last:
            logs.update({name: float("nan") for name in self._names})
            return
        began = time.perf_counter()
        if self.comparison is not None:
            result = self.comparison.score(self._generate())
        else:
            result = self.evaluator.score(self._generate(), self._labels)
        collapsed = "mode_collapse" in self._names and self._collapsed(result) and epoch + 1 >= self.start_epoch
        logs.update({name: float(result[name]) for name in self._names if name != "mode_collapse"})
        if "mode_collapse" in self._names:
            logs["mode_collapse"] = float(collapsed)
        now = time.perf_counter()
        self.records.append(
            {
                "epoch": epoch + 1,
                "wall_time": now - self._start,
                "eval_seconds": now - began,
                **result,
                "mode_collapse": collapsed,
            }
        )
        if self.verbose:
            print("\n" + self._report(result, epoch))
        if collapsed and self.on_collapse:
            histogram = ", ".join(f"{n}:{c}" for n, c in zip(self._class_names, result["histogram"]))
            message = (
                f"Mode collapse at epoch {epoch + 1}: {result['classes_covered']} of {len(result['histogram'])} "
                f"classes covered"
                + (f", classifier score {result['classifier_score']:.2f}" if "classifier_score" in result else "")
                + f" (class histogram {histogram})."
            )
            if self.on_collapse == "stop":
                print(f"\n{message} Stopping training.")
                self.model.stop_training = True
            else:
                warnings.warn(message, stacklevel=2)

    def _generate(self, batch_size=250):
        images = []
        for start in range(0, len(self._latent), batch_size):
            labels = None if self._labels is None else self._labels[start : start + batch_size]
            images.append(np.asarray(self.model.generate(self._latent[start : start + batch_size], labels)))
        return np.concatenate(images)

    def _report(self, result, epoch):
        if self.comparison is not None:
            extractor = self.comparison.features
            title = f"epoch {epoch + 1}: generated vs reference images"
            return format_comparison(result, extractor.name, is_inception=extractor.is_inception, title=title)
        title = f"epoch {epoch + 1}: generated vs held-out real images"
        return format_report(result, self.evaluator.reference, self.evaluator.class_names, title=title)

    def _collapsed(self, result):
        return is_mode_collapse(
            result,
            len(result["histogram"]),
            min_classes=self.min_classes,
            min_classifier_score=self.min_classifier_score if "classifier_score" in result else None,
        )


def is_mode_collapse(result, num_classes, *, min_classes=None, min_classifier_score=None):
    """Whether scores show a collapse: too few classes covered, or (if set) too low a classifier score.

    Args:
        result: a dict from `kgan.metrics.Evaluator.score`.
        num_classes: the classifier's number of classes.
        min_classes: fewest covered classes allowed (default `num_classes`).
        min_classifier_score: optional classifier-score floor.

    Returns:
        A bool.
    """
    min_classes = num_classes if min_classes is None else min_classes
    if result["classes_covered"] < min_classes:
        return True
    return min_classifier_score is not None and result["classifier_score"] < min_classifier_score
