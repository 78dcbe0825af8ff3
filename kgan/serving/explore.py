"""Exploring a trained generator: seeded samples, interpolations, latent grids, GIFs.

Everything here works on a *sampler*: a `kgan.GAN`, a generator `keras.Model`,
or an export loaded with `kgan.serving.load_generator`, so the same calls serve
a training run and a deployed model. Latent vectors come from integer seeds,
so a picture can be reproduced from its seed alone.
"""

import dataclasses

import numpy as np

from kgan.core import latent as latent_lib
from kgan.core import plotting
from kgan.core.catalog import MAX_SAMPLES  # the most images one call makes (a 100 x 100 grid)
from kgan.core.spec import GeneratorSpec
from kgan.core.utils import atomic_path, check_positive_int

# The most steps per side of a latent grid: `steps` x `steps` images.
MAX_GRID_STEPS = 100
# The most pixels a GIF's frames hold together after upscaling, as uint8 (1 GiB).
MAX_GIF_BYTES = 2**30


@dataclasses.dataclass
class Sampler:
    """A generator as a NumPy function, with its contract.

    Attributes:
        generate: `fn(latent, labels=None) -> images in [-1, 1]` (NumPy).
        spec: the generator's `kgan.core.spec.GeneratorSpec` (latent size and distribution, classes).
    """

    generate: object
    spec: GeneratorSpec

    latent_dim = property(lambda self: self.spec.latent_dim)
    latent_distribution = property(lambda self: self.spec.latent_distribution)
    num_classes = property(lambda self: self.spec.num_classes if self.spec.conditional else None)


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
    import keras  # noqa: PLC0415

    from kgan.core import GAN  # noqa: PLC0415
    from kgan.serving.load import ExportedGenerator  # noqa: PLC0415 (keep import light)

    if isinstance(model, (GAN, ExportedGenerator)):
        spec = model.spec
        if latent_distribution is not None:
            spec = dataclasses.replace(spec, latent_distribution=latent_distribution)
        if isinstance(model, ExportedGenerator):
            return Sampler(model, spec)
        return Sampler(lambda z, labels=None: np.asarray(model.generate(z, labels, training=False)), spec)
    if isinstance(model, keras.Model):
        spec = GeneratorSpec.from_generator(model, latent_distribution or "normal")

        def generate(z, labels=None):
            if spec.conditional:
                return np.asarray(model([z, np.asarray(labels, "int32").reshape(-1, 1)], training=False))
            return np.asarray(model(z, training=False))

        return Sampler(generate, spec)
    raise ValueError(
        "Expected a kgan.GAN, a generator keras.Model or an export from kgan.load_generator. "
        f"Received: model={type(model).__name__}"
    )


# Seeded NumPy latent vectors, as every sample here draws them (kept under this name for explore's callers).
latent_from_seed = latent_lib.latent_from_seed


def sample(model, count, seed=0, labels=None):
    """`count` images from seed `seed` (and `labels` for a conditional generator).

    Returns:
        `(images, latent)`: images in [-1, 1] and the latent vectors used.
    """
    check_positive_int("count", count, MAX_SAMPLES)
    sampler = as_sampler(model)
    latent = sampler.spec.latent_from_seed(seed, count)
    return sampler.generate(latent, sampler.spec.check_labels(labels, count)), latent


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
    check_positive_int("steps", steps, MAX_SAMPLES)
    sampler = as_sampler(model)
    a = sampler.spec.latent_from_seed(seed_a)[0]
    b = sampler.spec.latent_from_seed(seed_b)[0]
    t = np.linspace(0.0, 1.0, steps)
    latent = slerp(a, b, t) if spherical else ((1 - t[:, None]) * a + t[:, None] * b).astype("float32")
    return sampler.generate(latent, sampler.spec.check_labels(labels, steps))


def latent_grid(model, seed=0, steps=7, span=2.0, labels=None):
    """A `steps x steps` grid over two random orthonormal latent directions around seed `seed`'s vector.

    Rows move along one direction, columns along the other, from `-span` to
    `+span` (in units of the latent's standard deviation).

    Returns:
        images `(steps * steps, H, W, C)` in [-1, 1], row-major.
    """
    check_positive_int("steps", steps, MAX_GRID_STEPS)
    sampler = as_sampler(model)
    rng = np.random.default_rng(seed + 1)
    centre = sampler.spec.latent_from_seed(seed)[0]
    directions, _ = np.linalg.qr(rng.standard_normal((sampler.latent_dim, 2)))
    offsets = np.linspace(-span, span, steps)
    latent = np.array(
        [centre + r * directions[:, 0] + c * directions[:, 1] for r in offsets for c in offsets], "float32"
    )
    return sampler.generate(latent, sampler.spec.check_labels(labels, len(latent)))


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
    check_positive_int("per_class", per_class, MAX_SAMPLES // sampler.num_classes or 1)
    latent = sampler.spec.latent_from_seed(seed, per_class)
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

    check_positive_int("scale", scale, 64)
    shape = np.shape(frames)
    if len(shape) != 4 or shape[0] == 0:
        raise ValueError(f"`frames` must have shape (N, H, W, C) with N > 0. Received: shape={shape}")
    if 2 * shape[0] * shape[1] * shape[2] * shape[3] * scale**2 > MAX_GIF_BYTES:  # x2: the back-and-forth loop
        raise ValueError(
            f"The GIF would take more than {MAX_GIF_BYTES} bytes; use fewer or smaller frames or a smaller scale. "
            f"Received: frames of shape {shape}, scale={scale}"
        )
    pixels = plotting.to_uint8(frames)
    if loop and len(pixels) > 2:
        pixels = np.concatenate([pixels, pixels[-2:0:-1]])
    pixels = pixels.repeat(scale, axis=1).repeat(scale, axis=2)
    images = [Image.fromarray(p[..., 0] if p.shape[-1] == 1 else p) for p in pixels]
    with atomic_path(path) as tmp:
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], duration=duration_ms, loop=0)
    return path
