"""Fidelity and diversity from k-nearest-neighbour manifolds: precision, recall, density and coverage.

The Fréchet distance and KID fold quality and variety into one number. These
four split them, from the same feature vectors (plain NumPy):

- `precision_recall` (Kynkäänniemi et al., 2019, "Improved Precision and
  Recall Metric for Assessing Generative Models"): each set's manifold is the
  union of balls around its points, each ball's radius the distance to that
  point's k-th nearest neighbour in its own set. Precision is the share of
  generated points inside the real manifold (are the samples realistic?),
  recall the share of real points inside the generated manifold (does the
  generator reach all of the data?).
- `density_coverage` (Naeem et al., 2020, "Reliable Fidelity and Diversity
  Metrics for Generative Models"): density counts how many real balls contain
  each generated point, divided by k (about 1 when both sets come from one
  distribution, and unlike precision not fooled by real outliers); coverage is
  the share of real points whose ball holds at least one generated point.

A point lies in a ball when its distance is at most the radius, as in the
papers. Distances are computed in row blocks of at most `MAX_BLOCK` entries,
so 10,000 x 10,000 feature sets need tens of megabytes, not gigabytes.
"""

import numpy as np

# Defaults of the papers: k = 3 for precision and recall, k = 5 for density and coverage.
PRECISION_RECALL_K = 3
DENSITY_COVERAGE_K = 5
# Most distance entries held at once (float64: 8 bytes each, 32 MB; a block's temporaries take a few times that).
MAX_BLOCK = 1 << 22


def _check_k(name, k):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={k!r}")


def _check_sets(real, fake, k):
    real = np.asarray(real, dtype=np.float64)
    fake = np.asarray(fake, dtype=np.float64)
    for name, x in (("real", real), ("fake", fake)):
        if x.ndim != 2:
            raise ValueError(f"`{name}` must be a 2-D array of feature vectors. Received: {name}.shape={x.shape}")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"Both feature sets must have the same size. Received: shapes {real.shape} and {fake.shape}")
    smaller = min(len(real), len(fake))
    if smaller <= k:
        raise ValueError(
            f"The k-nearest-neighbour metrics need more than k={k} points in each set. "
            f"Received: {len(real)} real and {len(fake)} generated points"
        )
    return real, fake


def _blocks(num_rows, num_cols):
    step = max(1, MAX_BLOCK // max(num_cols, 1))
    for start in range(0, num_rows, step):
        yield slice(start, min(start + step, num_rows))


def _distances(a, b, b_sq_norms):
    """Euclidean distances between the rows of `a` and `b`, `(len(a), len(b))`."""
    squared = np.sum(a * a, axis=1)[:, None] + b_sq_norms[None, :] - 2.0 * (a @ b.T)
    return np.sqrt(np.clip(squared, 0.0, None))


def nearest_neighbour_radii(x, ks):
    """Distance from every row of `x` to its k-th nearest other row, for each k in `ks`.

    Args:
        x: array `(n, d)` with `n > max(ks)`.
        ks: positive integers.

    Returns:
        float64 array `(len(ks), n)`.
    """
    ks = list(ks)
    sq_norms = np.sum(x * x, axis=1)
    radii = np.empty((len(ks), len(x)))
    for rows in _blocks(len(x), len(x)):
        d = _distances(x[rows], x, sq_norms)
        # Column 0 of the sorted row is the point itself (distance 0), so the k-th neighbour is at index k.
        d = np.partition(d, ks, axis=1)
        radii[:, rows] = d[:, ks].T
    return radii


def manifold_metrics(real, fake, *, k_precision_recall=PRECISION_RECALL_K, k_density_coverage=DENSITY_COVERAGE_K):
    """Precision, recall, density and coverage of generated features against real ones, in one pass.

    Args:
        real: array `(n_real, d)`: features of real images.
        fake: array `(n_fake, d)`: features of generated images.
        k_precision_recall: the neighbour that sets the radii of precision and recall.
        k_density_coverage: the neighbour that sets the radii of density and coverage.

    Returns:
        A dict of floats: `precision`, `recall`, `coverage` in [0, 1], and
        `density` in [0, n_real / k_density_coverage].

    Raises:
        ValueError: for arrays that are not 2-D of one feature size, or with
            no more points than a k.

    Example:
        >>> x = np.random.default_rng(0).normal(size=(50, 4))
        >>> manifold_metrics(x, x)["recall"]
        1.0
    """
    _check_k("k_precision_recall", k_precision_recall)
    _check_k("k_density_coverage", k_density_coverage)
    real, fake = _check_sets(real, fake, max(k_precision_recall, k_density_coverage))
    real_pr, real_dc = nearest_neighbour_radii(real, [k_precision_recall, k_density_coverage])
    (fake_pr,) = nearest_neighbour_radii(fake, [k_precision_recall])
    real_sq = np.sum(real * real, axis=1)
    precise = np.zeros(len(fake), dtype=bool)
    recalled = np.zeros(len(real), dtype=bool)
    density_hits = 0
    nearest_fake = np.full(len(real), np.inf)
    for rows in _blocks(len(fake), len(real)):
        d = _distances(fake[rows], real, real_sq)  # (fake block, real)
        precise[rows] = np.any(d <= real_pr[None, :], axis=1)
        recalled |= np.any(d <= fake_pr[rows, None], axis=0)
        density_hits += int(np.count_nonzero(d <= real_dc[None, :]))
        nearest_fake = np.minimum(nearest_fake, d.min(axis=0))
    return {
        "precision": float(precise.mean()),
        "recall": float(recalled.mean()),
        "density": density_hits / (k_density_coverage * len(fake)),
        "coverage": float(np.mean(nearest_fake <= real_dc)),
    }


def precision_recall(real, fake, k=PRECISION_RECALL_K):
    """Improved precision and recall (Kynkäänniemi et al., 2019) with k-NN radii.

    Precision: share of `fake` rows within the k-NN radius of some `real` row.
    Recall: share of `real` rows within the k-NN radius of some `fake` row.

    Returns:
        `(precision, recall)`, floats in [0, 1].
    """
    result = manifold_metrics(real, fake, k_precision_recall=k, k_density_coverage=k)
    return result["precision"], result["recall"]


def density_coverage(real, fake, k=DENSITY_COVERAGE_K):
    """Density and coverage (Naeem et al., 2020) with k-NN radii of the real rows.

    Density: `(1 / (k n_fake)) sum_j #{i: ||fake_j - real_i|| <= r_k(real_i)}`.
    Coverage: share of `real` rows with a `fake` row within their radius.

    Returns:
        `(density, coverage)`, floats.
    """
    result = manifold_metrics(real, fake, k_precision_recall=k, k_density_coverage=k)
    return result["density"], result["coverage"]
