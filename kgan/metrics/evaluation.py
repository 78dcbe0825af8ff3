"""The evaluation protocol: fixed sample counts, one feature layer, real-data references.

A score only means something beside the same score for real data computed the
same way. `Evaluator` fixes the protocol (`Protocol`: 1,000 generated images
against 1,000 held-out real images, the classifier's `"features"` layer, KID
over 50 subsets of 500) and `format_report` prints every result beside the
real-against-real reference stored in the classifier's card.
"""

import dataclasses

import numpy as np

from kgan.metrics import scores
from kgan.metrics.classifier import FEATURE_LAYER, feature_model, load_classifier, load_split, to_unit_range


@dataclasses.dataclass(frozen=True)
class Protocol:
    """How generated images are scored; change it and the references no longer apply.

    Attributes:
        num_samples: generated images per evaluation, and real images they are
            compared with (the Fréchet distance depends on the count).
        feature_layer: the classifier layer the distances use.
        kid_subset_size: images per KID subset.
        kid_subsets: number of KID subsets.
        coverage_min_share: a class is covered when it holds at least this
            fraction of its uniform share of the samples (`classes_covered`).
        seed: seed of the real-image draw, the KID subsets and the latent
            vectors of `evaluate_export`.
    """

    num_samples: int = 1000
    feature_layer: str = FEATURE_LAYER
    kid_subset_size: int = 500
    kid_subsets: int = 50
    coverage_min_share: float = 0.25
    seed: int = 0

    def to_dict(self):
        return dataclasses.asdict(self)


# The scalar scores, in the order reports list them.
SCALARS = ("classifier_score", "frechet_distance", "kid", "kid_std", "classes_covered")


class Evaluator:
    """Scores batches of images against a fixed set of real images.

    The real images' features are computed once, at construction.

    Args:
        classifier: a Keras classifier from images in [-1, 1] to class
            probabilities, with a layer named `protocol.feature_layer`.
        real_images: real images, float in [-1, 1] or uint8; if there are
            more than `protocol.num_samples`, a seeded draw of that many is used.
        protocol: a `Protocol`.
        reference: the real-against-real scores to print beside results.
        class_names: names of the classes, for the histogram.

    Example:
        >>> evaluator = Evaluator.from_classifier("mnist")
        >>> result = evaluator.score(images)  # doctest: +SKIP
        >>> print(format_report(result, evaluator.reference))  # doctest: +SKIP
    """

    def __init__(self, classifier, real_images, *, protocol=None, reference=None, class_names=None):
        self.protocol = protocol or Protocol()
        self.classifier = classifier
        self.reference = reference
        self.num_classes = int(classifier.outputs[0].shape[-1])
        self.class_names = list(class_names) if class_names else [str(i) for i in range(self.num_classes)]
        self.image_shape = tuple(classifier.inputs[0].shape[1:])
        self._features = feature_model(classifier, self.protocol.feature_layer)
        real_images = _as_unit_range(real_images)
        if len(real_images) > self.protocol.num_samples:
            rng = np.random.default_rng(self.protocol.seed)
            real_images = real_images[np.sort(rng.choice(len(real_images), self.protocol.num_samples, replace=False))]
        self.real_features, _ = self.features_and_probabilities(real_images)

    @classmethod
    def from_classifier(cls, classifier="mnist"):
        """The protocol of a trained classifier's card: its held-out images, protocol and references.

        Args:
            classifier: `"mnist"` (shipped) or the path of a
                `*_classifier.weights.h5` with its card.
        """
        model, card = load_classifier(classifier)
        _, _, held_out, _, _ = load_split(card["dataset"], card.get("data_path"))
        reference = card.get("reference")
        if reference is not None and "held_out_accuracy" in card:
            # Real digits with their true labels: the best label accuracy a generator can show.
            reference = {**reference, "label_accuracy": card["held_out_accuracy"]}
        return cls(
            model,
            held_out,
            protocol=Protocol(**card["protocol"]),
            reference=reference,
            class_names=card.get("class_names"),
        )

    def features_and_probabilities(self, images, batch_size=250):
        """`(features, probabilities)` of images in [-1, 1], as float64 NumPy arrays."""
        images = np.asarray(images, dtype=np.float32)
        if tuple(images.shape[1:]) != self.image_shape:
            raise ValueError(
                f"The classifier takes images of shape {self.image_shape}. Received: images.shape={images.shape}"
            )
        features, probabilities = [], []
        for start in range(0, len(images), batch_size):
            f, p = self._features(np.clip(images[start : start + batch_size], -1.0, 1.0), training=False)
            features.append(np.asarray(f, dtype=np.float64))
            probabilities.append(np.asarray(p, dtype=np.float64))
        return np.concatenate(features), np.concatenate(probabilities)

    def score(self, images, labels=None):
        """Scores generated images (float in [-1, 1]) against the real images.

        Args:
            images: generated images, float in [-1, 1].
            labels: for a conditional generator, the class each image was
                generated for (integers, one per image); None otherwise.

        Returns:
            A dict with the floats `classifier_score`, `frechet_distance`,
            `kid`, `kid_std`, the int `classes_covered` and `histogram`, the
            list of samples per class. With `labels`, also `label_accuracy`
            (share of images the classifier assigns to the requested class)
            and `label_accuracy_per_class` (a list, NaN for a class not asked for).
        """
        features, probabilities = self.features_and_probabilities(images)
        histogram = scores.class_histogram(probabilities)
        kid, kid_std = scores.kernel_inception_distance(
            features,
            self.real_features,
            subset_size=self.protocol.kid_subset_size,
            num_subsets=self.protocol.kid_subsets,
            seed=self.protocol.seed,
        )
        result = {
            "classifier_score": scores.classifier_score(probabilities),
            "frechet_distance": scores.frechet_distance(features, self.real_features),
            "kid": kid,
            "kid_std": kid_std,
            "classes_covered": scores.classes_covered(histogram, self.protocol.coverage_min_share),
            "histogram": histogram.tolist(),
        }
        if labels is not None:
            result["label_accuracy"] = scores.label_accuracy(probabilities, labels)
            result["label_accuracy_per_class"] = scores.label_accuracy_per_class(probabilities, labels).tolist()
        return result


def reference_scores(classifier, train_images, held_out_images, protocol=None):
    """Real against real: training images scored exactly as generated images would be.

    A seeded draw of `protocol.num_samples` training images (what a generator
    that reproduced its training data perfectly would output) is scored
    against the held-out images. The classifier score of the held-out images
    themselves is added as `held_out_classifier_score`.

    Returns:
        A dict of the `SCALARS`, `histogram` and `held_out_classifier_score`.
    """
    protocol = protocol or Protocol()
    evaluator = Evaluator(classifier, held_out_images, protocol=protocol)
    rng = np.random.default_rng(protocol.seed + 1)
    count = min(protocol.num_samples, len(train_images))
    draw = _as_unit_range(train_images)[np.sort(rng.choice(len(train_images), count, replace=False))]
    reference = evaluator.score(draw)
    held_out = _as_unit_range(held_out_images)[: protocol.num_samples]
    _, probabilities = evaluator.features_and_probabilities(held_out)
    reference["held_out_classifier_score"] = scores.classifier_score(probabilities)
    return reference


def format_report(result, reference=None, class_names=None, title=None):
    """A table of scores beside the real-against-real references, with how to read them.

    Args:
        result: a dict from `Evaluator.score`.
        reference: the references (a classifier card's `reference`), or None.
        class_names: names for the histogram.
        title: a first line.

    Returns:
        The report as a string.
    """
    histogram = result.get("histogram") or []
    num_classes = len(histogram)
    names = class_names or [str(i) for i in range(num_classes)]
    ref = reference or {}

    def cell(values, key, fmt):
        return format(values[key], fmt) if key in values else "-"

    rows = [
        ("classifier score", "classifier_score", ".3f", f"higher is better, at most {num_classes or 'K'}"),
        ("Frechet distance", "frechet_distance", ".3f", "lower is better, 0 = same feature statistics"),
        ("KID", "kid", ".5f", "lower is better, about 0 = same distribution"),
        ("KID std", "kid_std", ".5f", "spread over the KID subsets"),
        ("classes covered", "classes_covered", "d", f"of {num_classes}, each with >= 1/4 of a fair share"),
    ]
    if "label_accuracy" in result:
        rows.append(
            (
                "label accuracy",
                "label_accuracy",
                ".3f",
                "share classified as the class asked for; real: the classifier's held-out accuracy",
            )
        )
    lines = [title] if title else []
    lines.append(f"{'metric':<18}{'generated':>12}{'real vs real':>14}   how to read")
    for label, key, fmt, how in rows:
        lines.append(f"{label:<18}{cell(result, key, fmt):>12}{cell(ref, key, fmt):>14}   {how}")
    if histogram:
        total = max(sum(histogram), 1)
        lines.append("class histogram of generated samples (share):")
        lines.append("  " + "  ".join(f"{n}:{c / total:.0%}" for n, c in zip(names, histogram)))
    if "label_accuracy_per_class" in result:
        lines.append("label accuracy per requested class:")
        lines.append(
            "  "
            + "  ".join(
                f"{n}:{'-' if a != a else format(a, '.0%')}" for n, a in zip(names, result["label_accuracy_per_class"])
            )
        )
    return "\n".join(lines)


def _as_unit_range(images):
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return to_unit_range(images)
    return images.astype(np.float32)


def evaluate_export(export_dir, classifier="mnist", *, evaluator=None, batch_size=250, verbose=True, trust=False):
    """Scores an exported generator against real images, beside the real-data references.

    Draws `protocol.num_samples` latent vectors (seeded, with
    `kgan.core.latent.latent_from_seed`; from the latent distribution of the
    export's `spec`: recorded in its metadata, `normal` if none is
    recorded), balanced labels for a conditional generator, and scores the
    images with `Evaluator.score` (for a conditional generator with its
    labels, so the report includes the label accuracy).

    Args:
        export_dir: a SavedModel version folder or a model folder (highest
            version), as written by `kgan.serving.export_generator`.
        classifier: `"mnist"` or a trained classifier's weights path.
        evaluator: an `Evaluator` to use instead of `classifier`'s.
        batch_size: images generated per call.
        verbose: print the report.
        trust: run the export even if its graph holds ops a generator does not
            need (`kgan.serving.load_generator`'s `trust`).

    Returns:
        A dict: `scores` (from `Evaluator.score`), `reference`, `export`
        (the version folder), `report` (the printed text).

    Raises:
        FileNotFoundError: if `export_dir` does not exist.
        ValueError: if it is not a kgan export, its graph is refused
            (`kgan.serving.trust.UntrustedExportError`) or its images do not
            fit the classifier.

    Example:
        >>> result = evaluate_export("runs/mnist_infogan-.../saved_models/mnist_infogan")  # doctest: +SKIP
        >>> result["scores"]["classifier_score"]  # doctest: +SKIP
        9.1
    """
    from kgan import serving

    generate = serving.load_generator(export_dir, trust=trust)
    evaluator = evaluator or Evaluator.from_classifier(classifier)
    if tuple(generate.image_shape) != evaluator.image_shape:
        raise ValueError(
            f"The generator makes images of shape {tuple(generate.image_shape)} but the classifier takes "
            f"{evaluator.image_shape}; compare it with real images instead: kgan evaluate EXPORT --reference "
            f"DATASET_OR_FOLDER --features inception|classifier:FILE.keras. Received: export_dir={str(export_dir)!r}"
        )
    num = evaluator.protocol.num_samples
    latent = generate.spec.latent_from_seed(evaluator.protocol.seed, num)
    labels = None
    if generate.conditional:
        labels = np.arange(num, dtype=np.int32) % (generate.num_classes or evaluator.num_classes)
    images = np.concatenate(
        [
            generate(latent[i : i + batch_size], None if labels is None else labels[i : i + batch_size])
            for i in range(0, num, batch_size)
        ]
    )
    result = evaluator.score(images, labels)
    report = format_report(
        result,
        evaluator.reference,
        evaluator.class_names,
        title=f"{generate.path}: {num} generated images vs {num} held-out real images",
    )
    if verbose:
        print(report)
    return {"scores": result, "reference": evaluator.reference, "export": str(generate.path), "report": report}
