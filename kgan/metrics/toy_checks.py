"""The toy problems' checks, as plain NumPy functions of any generator's samples (`kgan.lectures` makes the data).

- `moment_errors`: mean and standard deviation against a target (lecture 000, example 1);
- `distance_to_line`, `mean_distance_to_line`: 2-D points against a line (lecture 000, example 2);
- `mode_coverage`: modes covered and the share of high-quality samples on a
  mixture of Gaussians such as the ring (Metz et al. 2017; Srivastava et al. 2017).
"""

import dataclasses

import numpy as np

from kgan.core.utils import check_positive_number


@dataclasses.dataclass(frozen=True)
class Moments:
    """Mean and standard deviation of samples against a target.

    Attributes:
        mean: the samples' mean (over every value).
        std: the samples' standard deviation.
        mean_error: `|mean - target_mean|`.
        std_error: `|std - target_std|`.
    """

    mean: float
    std: float
    mean_error: float
    std_error: float


def moment_errors(samples, mean, std):
    """Compares the mean and standard deviation of all values in `samples` with a target.

    Args:
        samples: an array of any shape (every value counts as one draw).
        mean: the target mean.
        std: the target standard deviation.

    Returns:
        A `Moments`.

    Example:
        >>> from kgan.lectures import normal_vectors
        >>> m = moment_errors(normal_vectors(1000, seed=0), 4.0, 0.2)
        >>> m.mean_error < 0.01 and m.std_error < 0.01
        True
    """
    values = np.asarray(samples, "float64").ravel()
    if values.size < 2:
        raise ValueError(f"Need at least 2 values to estimate a std. Received: {values.size} values")
    m, s = float(values.mean()), float(values.std())
    return Moments(m, s, abs(m - mean), abs(s - std))


def distance_to_line(points, slope=2.0, intercept=1.0):
    """Euclidean distance of each 2-D point to the line y = slope * x + intercept.

    Returns:
        A float array `(num_points,)`.
    """
    points = np.asarray(points, "float64")
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"`points` must have shape (num_points, 2). Received: shape={points.shape}")
    return np.abs(slope * points[:, 0] - points[:, 1] + intercept) / np.sqrt(slope**2 + 1.0)


def mean_distance_to_line(points, slope=2.0, intercept=1.0):
    """The mean of `distance_to_line` (lecture 000, example 2's check)."""
    return float(distance_to_line(points, slope, intercept).mean())


@dataclasses.dataclass(frozen=True)
class ModeCoverage:
    """How well samples cover a mixture of Gaussians (Metz et al. 2017; Srivastava et al. 2017).

    Attributes:
        modes_covered: modes with at least `min_samples` high-quality samples.
        num_modes: number of modes.
        high_quality_share: share of samples within `num_std` standard
            deviations of their nearest mode.
        counts: high-quality samples per mode.
    """

    modes_covered: int
    num_modes: int
    high_quality_share: float
    counts: tuple


def mode_coverage(samples, modes, std, num_std=3.0, min_samples=1):
    """Modes covered and share of high-quality samples, the ring-of-Gaussians metrics.

    A sample is high quality if it lies within `num_std` standard deviations
    of its nearest mode; a mode is covered if at least `min_samples`
    high-quality samples fall on it.

    Args:
        samples: `(num_samples, dim)` generated points.
        modes: `(num_modes, dim)` mode centres (e.g. `ring_modes()`).
        std: the modes' standard deviation.
        num_std: the high-quality radius in standard deviations (3).
        min_samples: high-quality samples a mode needs to count as covered.

    Returns:
        A `ModeCoverage`.

    Example:
        >>> from kgan.lectures import ring_modes, ring_of_gaussians
        >>> c = mode_coverage(ring_of_gaussians(2000, seed=0), ring_modes(), std=0.02)
        >>> c.modes_covered, c.high_quality_share > 0.98
        (8, True)
    """
    samples, modes = np.asarray(samples, "float64"), np.asarray(modes, "float64")
    if samples.ndim != 2 or modes.ndim != 2 or samples.shape[1] != modes.shape[1]:
        raise ValueError(
            "`samples` and `modes` must be (n, dim) and (num_modes, dim) arrays. "
            f"Received: samples.shape={samples.shape}, modes.shape={modes.shape}"
        )
    check_positive_number("std", std)
    distances = np.linalg.norm(samples[:, None, :] - modes[None, :, :], axis=-1)
    nearest = distances.argmin(axis=1)
    high_quality = distances[np.arange(len(samples)), nearest] <= num_std * std
    counts = np.bincount(nearest[high_quality], minlength=len(modes))
    return ModeCoverage(
        modes_covered=int((counts >= min_samples).sum()),
        num_modes=len(modes),
        high_quality_share=float(high_quality.mean()) if len(samples) else 0.0,
        counts=tuple(int(c) for c in counts),
    )
