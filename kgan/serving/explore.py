"""Exploring a trained generator: seeded samples, interpolations, latent grids, GIFs.

Everything here works on a *sampler*: a `kgan.GAN`, a generator `keras.Model`,
or an export loaded with `kgan.serving.load_generator`, so the same calls serve
a training run and a deployed model. Latent vectors come from integer seeds,
so a picture can be reproduced from its seed alone.
"""

import dataclasses

import numpy as np

from kgan.core import plotting
from kgan.core.utils import atomic_path


@dataclasses.dataclass
class Sampler:
    """A generator as a NumPy function, with what is needed to draw its inputs.

    Attributes:
        generate: `fn(latent, labels=None) -> images in [-1, 1]` (NumPy).
        latent_dim: latent size.
        latent_distribution: `"normal"`, `"uniform"` or `"uniform01"`.
        num_classes: number of classes of a conditional generator, else None.
    """

    generate: object
    latent_dim: int
    latent_distribution: str = "normal"
    num_classes: int | None = None


def as_sampler(model, latent_distribution=None):
    """Wraps a `kgan.GAN`, a generator `keras.Model` or an `ExportedGenerator` as a `Sampler`.

    Args:
        model: what to sample from.
        latent_distribution: overrides the distribution the model records
            (a bare generator records none; "normal" is assumed).

    Raises:
        ValueError: if `model` is none of these.
    """
    if isinstance(model, Sampler):
        return model
    from kgan.core import GAN  # noqa: PLC0415
    from kgan.serving.load import ExportedGenerator  # noqa: PLC0415 (keep import light)

    if isinstance(model, GAN):
        return Sampler(
            lambda z, labels=None: np.asarray(model.generate(z, labels, training=False)),
            model.latent_dim,
            latent_distribution or model.latent_distribution,
            _num_classes_of(model.generator),
        )
    if isinstance(model, ExportedGenerator):
        from kgan.serving.metadata import read_metadata  # noqa: PLC0415

        recorded = read_metadata(model.path).get("latent_distribution", "normal")
        return Sampler(model, model.latent_dim, latent_distribution or recorded, model.num_classes)
    import keras  # noqa: PLC0415

    if isinstance(model, keras.Model):
        conditional = len(model.inputs) > 1

        def generate(z, labels=None):
            if conditional:
                return np.asarray(model([z, np.asarray(labels, "int32").reshape(-1, 1)], training=False))
            return np.asarray(model(z, training=False))

        return Sampler(generate, int(model.inputs[0].shape[-1]), latent_distribution or "normal",
                       _num_classes_of(model) if conditional else None)
    raise ValueError(
        "Expected a kgan.GAN, a generator keras.Model or an export from kgan.load_generator. "
        f"Received: model={type(model).__name__}"
    )


def _num_classes_of(generator):
    if len(generator.inputs) < 2:
        return None
    import keras  # noqa: PLC0415

    for layer in generator.layers:
        if isinstance(layer, keras.layers.Embedding):
            return int(layer.input_dim)
    return None


def latent_from_seed(seed, latent_dim, distribution="normal", count=1):
    """`count` latent vectors drawn from `distribution` by NumPy's generator seeded with `seed`.

    Args:
        seed: a non-negative integer.
        latent_dim: latent size.
        distribution: `"normal"`, `"uniform"` ([-1, 1]) or `"uniform01"` ([0, 1)).
        count: how many vectors.

    Returns:
        float32 array `(count, latent_dim)`.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"`seed` must be a non-negative integer. Received: seed={seed!r}")
    rng = np.random.default_rng(int(seed))
    shape = (count, latent_dim)
    if distribution == "normal":
        z = rng.standard_normal(shape)
    elif distribution == "uniform":
        z = rng.uniform(-1.0, 1.0, shape)
    elif distribution == "uniform01":
        z = rng.uniform(0.0, 1.0, shape)
    else:
        raise ValueError(
            "`distribution` must be 'normal', 'uniform' or 'uniform01'. " f"Received: distribution={distribution!r}"
        )
    return z.astype("float32")


def _check_labels(sampler, labels, count):
    if sampler.num_classes is None:
        if labels is not None:
            raise ValueError(f"This generator is not conditional and takes no labels. Received: labels={labels!r}")
        return None
    if labels is None:
        raise ValueError(
            f"This generator is conditional: pass labels in [0, {sampler.num_classes}). Received: labels=None"
        )
    labels = np.broadcast_to(np.asarray(labels), (count,)).astype("int64")
    bad = labels[(labels < 0) | (labels >= sampler.num_classes)]
    if bad.size:
        raise ValueError(
            f"Labels must be in [0, {sampler.num_classes}). Received: labels={labels.tolist()}"
        )
    return labels.astype("int32")


def sample(model, count, seed=0, labels=None):
    """`count` images from seed `seed` (and `labels` for a conditional generator).

    Returns:
        `(images, latent)`: images in [-1, 1] and the latent vectors used.
    """
    sampler = as_sampler(model)
    latent = latent_from_seed(seed, sampler.latent_dim, sampler.latent_distribution, count)
    return sampler.generate(latent, _check_labels(sampler, labels, count)), latent


def slerp(a, b, t):
    """Spherical interpolation between latent vectors `a` and `b` at fractions `t` (White 2016)."""
    a, b, t = np.asarray(a, "float64"), np.asarray(b, "float64"), np.asarray(t, "float64")[:, None]
    cos = np.dot(a / np.linalg.norm(a), b / np.linalg.norm(b))
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if omega < 1e-6:
        return ((1 - t) * a + t * b).astype("float32")
    return ((np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)).astype("float32")


def interpolate(model, seed_a, seed_b, steps=10, spherical=True, labels=None):
    """Images along the path from seed `seed_a`'s latent vector to seed `seed_b`'s.

    Spherical interpolation (the default) keeps a normal latent's norm typical
    along the way (White 2016, "Sampling Generative Networks"); linear is the
    straight line.

    Returns:
        images `(steps, H, W, C)` in [-1, 1].
    """
    if steps < 2:
        raise ValueError(f"`steps` must be at least 2. Received: steps={steps!r}")
    sampler = as_sampler(model)
    a = latent_from_seed(seed_a, sampler.latent_dim, sampler.latent_distribution)[0]
    b = latent_from_seed(seed_b, sampler.latent_dim, sampler.latent_distribution)[0]
    t = np.linspace(0.0, 1.0, steps)
    latent = slerp(a, b, t) if spherical else ((1 - t[:, None]) * a + t[:, None] * b).astype("float32")
    return sampler.generate(latent, _check_labels(sampler, labels, steps))


def latent_grid(model, seed=0, steps=7, span=2.0, labels=None):
    """A `steps x steps` grid over two random orthonormal latent directions around seed `seed`'s vector.

    Rows move along one direction, columns along the other, from `-span` to
    `+span` (in units of the latent's standard deviation).

    Returns:
        images `(steps * steps, H, W, C)` in [-1, 1], row-major.
    """
    sampler = as_sampler(model)
    rng = np.random.default_rng(seed + 1)
    centre = latent_from_seed(seed, sampler.latent_dim, sampler.latent_distribution)[0]
    directions, _ = np.linalg.qr(rng.standard_normal((sampler.latent_dim, 2)))
    offsets = np.linspace(-span, span, steps)
    latent = np.array(
        [centre + r * directions[:, 0] + c * directions[:, 1] for r in offsets for c in offsets], "float32"
    )
    return sampler.generate(latent, _check_labels(sampler, labels, len(latent)))


def class_grid(model, per_class=10, seed=0):
    """`per_class` samples of every class of a conditional generator, one row per class.

    Each column shares its latent vector across classes, so a column shows one
    "style" drawn as every class.

    Returns:
        images `(num_classes * per_class, H, W, C)`, row `i` is class `i`.
    """
    sampler = as_sampler(model)
    if sampler.num_classes is None:
        raise ValueError("class_grid needs a conditional generator. Received: a generator without labels")
    latent = latent_from_seed(seed, sampler.latent_dim, sampler.latent_distribution, per_class)
    latent = np.tile(latent, (sampler.num_classes, 1))
    labels = np.repeat(np.arange(sampler.num_classes), per_class)
    return sampler.generate(latent, labels.astype("int32"))


def save_gif(frames, path, duration_ms=120, scale=4, loop=True):
    """Saves images in [-1, 1] as an animated GIF, one image per frame (written atomically).

    Args:
        frames: `(N, H, W, C)` images; a back-and-forth loop plays them forward then back.
        path: output `.gif` path.
        duration_ms: time per frame.
        scale: integer upscaling (nearest neighbour), so small digits are visible.
        loop: play forward then backward, forever.
    """
    from PIL import Image  # noqa: PLC0415 (Pillow comes with matplotlib)

    pixels = plotting.to_uint8(frames)
    if pixels.ndim != 4 or len(pixels) == 0:
        raise ValueError(f"`frames` must have shape (N, H, W, C) with N > 0. Received: shape={pixels.shape}")
    if loop and len(pixels) > 2:
        pixels = np.concatenate([pixels, pixels[-2:0:-1]])
    pixels = pixels.repeat(scale, axis=1).repeat(scale, axis=2)
    images = [Image.fromarray(p[..., 0] if p.shape[-1] == 1 else p) for p in pixels]
    with atomic_path(path) as tmp:
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], duration=duration_ms, loop=0)
    return path
