"""Generated images against any reference set, in any feature space: FD/FID, KID, precision, recall, density, coverage.

`FeatureComparison` computes the reference set's features once and scores
batches of generated images against them; `compare_export` does it for an
exported generator and a reference given as a data set name or a folder
(`kgan evaluate EXPORT --reference ...`), and `format_comparison` prints the
numbers with how to read them. The feature models are in
`kgan.metrics.features`; docs/metrics.md says what each number means.
"""

import os

import numpy as np

from kgan.core.catalog import EVALUATE_SAMPLES as NUM_SAMPLES  # images per side unless asked otherwise
from kgan.data import DATASETS, load_arrays
from kgan.metrics import manifold, scores
from kgan.metrics.classifier import to_unit_range
from kgan.metrics.features import load_features

# KID: subsets of half the smaller set (at most 1,000), this many of them.
KID_SUBSETS = 50
KID_MAX_SUBSET = 1000
# The data sets a reference can name (the others need a path: a folder or an .npz).
NAMED_REFERENCES = tuple(name for name in DATASETS if name not in ("npz", "folder"))


class FeatureComparison:
    """Scores generated images against a fixed reference set in one feature space.

    Args:
        features: a `FeatureExtractor` or its name (`kgan.metrics.features.load_features`).
        reference_images: real images, uint8 or float in [-1, 1], `(N, H, W, C)`;
            if there are more than `num_samples`, a seeded draw of that many.
        num_samples: reference images kept (and generated images expected).
        k_precision_recall: k of precision and recall (Kynkäänniemi et al., 2019: 3).
        k_density_coverage: k of density and coverage (Naeem et al., 2020: 5).
        coverage_min_share: a class is covered when it holds at least this
            fraction of its uniform share of the samples.
        seed: seed of the reference draw and the KID subsets.

    Raises:
        ValueError: if the feature model cannot read the images, or a set has
            no more images than a k.
    """

    def __init__(
        self,
        features,
        reference_images,
        *,
        num_samples=NUM_SAMPLES,
        k_precision_recall=manifold.PRECISION_RECALL_K,
        k_density_coverage=manifold.DENSITY_COVERAGE_K,
        coverage_min_share=0.25,
        seed=0,
    ):
        check_sample_count(num_samples, k_precision_recall, k_density_coverage)
        self.features = load_features(features)
        self.k_precision_recall = k_precision_recall
        self.k_density_coverage = k_density_coverage
        self.coverage_min_share = coverage_min_share
        self.seed = seed
        images = np.asarray(reference_images)
        self.features.check_image_shape(images.shape[1:], "reference images")
        if len(images) > num_samples:
            rng = np.random.default_rng(seed)
            images = images[np.sort(rng.choice(len(images), num_samples, replace=False))]
        check_sample_count(len(images), k_precision_recall, k_density_coverage, "reference images")
        self.image_shape = tuple(images.shape[1:])
        self.num_reference = len(images)
        unit = to_unit_range(images) if images.dtype == np.uint8 else images.astype(np.float32)
        self.reference_features, self.reference_probabilities = self.features(unit)

    def score(self, images):
        """Scores generated images (float in [-1, 1]) against the reference.

        Returns:
            A dict: the floats `frechet_distance`, `kid`, `kid_std`, `kid_se`,
            `precision`, `recall`, `density`, `coverage`; the ints
            `k_precision_recall`, `k_density_coverage`, `num_generated`,
            `num_reference`; and with a classifier's
            probabilities `classes_covered`, `reference_classes_covered`,
            `num_classes` and `histogram` (generated samples per class).
        """
        images = np.asarray(images, dtype=np.float32)
        check_sample_count(len(images), self.k_precision_recall, self.k_density_coverage, "generated images")
        features, probabilities = self.features(images)
        subset = min(KID_MAX_SUBSET, max(2, min(len(features), self.num_reference) // 2))
        kid, kid_std = scores.kernel_inception_distance(
            features, self.reference_features, subset_size=subset, num_subsets=KID_SUBSETS, seed=self.seed
        )
        result = {
            "frechet_distance": scores.frechet_distance(features, self.reference_features),
            "kid": kid,
            "kid_std": kid_std,
            "kid_se": kid_std / np.sqrt(KID_SUBSETS),
            **manifold.manifold_metrics(
                self.reference_features,
                features,
                k_precision_recall=self.k_precision_recall,
                k_density_coverage=self.k_density_coverage,
            ),
            "k_precision_recall": self.k_precision_recall,
            "k_density_coverage": self.k_density_coverage,
            "num_generated": len(images),
            "num_reference": self.num_reference,
        }
        if probabilities is not None:
            histogram = scores.class_histogram(probabilities)
            result["classes_covered"] = scores.classes_covered(histogram, self.coverage_min_share)
            result["reference_classes_covered"] = scores.classes_covered(
                scores.class_histogram(self.reference_probabilities), self.coverage_min_share
            )
            result["num_classes"] = len(histogram)
            result["histogram"] = histogram.tolist()
        return result


def check_sample_count(count, k_precision_recall, k_density_coverage, what="num_samples"):
    """Raises a one-line ValueError unless `count` exceeds both k (a k-th neighbour needs k others)."""
    k = max(k_precision_recall, k_density_coverage)
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count <= k:
        raise ValueError(
            f"The k-nearest-neighbour metrics need more than k={k} images (-n N with N > {k}). "
            f"Received: {what}={count!r}"
        )


def balanced_labels(count, num_classes):
    """`count` class ids cycling through `num_classes` classes, for a conditional generator."""
    if num_classes is None:
        raise ValueError(
            "A conditional generator needs its number of classes to be scored, and neither its spec nor the "
            "feature model names one. Received: num_classes=None"
        )
    return np.arange(count, dtype=np.int32) % num_classes


def load_reference(reference, image_shape, *, data_dir=None):
    """Real images for a comparison: a data set name, a folder of images or an .npz file.

    Images are read with `kgan.data.load_arrays` at the size and channels of
    `image_shape` (resized and converted like training data).

    Args:
        reference: one of `NAMED_REFERENCES` (e.g. `"mnist_embedded"`), a
            folder of images (class subfolders allowed) or an `.npz` file.
        image_shape: `(H, W, C)` of the generated images.
        data_dir: tensorflow-datasets data directory, for `mnist` and
            `fashion_mnist`.

    Returns:
        `(images, labels, info)` as from `load_arrays` (uint8 images).
    """
    kind = reference_kind(reference)
    height, width, channels = (int(d) for d in image_shape)
    kwargs = {"image_size": (height, width), "channels": channels}
    if kind == "named":
        return load_arrays(os.fspath(reference), data_dir=data_dir, **kwargs)
    return load_arrays(kind, os.fspath(reference), **kwargs)


def reference_kind(reference):
    """What `reference` names: "named" (one of `NAMED_REFERENCES`), "folder" or "npz"; checked without reading it.

    Raises:
        FileNotFoundError: for a path with nothing there.
        ValueError: for anything else.
    """
    reference = os.fspath(reference)
    if reference in NAMED_REFERENCES:
        return "named"
    if os.path.isdir(reference):
        return "folder"
    if reference.endswith(".npz") and os.path.isfile(reference):
        return "npz"
    if os.path.exists(reference):
        raise ValueError(
            f"{reference} is neither a folder of images nor an .npz file. Received: reference={reference!r}"
        )
    if os.sep in reference or reference.endswith(".npz"):
        raise FileNotFoundError(f"No folder of images or .npz file at {reference}. Received: reference={reference!r}")
    raise ValueError(
        f"A reference is one of {', '.join(NAMED_REFERENCES)}, a folder of images or an .npz file. "
        f"Received: reference={reference!r}"
    )


def default_features(image_shape):
    """The feature model for images of `image_shape` when none is named: the shipped MNIST classifier's for 28x28x1."""
    if tuple(image_shape) == (28, 28, 1):
        return "mnist"
    raise ValueError(
        f"Only 28 x 28 x 1 images have a default feature model (the shipped MNIST classifier); pass --features "
        f"inception or --features classifier:FILE.keras. Received: images of shape {tuple(image_shape)}"
    )


def _rows(result, features_name, is_inception):
    fd = "FID" if is_inception else "Frechet distance"
    kpr, kdc = f"k={result['k_precision_recall']}", f"k={result['k_density_coverage']}"
    rows = [
        (fd, "frechet_distance", ".3f", f"lower is better, 0 = same feature statistics ({features_name} features)"),
        ("KID", "kid", ".5f", "lower is better, about 0 = same distribution"),
        ("KID std", "kid_std", ".5f", f"spread of the KID over its {KID_SUBSETS} subsets"),
        ("KID s.e.", "kid_se", ".5f", "standard error of the KID's subset mean (std / sqrt(subsets))"),
        ("precision", "precision", ".3f", f"share of generated images on the real manifold ({kpr}); higher is better"),
        ("recall", "recall", ".3f", f"share of real images on the generated manifold ({kpr}); higher is better"),
        ("density", "density", ".3f", f"real neighbourhoods per generated image / k ({kdc}); about 1 = as real"),
        ("coverage", "coverage", ".3f", f"share of real images with a generated neighbour ({kdc}); higher is better"),
    ]
    if "classes_covered" in result:
        rows.append(
            (
                "classes covered",
                "classes_covered",
                "d",
                f"of {result['num_classes']}, each with >= 1/4 of a fair share; "
                f"the reference covers {result['reference_classes_covered']}",
            )
        )
    return rows


def format_comparison(result, features_name, *, is_inception=False, title=None, class_names=None):
    """The scores of `FeatureComparison.score` as a table, one metric a line, with how to read each.

    Args:
        result: a dict from `FeatureComparison.score`.
        features_name: the feature model's name, for the table.
        is_inception: call the Fréchet distance FID (only on Inception's features).
        title: a first line.
        class_names: names for the class histogram.

    Returns:
        The report as a string.
    """
    lines = [title] if title else []
    lines.append(f"{'metric':<18}{'value':>12}   how to read")
    for label, key, fmt, how in _rows(result, features_name, is_inception):
        lines.append(f"{label:<18}{format(result[key], fmt):>12}   {how}")
    histogram = result.get("histogram")
    if histogram:
        names = class_names or [str(i) for i in range(len(histogram))]
        total = max(sum(histogram), 1)
        lines.append("class histogram of generated samples (share):")
        lines.append("  " + "  ".join(f"{n}:{c / total:.0%}" for n, c in zip(names, histogram)))
    return "\n".join(lines)


def compare_export(
    export_dir,
    reference,
    features=None,
    *,
    num_samples=NUM_SAMPLES,
    seed=0,
    batch_size=250,
    data_dir=None,
    trust=False,
    verbose=True,
):
    """Scores an exported generator against a reference set in a feature space (`kgan evaluate --reference`).

    Draws `num_samples` latent vectors with `seed` from the export's latent
    distribution (balanced labels for a conditional generator), and compares
    the images with up to `num_samples` reference images.

    Args:
        export_dir: a SavedModel version folder or a model folder (highest version).
        reference: a data set name, a folder of images or an .npz (`load_reference`).
        features: `"mnist"`, `"inception"`, `"classifier:FILE.keras"` or a
            `FeatureExtractor`; None: the shipped MNIST classifier for
            28 x 28 x 1 images (`default_features`).
        num_samples: generated images, and most reference images.
        seed: seed of the latent vectors, the reference draw and KID's subsets.
        batch_size: images generated per call.
        data_dir: tensorflow-datasets data directory.
        trust: run an export whose graph holds ops a generator does not need.
        verbose: print the report.

    Returns:
        A dict: `scores` (from `FeatureComparison.score`), `export`, `features`, `report`.

    Raises:
        FileNotFoundError: for a missing export, reference or feature model.
        ValueError: for a bad value, or images the feature model cannot read.

    Example:
        >>> compare_export("saved_models/cifar_dcgan", "my_images/", "inception")  # doctest: +SKIP
    """
    from kgan import serving

    check_sample_count(num_samples, manifold.PRECISION_RECALL_K, manifold.DENSITY_COVERAGE_K)
    reference_kind(reference)  # a missing reference is named before any model is loaded
    generate = serving.load_generator(export_dir, trust=trust)
    image_shape = tuple(generate.image_shape)
    extractor = load_features(features or default_features(image_shape))
    extractor.check_image_shape(image_shape, f"the images of {generate.path}")
    images, _, info = load_reference(reference, image_shape, data_dir=data_dir)
    comparison = FeatureComparison(extractor, images, num_samples=num_samples, seed=seed)
    latent = generate.spec.latent_from_seed(seed, num_samples)
    labels = (
        balanced_labels(num_samples, generate.num_classes or extractor.num_classes) if generate.conditional else None
    )
    generated = np.concatenate(
        [
            generate(latent[i : i + batch_size], None if labels is None else labels[i : i + batch_size])
            for i in range(0, num_samples, batch_size)
        ]
    )
    result = comparison.score(generated)
    class_names = info.class_names if info.num_classes == extractor.num_classes else None
    report = format_comparison(
        result,
        extractor.name,
        is_inception=extractor.is_inception,
        class_names=class_names,
        title=f"{generate.path}: {num_samples} generated images vs {comparison.num_reference} reference images "
        f"({reference}), {extractor.name} features ({extractor.feature_dim}-d)",
    )
    if verbose:
        print(report)
    return {"scores": result, "export": str(generate.path), "features": extractor.name, "report": report}
