"""Sample-quality scores computed from a classifier's features and outputs.

Lecture 004 ends on "convergence ambiguity: there's no single metric; the loss
values don't help". These functions give the numbers the GAN literature uses
instead, all plain NumPy on arrays you already have:

- `frechet_distance`: the Fréchet distance between Gaussians fitted to two
  feature sets (FID when the features are Inception's; Heusel et al., 2017,
  "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
  Equilibrium").
- `kernel_inception_distance`: the unbiased squared MMD with a cubic
  polynomial kernel, mean and std over random subsets (KID; Bińkowski et al.,
  2018, "Demystifying MMD GANs").
- `classifier_score`: exp of the mean KL divergence between p(y|x) and p(y)
  (the Inception Score of Salimans et al., 2016, "Improved Techniques for
  Training GANs", with a domain classifier instead of Inception).
- `class_histogram` / `classes_covered`: which classes generated samples fall
  in, so a collapse onto a few classes shows.
- `label_accuracy` / `label_accuracy_per_class`: for a conditional generator,
  the share of samples the classifier assigns to the class they were asked for
  (the check of lectures 001 and 003: does G draw the requested digit?).
"""

import numpy as np


def _as_2d(name, features):
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or features.shape[0] < 2:
        raise ValueError(
            f"`{name}` must be a 2-D array of at least 2 feature vectors. Received: {name}.shape={features.shape}"
        )
    return features


def frechet_distance(features_a, features_b):
    """Fréchet distance between Gaussians fitted to two sets of feature vectors.

    `||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))` (Heusel et al.,
    2017). Zero for identical statistics; larger is worse. The estimate is
    biased upwards for finite samples, so only compare values computed with
    the same sample counts.

    Args:
        features_a: array `(n_a, d)`.
        features_b: array `(n_b, d)`.

    Returns:
        A non-negative float.

    Raises:
        ValueError: if the arrays are not 2-D with at least 2 rows each and the
            same feature size.

    Example:
        >>> a = np.random.default_rng(0).normal(size=(500, 4))
        >>> round(frechet_distance(a, a), 6)
        0.0
    """
    a, b = _as_2d("features_a", features_a), _as_2d("features_b", features_b)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"Both feature sets must have the same size. Received: shapes {a.shape} and {b.shape}")
    return frechet_distance_from_moments(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))


def frechet_distance_from_moments(mu_a, cov_a, mu_b, cov_b):
    """`frechet_distance` from means `(d,)` and covariances `(d, d)`.

    Tr((S_a S_b)^(1/2)) is computed as the sum of the square roots of the
    eigenvalues of the symmetric matrix S_a^(1/2) S_b S_a^(1/2), which has the
    same spectrum and avoids a non-symmetric matrix square root.
    """
    mu_a, mu_b = np.atleast_1d(mu_a).astype(np.float64), np.atleast_1d(mu_b).astype(np.float64)
    cov_a, cov_b = np.atleast_2d(cov_a).astype(np.float64), np.atleast_2d(cov_b).astype(np.float64)
    eigvals, eigvecs = np.linalg.eigh(cov_a)
    sqrt_a = (eigvecs * np.sqrt(np.clip(eigvals, 0.0, None))) @ eigvecs.T
    middle = sqrt_a @ cov_b @ sqrt_a
    trace_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0.0, None)).sum()
    value = np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2.0 * trace_sqrt
    return float(max(value, 0.0))


def polynomial_kernel(x, y):
    """KID's kernel `k(x, y) = (x . y / d + 1)^3` (Bińkowski et al., 2018)."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def _unbiased_mmd2(x, y):
    m = x.shape[0]
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return within - 2.0 * k_xy.mean()


def kernel_inception_distance(features_a, features_b, *, subset_size=100, num_subsets=50, seed=0):
    """Kernel distance (KID): unbiased squared MMD, mean and std over subsets.

    Each of `num_subsets` rounds draws `subset_size` rows from each set without
    replacement and computes the unbiased MMD^2 estimate with the cubic
    polynomial kernel (Bińkowski et al., 2018). Unbiased means its expectation
    is exactly 0 when both sets come from the same distribution, so values can
    be slightly negative; unlike the Fréchet distance it does not depend on
    the sample count.

    Args:
        features_a: array `(n_a, d)`.
        features_b: array `(n_b, d)`.
        subset_size: rows per subset (capped at the smaller set's size).
        num_subsets: number of subsets.
        seed: seed of the subset draws.

    Returns:
        `(mean, std)` of the MMD^2 estimates, floats.

    Raises:
        ValueError: for arrays of different feature size or fewer than 2 rows.

    Example:
        >>> a = np.random.default_rng(0).normal(size=(400, 8))
        >>> b = np.random.default_rng(1).normal(size=(400, 8))
        >>> abs(kernel_inception_distance(a, b)[0]) < 0.05
        True
    """
    a, b = _as_2d("features_a", features_a), _as_2d("features_b", features_b)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"Both feature sets must have the same size. Received: shapes {a.shape} and {b.shape}")
    m = min(subset_size, a.shape[0], b.shape[0])
    if m < 2:
        raise ValueError(f"`subset_size` must be at least 2. Received: subset_size={subset_size!r}")
    rng = np.random.default_rng(seed)
    estimates = [
        _unbiased_mmd2(a[rng.choice(a.shape[0], m, replace=False)], b[rng.choice(b.shape[0], m, replace=False)])
        for _ in range(num_subsets)
    ]
    return float(np.mean(estimates)), float(np.std(estimates))


def classifier_score(probabilities, eps=1e-12):
    """Classifier score: `exp(mean_x KL(p(y|x) || p(y)))`.

    The Inception Score of Salimans et al. (2016) with a classifier of the
    data's own classes. It is high when every sample is classified confidently
    (sharp p(y|x)) and the samples spread over all classes (flat p(y)): it lies
    between 1 (one class, or no confident sample) and the number of classes.
    It ignores diversity within a class, so read it beside the Fréchet
    distance and KID.

    Args:
        probabilities: array `(n, num_classes)` of class probabilities p(y|x).
        eps: floor of the probabilities inside the logarithm.

    Returns:
        A float in [1, num_classes].

    Example:
        >>> classifier_score(np.eye(10))  # ten confident, different classes
        10.0
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] < 1:
        raise ValueError(f"`probabilities` must have shape (n, num_classes). Received: probabilities.shape={p.shape}")
    marginal = p.mean(axis=0, keepdims=True)
    kl = np.sum(p * (np.log(p + eps) - np.log(marginal + eps)), axis=1)
    return float(np.exp(np.mean(kl)))


def class_histogram(probabilities):
    """How many samples the classifier assigns to each class (its argmax).

    Args:
        probabilities: array `(n, num_classes)`.

    Returns:
        int64 array `(num_classes,)` of counts summing to `n`.
    """
    p = np.asarray(probabilities)
    return np.bincount(np.argmax(p, axis=1), minlength=p.shape[1]).astype(np.int64)


def classes_covered(histogram, min_share=0.25):
    """Number of classes holding at least `min_share` of their uniform share.

    With 10 classes and 1,000 samples and the default `min_share=0.25`, a
    class counts as covered with 25 samples or more (a balanced sample has
    100 per class), so a handful of stray samples does not hide a collapse.

    Args:
        histogram: counts per class, from `class_histogram`.
        min_share: fraction of `n / num_classes` a class needs.

    Returns:
        An int between 0 and `num_classes`.
    """
    histogram = np.asarray(histogram, dtype=np.float64)
    threshold = min_share * histogram.sum() / len(histogram)
    return int(np.sum(histogram >= threshold))


def _labels_for(p, labels):
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.shape[0] != p.shape[0]:
        raise ValueError(
            f"`labels` must have one integer class per sample, shape ({p.shape[0]},). Received: labels.shape="
            f"{labels.shape}"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= p.shape[1]):
        raise ValueError(
            f"`labels` must lie in [0, {p.shape[1]}). Received: labels in [{labels.min()}, {labels.max()}]"
        )
    return labels.astype(np.int64)


def label_accuracy(probabilities, labels):
    """Label accuracy: share of samples the classifier assigns to the requested class.

    For a conditional generator (cGAN, Mirza & Osindero 2014, lecture 003;
    ACGAN, Odena et al. 2017, lecture 001) asked for class `labels[i]` to
    make sample `i`: the fraction whose classifier argmax equals the label. A
    generator that ignores its labels scores about 1 / num_classes, however
    good its images; a perfect one scores the classifier's own accuracy on
    real data.

    Args:
        probabilities: array `(n, num_classes)` of class probabilities p(y|x).
        labels: integer array `(n,)`: the class each sample was generated for.

    Returns:
        A float in [0, 1].

    Raises:
        ValueError: if `labels` does not hold one class in `[0, num_classes)` per row.

    Example:
        >>> label_accuracy(np.eye(3), [0, 1, 1])
        0.6666666666666666
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] < 1:
        raise ValueError(f"`probabilities` must have shape (n, num_classes). Received: probabilities.shape={p.shape}")
    labels = _labels_for(p, labels)
    return float(np.mean(np.argmax(p, axis=1) == labels))


def label_accuracy_per_class(probabilities, labels):
    """`label_accuracy` of each requested class: which digits G draws well and which it does not.

    Args:
        probabilities: array `(n, num_classes)`.
        labels: integer array `(n,)` of requested classes.

    Returns:
        float64 array `(num_classes,)`; NaN for a class no sample was asked for.

    Example:
        >>> label_accuracy_per_class(np.eye(3), [0, 1, 1]).tolist()
        [1.0, 0.5, nan]
    """
    p = np.asarray(probabilities, dtype=np.float64)
    labels = _labels_for(p, labels)
    hits = np.bincount(labels, weights=(np.argmax(p, axis=1) == labels).astype(np.float64), minlength=p.shape[1])
    asked = np.bincount(labels, minlength=p.shape[1]).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(asked > 0, hits / np.maximum(asked, 1.0), np.nan)
