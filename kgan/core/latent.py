"""Latent vectors as the lectures draw them: `sample_latent` (seeded, in a train step) and `fixed_latent` (NumPy)."""

import keras
import numpy as np

LATENT_DISTRIBUTIONS = ("normal", "uniform", "uniform01")


def sample_latent(shape, distribution="normal", seed=None):
    """Draws latent vectors as the lectures do.

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
    raise ValueError(
        f"`latent_distribution` must be one of {LATENT_DISTRIBUTIONS}. Received: latent_distribution={distribution!r}"
    )


def fixed_latent(model, num, seed=0):
    """`num` latent vectors for `model` (anything with `latent_dim` and `latent_distribution`), as NumPy.

    Drawn with their own `seed`, not the model's noise stream, so callbacks
    that look at the same vectors every epoch do not change the training.
    """
    return np.asarray(sample_latent((num, model.latent_dim), model.latent_distribution, seed=seed))
