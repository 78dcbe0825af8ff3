"""`GANMetrics`: sample-quality scores every N epochs of `fit`, with a mode-collapse alarm."""

import time
import warnings

import keras
import numpy as np

from kgan.core.latent import latent_from_seed
from kgan.metrics.evaluation import SCALARS, Evaluator, format_report

ACTIONS = ("warn", "stop")


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
    ):
        super().__init__()
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
        self.records = []

    def on_train_begin(self, logs=None):
        if self.evaluator is None:
            self.evaluator = Evaluator.from_classifier(self.classifier)
        num = self.evaluator.protocol.num_samples
        # Fixed latent vectors from the model's latent distribution, drawn once with the protocol's own seed,
        # so evaluating does not advance the GAN's noise stream: a run with the callback trains as one without.
        self._latent = latent_from_seed(
            self.evaluator.protocol.seed, self.model.latent_dim, self.model.latent_distribution, num
        )
        self._labels = np.arange(num, dtype=np.int32) % self.evaluator.num_classes if self.model.conditional else None
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        last = self.params and epoch + 1 == self.params.get("epochs")
        names = (*SCALARS, "label_accuracy") if self._labels is not None else SCALARS
        if (epoch + 1) % self.every and not last:
            logs.update({name: float("nan") for name in (*names, "mode_collapse")})
            return
        began = time.perf_counter()
        result = self.evaluator.score(self._generate(), self._labels)
        collapsed = self._collapsed(result) and epoch + 1 >= self.start_epoch
        logs.update({name: float(result[name]) for name in names})
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
            print(
                "\n"
                + format_report(
                    result,
                    self.evaluator.reference,
                    self.evaluator.class_names,
                    title=f"epoch {epoch + 1}: generated vs held-out real images",
                )
            )
        if collapsed and self.on_collapse:
            histogram = ", ".join(f"{n}:{c}" for n, c in zip(self.evaluator.class_names, result["histogram"]))
            message = (
                f"Mode collapse at epoch {epoch + 1}: {result['classes_covered']} of {self.evaluator.num_classes} "
                f"classes covered, classifier score {result['classifier_score']:.2f} (class histogram {histogram})."
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

    def _collapsed(self, result):
        return is_mode_collapse(
            result,
            self.evaluator.num_classes,
            min_classes=self.min_classes,
            min_classifier_score=self.min_classifier_score,
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
