"""The toy problems' data: seeded samplers of the lectures' vectors, lines and the ring of Gaussians."""

import numpy as np

from kgan.core.utils import check_positive_int, check_positive_number


def _rng(seed):
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def normal_vectors(num_samples, vector_length=10, mean=4.0, std=0.2, seed=None):
    """Vectors whose values are drawn from N(mean, std^2) (lecture 000, example 1).

    The defaults are the lecture's: vectors of length 10, mean 4.0, std 0.2.

    Returns:
        A float32 array `(num_samples, vector_length)`.

    Example:
        >>> normal_vectors(3, seed=0).shape
        (3, 10)
    """
    check_positive_int("num_samples", num_samples)
    check_positive_int("vector_length", vector_length)
    check_positive_number("std", std)
    return _rng(seed).normal(mean, std, (num_samples, vector_length)).astype("float32")


def line_points(num_samples, slope=2.0, intercept=1.0, x_range=(-1.0, 1.0), seed=None):
    """2-D points `(x, slope * x + intercept)` with x uniform in `x_range` (lecture 000, example 2).

    The lecture does not print its line; kgan uses y = 2x + 1 for x in [-1, 1].

    Returns:
        A float32 array `(num_samples, 2)`.
    """
    check_positive_int("num_samples", num_samples)
    low, high = x_range
    if not low < high:
        raise ValueError(f"`x_range` must be (low, high) with low < high. Received: x_range={x_range!r}")
    x = _rng(seed).uniform(low, high, num_samples)
    return np.stack([x, slope * x + intercept], axis=1).astype("float32")


def ring_modes(num_modes=8, radius=2.0):
    """The centres of the ring of Gaussians: `num_modes` points evenly spaced on a circle.

    Returns:
        A float32 array `(num_modes, 2)`.
    """
    check_positive_int("num_modes", num_modes)
    check_positive_number("radius", radius)
    angles = 2.0 * np.pi * np.arange(num_modes) / num_modes
    return (radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)).astype("float32")


def ring_of_gaussians(num_samples, num_modes=8, radius=2.0, std=0.02, seed=None):
    """Samples of a mixture of `num_modes` Gaussians on a circle (Metz et al. 2017).

    Each sample picks a mode uniformly and adds isotropic N(0, std^2) noise.
    The defaults (8 modes, radius 2, std 0.02) are the benchmark of the
    Unrolled GAN paper.

    Returns:
        A float32 array `(num_samples, 2)`.
    """
    check_positive_int("num_samples", num_samples)
    check_positive_number("std", std)
    rng = _rng(seed)
    modes = ring_modes(num_modes, radius)
    picks = rng.integers(0, num_modes, num_samples)
    return (modes[picks] + rng.normal(0.0, std, (num_samples, 2))).astype("float32")
