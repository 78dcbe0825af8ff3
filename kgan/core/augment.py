"""Differentiable augmentation of the images D sees, for GANs trained on little data.

D overfits a small training set (5,000 digits) within a few thousand steps;
augmenting both the real and the generated images before every D call, with
operations G's gradient can flow through, takes that away from D without
teaching G to draw augmented images (Zhao et al. 2020, "Differentiable
Augmentation for Data-Efficient GAN Training", DiffAugment). Karras et al.
2020 ("Training Generative Adversarial Networks with Limited Data", ADA) apply
each operation with a probability `p` tuned during training from D's
overfitting signal `r_t = E[sign(D(real))]`.

The operations follow the authors' `DiffAugment_tf.py` (images in [-1, 1],
translated and cut-out pixels set to 0), written with matmuls and masks
instead of gathers so they compile well with XLA. Every random draw is one
global draw split by `kgan.core.distribute.replica_rows`, so each replica of a
`tf.distribute` strategy augments its own images independently.
"""

import keras
from keras import ops

from kgan.core.distribute import replica_rows

OPERATIONS = ("color", "translation", "cutout")
DEFAULT_POLICY = "color,translation,cutout"


def parse_policy(policy):
    """The operations of `policy` ("color,translation,cutout", a list of them, or "" / None for none).

    Raises:
        ValueError: for an unknown operation name.
    """
    if policy is None:
        return ()
    names = policy.split(",") if isinstance(policy, str) else list(policy)
    names = tuple(name.strip() for name in names if name.strip())
    unknown = [name for name in names if name not in OPERATIONS]
    if unknown or len(set(names)) != len(names):
        raise ValueError(
            f"`augment` must be a comma-separated list of distinct operations from {OPERATIONS}. "
            f"Received: augment={policy!r}"
        )
    return names


def _uniform(shape, seed):
    """Uniform [0, 1) draws of `shape`, this replica's rows of one global draw."""
    return replica_rows(lambda n: keras.random.uniform((n, *shape[1:]), seed=seed), shape[0])


def _brightness_saturation_contrast(images, seed):
    """DiffAugment's `rand_brightness`, `rand_saturation` and `rand_contrast`, in that order."""
    batch = ops.shape(images)[0]
    images = images + (_uniform((batch, 1, 1, 1), seed) - 0.5)
    channel_mean = ops.mean(images, axis=-1, keepdims=True)
    images = (images - channel_mean) * (_uniform((batch, 1, 1, 1), seed) * 2.0) + channel_mean
    image_mean = ops.mean(images, axis=(1, 2, 3), keepdims=True)
    return (images - image_mean) * (_uniform((batch, 1, 1, 1), seed) + 0.5) + image_mean


def _shift_matrices(size, shifts):
    """One-hot `(batch, size, size)` matrices `m[b, i, j] = (j == i - shifts[b])`: a shift with zero fill."""
    rows = ops.arange(size, dtype="int32")[None, :, None]
    cols = ops.arange(size, dtype="int32")[None, None, :]
    return ops.cast(ops.equal(cols, rows - shifts[:, None, None]), "float32")


def _random_offsets(batch, size, ratio, seed):
    """Integer shifts in `[-round(size * ratio), round(size * ratio)]`, uniform, one per image."""
    reach = int(size * ratio + 0.5)
    draw = _uniform((batch,), seed) * (2 * reach + 1)
    return ops.cast(ops.floor(draw), "int32") - reach


def _translation(images, seed, ratio=0.125):
    """DiffAugment's `rand_translation`: shift by up to 1/8 of the size on each axis, filling with 0."""
    batch, height, width = ops.shape(images)[0], images.shape[1], images.shape[2]
    rows = _shift_matrices(height, _random_offsets(batch, height, ratio, seed))
    cols = _shift_matrices(width, _random_offsets(batch, width, ratio, seed))
    return ops.einsum("bij,bjlc,bkl->bikc", rows, ops.cast(images, "float32"), cols)


def _cutout(images, seed, ratio=0.5):
    """DiffAugment's `rand_cutout`: set a square of half the image's size, at a random centre, to 0."""
    batch, height, width = ops.shape(images)[0], images.shape[1], images.shape[2]
    cut_h, cut_w = int(height * ratio + 0.5), int(width * ratio + 0.5)
    centre_y = ops.floor(_uniform((batch, 1, 1, 1), seed) * (height + 1 - cut_h % 2))
    centre_x = ops.floor(_uniform((batch, 1, 1, 1), seed) * (width + 1 - cut_w % 2))
    y = ops.reshape(ops.arange(height, dtype="float32"), (1, height, 1, 1))
    x = ops.reshape(ops.arange(width, dtype="float32"), (1, 1, width, 1))
    inside = (ops.abs(y - centre_y + 0.5) < cut_h / 2) & (ops.abs(x - centre_x + 0.5) < cut_w / 2)
    return images * (1.0 - ops.cast(inside, images.dtype))


_FUNCTIONS = {"color": _brightness_saturation_contrast, "translation": _translation, "cutout": _cutout}


def diff_augment(images, policy=DEFAULT_POLICY, probability=1.0, seed=None):
    """Augments a batch of images differentiably (DiffAugment, Zhao et al. 2020; ADA, Karras et al. 2020).

    Each operation of `policy` is applied to each image with probability
    `probability`, drawn independently per image and operation (ADA's
    scheme; `probability=1` is DiffAugment's, which always applies them).

    Args:
        images: a float batch `(batch, height, width, channels)` in [-1, 1].
        policy: operations from `OPERATIONS`, comma-separated or a list:
            `"color"` (random brightness, saturation and contrast),
            `"translation"` (shifts of up to 1/8 of the size, zero fill),
            `"cutout"` (a zeroed square of half the size).
        probability: a float or scalar tensor in [0, 1]; at 0 the images
            come back unchanged.
        seed: a `keras.random.SeedGenerator` (the GAN's noise stream), or an
            int or None for a new generator seeded with it (eager use only:
            it creates a variable).

    Returns:
        The augmented batch, same shape and dtype as `images`.

    Example:
        >>> seed = keras.random.SeedGenerator(0)
        >>> augmented = diff_augment(real_images, "translation,cutout", seed=seed)  # doctest: +SKIP
    """
    images = ops.convert_to_tensor(images)
    if len(images.shape) != 4:
        raise ValueError(f"`images` must be a batch (batch, height, width, channels). Received: shape={images.shape}")
    if not isinstance(seed, keras.random.SeedGenerator):
        seed = keras.random.SeedGenerator(seed)  # every draw below must differ, which a fixed int seed would not
    dtype = images.dtype
    images = ops.cast(images, "float32")
    probability = ops.cast(probability, "float32")
    batch = ops.shape(images)[0]
    for name in parse_policy(policy):
        augmented = _FUNCTIONS[name](images, seed)
        apply = ops.cast(_uniform((batch, 1, 1, 1), seed) < probability, "float32")
        images = apply * augmented + (1.0 - apply) * images
    return ops.cast(images, dtype)
