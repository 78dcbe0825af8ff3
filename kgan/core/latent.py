"""Every latent draw of kgan, in one module.

Two algorithms, kept apart on purpose (each feeds numbers that are measured or shipped):

- `sample_latent` draws with `keras.random` from a seed or a `keras.random.SeedGenerator`, inside a train step
  or eagerly; `fixed_latent` is the same draw from its own integer seed, as NumPy (the callbacks' fixed batches).
- `latent_from_seed` draws with NumPy's `default_rng(seed)`, so a picture or a score can be reproduced from
  its seed alone, with or without Keras: `kgan sample`, `kgan.serving.explore` and the metrics' evaluation.

The same seed gives different vectors in the two; `tests/test_spec.py` pins a few values of each.
"""

import keras
import numpy as np

LATENT_DISTRIBUTIONS = ("normal", "uniform", "uniform01")


def check_latent_distribution(distribution):
    """`distribution` if it names a latent distribution; else a `ValueError`."""
    if distribution not in LATENT_DISTRIBUTIONS:
        raise ValueError(
            f"`latent_distribution` must be one of {LATENT_DISTRIBUTIONS}. "
            f"Received: latent_distribution={distribution!r}"
        )
    return distribution


def sample_latent(shape, distribution="normal", seed=None):
    """Draws latent vectors as the lectures do, with `keras.random` (the training stream).

    Args:
        shape: output shape, e.g. `(batch, latent_dim)`.
        distribution: `"normal"` (standard normal: lectures 001, 004),
            `"uniform"` (uniform in [-1, 1]: lecture 002) or `"uniform01"`
            (uniform in [0, 1): lecture 000's `torch.rand`).
        seed: an int or a `keras.random.SeedGenerator`.

    Returns:
        A float32 tensor of `shape`.
    """
    if distribution == "normal":
        return keras.random.normal(shape, seed=seed)
    if distribution == "uniform":
        return keras.random.uniform(shape, minval=-1.0, maxval=1.0, seed=seed)
    if distribution == "uniform01":
        return keras.random.uniform(shape, minval=0.0, maxval=1.0, seed=seed)
    check_latent_distribution(distribution)


def fixed_latent(model, num, seed=0):
    """`num` latent vectors for `model` (a `GeneratorSpec`, or anything with a `spec` or with `latent_dim` and
    `latent_distribution`), as NumPy, drawn by `sample_latent` from the integer `seed`.

    Drawn with their own `seed`, not the model's noise stream, so callbacks
    that look at the same vectors every epoch do not change the training.
    """
    spec = getattr(model, "spec", model)
    return np.asarray(sample_latent((num, spec.latent_dim), spec.latent_distribution, seed=seed))


def latent_from_seed(seed, latent_dim, distribution="normal", count=1):
    """`count` latent vectors drawn from `distribution` by NumPy's generator seeded with `seed`.

    Args:
        seed: a non-negative integer.
        latent_dim: latent size.
        distribution: `"normal"`, `"uniform"` ([-1, 1]) or `"uniform01"` ([0, 1)).
        count: how many vectors.

    Returns:
        float32 array `(count, latent_dim)`.

    Raises:
        ValueError: for a negative or non-integer `seed` or an unknown `distribution`.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"`seed` must be a non-negative integer. Received: seed={seed!r}")
    check_latent_distribution(distribution)
    rng = np.random.default_rng(int(seed))
    shape = (count, latent_dim)
    if distribution == "normal":
        z = rng.standard_normal(shape)
    elif distribution == "uniform":
        z = rng.uniform(-1.0, 1.0, shape)
    else:
        z = rng.uniform(0.0, 1.0, shape)
    return z.astype("float32")
