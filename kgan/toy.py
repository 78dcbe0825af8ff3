"""Toy problems of the lectures and their numeric checks, as plain numpy functions.

- Lecture 000, example 1: vectors whose values follow a normal distribution of
  given mean and standard deviation (`normal_vectors`, checked by `moment_errors`).
- Lecture 000, example 2: 2-D points on a line (`line_points`, checked by
  `mean_distance_to_line`).
- The ring of Gaussians (Metz et al. 2017, "Unrolled GANs"), the standard
  mode-collapse benchmark for the pathologies of lectures 000 and 002
  (`ring_of_gaussians`, checked by `mode_coverage`: modes covered and the share
  of high-quality samples, within 3 standard deviations of the nearest mode),
  and the remedies compared on it with the same data, seed and budget
  (`ring_remedies`, `compare_ring_remedies`, `format_remedy_table`,
  `plot_remedy_comparison`).

Every sampler takes a seed, so data and checks repeat; every check takes
arrays, so it scores any generator's samples. The `plot_*` functions save the
picture a student wants for each problem.
"""

import dataclasses

import keras
import numpy as np

from kgan.core.utils import atomic_path, check_positive_int


def _rng(seed):
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _positive(name, value):
    if not value > 0:
        raise ValueError(f"`{name}` must be a positive number. Received: {name}={value!r}")
    return float(value)


# -- data ----------------------------------------------------------------------


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
    _positive("std", std)
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
    _positive("radius", radius)
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
    _positive("std", std)
    rng = _rng(seed)
    modes = ring_modes(num_modes, radius)
    picks = rng.integers(0, num_modes, num_samples)
    return (modes[picks] + rng.normal(0.0, std, (num_samples, 2))).astype("float32")


# -- checks --------------------------------------------------------------------


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
    _positive("std", std)
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


# -- pictures ------------------------------------------------------------------


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path):
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=80, bbox_inches="tight")


def plot_histograms(samples_list, mean, std, path, titles=None):
    """One histogram panel per array of generated values, each over the target density N(mean, std^2)."""
    plt = _figure()
    fig, axes = plt.subplots(1, len(samples_list), figsize=(4.5 * len(samples_list), 3.5), squeeze=False)
    for i, (ax, samples) in enumerate(zip(axes[0], samples_list)):
        values = np.asarray(samples, "float64").ravel()
        low, high = min(values.min(), mean - 4 * std), max(values.max(), mean + 4 * std)
        ax.hist(values, bins=60, range=(low, high), density=True, alpha=0.6, color="tab:orange", label="generated")
        x = np.linspace(low, high, 400)
        ax.plot(x, np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi)), "b", lw=2,
                label=f"target N({mean:g}, {std:g}²)")
        m = moment_errors(values, mean, std)
        prefix = f"{titles[i]}: " if titles else "generated: "
        ax.set_title(f"{prefix}mean {m.mean:.3f}, std {m.std:.3f}", fontsize=10)
        ax.legend(fontsize=8)
    _save(fig, path)
    plt.close(fig)


def plot_histogram(samples, mean, std, path):
    """Histogram of every generated value over the target density N(mean, std^2) (lecture 000, example 1)."""
    plot_histograms([samples], mean, std, path)


def plot_line(points, slope, intercept, path, title=None):
    """Scatter of generated 2-D points over the target line (lecture 000, example 2)."""
    plt = _figure()
    points = np.asarray(points)
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.scatter(points[:, 0], points[:, 1], s=4, alpha=0.5, color="tab:orange", label="generated")
    x = np.linspace(points[:, 0].min() - 0.2, points[:, 0].max() + 0.2, 2)
    ax.plot(x, slope * x + intercept, "b", lw=1.5, label=f"y = {slope:g}x + {intercept:g}")
    ax.set_title(title or f"mean distance to the line: {mean_distance_to_line(points, slope, intercept):.4f}")
    ax.legend()
    _save(fig, path)
    plt.close(fig)


def _draw_ring(plt, ax, samples, modes, std, title, num_std, min_samples, legend=True):
    samples, modes = np.asarray(samples), np.asarray(modes)
    coverage = mode_coverage(samples, modes, std, num_std, min_samples)
    ax.scatter(samples[:, 0], samples[:, 1], s=3, alpha=0.4, color="tab:orange", label="generated")
    for i, centre in enumerate(modes):
        covered = coverage.counts[i] >= min_samples
        ax.add_patch(plt.Circle(centre, num_std * std, fill=False, lw=1.5, color="g" if covered else "r"))
    ax.scatter(modes[:, 0], modes[:, 1], marker="x", color="k", s=20, label="modes")
    ax.set_aspect("equal")
    summary = f"{coverage.modes_covered}/{coverage.num_modes} modes, {coverage.high_quality_share:.0%} high quality"
    ax.set_title(f"{title}\n{summary}" if title else summary, fontsize=10)
    if legend:
        ax.legend(loc="upper right", fontsize=8)


def plot_ring(samples, modes, std, path, title=None, num_std=3.0, min_samples=1):
    """Scatter of generated points over the ring's modes; circles of the high-quality radius, green if covered."""
    plt = _figure()
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    _draw_ring(plt, ax, samples, modes, std, title, num_std, min_samples)
    _save(fig, path)
    plt.close(fig)


def plot_rings(samples_list, modes, std, path, titles, num_std=3.0, min_samples=1, columns=4):
    """`plot_ring` side by side: one panel per array of generated points, on shared axes.

    Args:
        samples_list: a list of `(num_samples, 2)` arrays.
        modes: `(num_modes, 2)` mode centres.
        std: the modes' standard deviation.
        path: the PNG to write.
        titles: one title per panel.
        num_std, min_samples: as in `mode_coverage`.
        columns: panels per row.
    """
    plt = _figure()
    if len(titles) != len(samples_list) or not samples_list:
        raise ValueError(f"Need one title per panel. Received: {len(samples_list)} panels, {len(titles)} titles")
    columns = min(columns, len(samples_list))
    rows = -(-len(samples_list) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 4.0 * rows), squeeze=False,
                             sharex=True, sharey=True)
    limit = 1.25 * float(np.abs(np.asarray(modes)).max()) + 0.2
    for i, ax in enumerate(axes.ravel()):
        if i >= len(samples_list):
            ax.axis("off")
            continue
        _draw_ring(plt, ax, samples_list[i], modes, std, titles[i], num_std, min_samples,
                   legend=i == 0)
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


# -- training a toy GAN --------------------------------------------------------


def train_toy_gan(
    data,
    *,
    latent_dim=50,
    generator_hidden=150,
    discriminator_hidden=75,
    generator_output_activation="selu",
    latent_distribution="uniform01",
    loss=None,
    d_steps=None,
    label_smoothing=0.0,
    instance_noise=0.0,
    instance_noise_steps=None,
    penalties=(),
    variant="gan",
    optimizer="sgd",
    lr_g=8e-4,
    lr_d=1e-3,
    batch_size=30,
    epochs=1,
    seed=0,
    verbose=0,
    callbacks=(),
):
    """Trains lecture 000's MLP GAN (SELU G, ELU/sigmoid D) on vectors with `kgan.GAN.fit`.

    The defaults are lecture 000's example 1: latent 50 from uniform [0, 1),
    G hidden 150, D hidden 75, SGD with momentum 0.9 (G lr 0.0008, D lr
    0.001), batches of 30. `d_steps=k` trains G once every k batches: the
    lecture's `freeze_generator_steps`.

    Args:
        data: `(num_samples, dim)` float array of real samples.
        latent_dim, generator_hidden, discriminator_hidden: network sizes.
        generator_output_activation: the lecture's `"selu"`, or `None` for a
            linear output. SELU never goes below -1.758, so data beyond it
            (the ring's modes at x = -2 and y = -2) needs the linear output.
        latent_distribution: `"uniform01"`, `"uniform"` or `"normal"`.
        loss: a name from `kgan.core.losses.LOSSES` (default: the variant's;
            `"non_saturating"` for the plain GAN).
        d_steps: discriminator steps per generator step (default: the
            variant's; 1 for the plain GAN, 5 for WGAN-GP).
        label_smoothing: one-sided label smoothing (lecture 002).
        instance_noise, instance_noise_steps: Gaussian noise on D's inputs,
            annealed to 0 over that many D steps (lecture 000's remedy).
        penalties: terms added to D's loss (`kgan.core.penalties`, e.g.
            `WeightPenalty`, lecture 000's "penalizing discriminator weights").
        variant: `"gan"` or a key of `kgan.variants.VARIANTS` that needs no
            labels (`"wgan_gp"`, `"lsgan"`, ...). The Wasserstein, hinge and
            least-squares losses get D with a linear output instead of the
            sigmoid; the variant's own loss and `d_steps` apply unless given.
        optimizer: `"sgd"` (momentum 0.9, the lecture's) or `"adam"` (beta_1 0.5).
        lr_g, lr_d: learning rates.
        batch_size: samples per step.
        epochs: passes over `data`.
        seed: seed of weights, data order and noise.
        verbose: `fit`'s verbosity.
        callbacks: Keras callbacks.

    Returns:
        The trained `kgan.GAN`.
    """
    from kgan.models.mlp import (build_lecture000_discriminator, build_lecture000_generator,
                                 build_mlp_discriminator, build_mlp_generator)
    from kgan.variants import CONDITIONAL_VARIANTS, VARIANTS

    data = np.asarray(data, "float32")
    if data.ndim != 2:
        raise ValueError(f"`data` must be (num_samples, dim). Received: shape={data.shape}")
    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"`optimizer` must be 'sgd' or 'adam'. Received: optimizer={optimizer!r}")
    if variant not in VARIANTS or variant in CONDITIONAL_VARIANTS or variant == "began":
        toy_variants = sorted(set(VARIANTS) - set(CONDITIONAL_VARIANTS) - {"began"})
        raise ValueError(f"`variant` must be one of {toy_variants}. Received: variant={variant!r}")
    keras.utils.set_random_seed(seed)
    dim = data.shape[1]
    options = dict(latent_distribution=latent_distribution, label_smoothing=label_smoothing,
                   instance_noise=instance_noise, instance_noise_steps=instance_noise_steps,
                   penalties=tuple(penalties), seed=seed)
    # A variant keeps its own loss and d_steps (WGAN-GP: Wasserstein, 5) unless the caller chose others.
    if loss is not None:
        options["loss"] = loss
    if d_steps is not None:
        options["d_steps"] = d_steps
    gan_class = VARIANTS[variant]
    loss_name = loss or _default_loss(gan_class)
    if generator_output_activation == "selu":
        generator = build_lecture000_generator(latent_dim, generator_hidden, dim, seed=seed)
    else:
        generator = build_mlp_generator(latent_dim, dim, hidden_units=(generator_hidden,) * 2, activation="selu",
                                        output_activation=generator_output_activation, seed=seed, name="generator")
    if loss_name in _LINEAR_LOSSES:
        # A critic's score is unbounded; a sigmoid would saturate it (lecture 000's ELU MLP otherwise).
        discriminator = build_mlp_discriminator(dim, hidden_units=(discriminator_hidden,) * 2, activation="elu",
                                                head="logit", seed=seed, name="discriminator")
    else:
        discriminator = build_lecture000_discriminator(dim, discriminator_hidden, seed=seed)
    gan = gan_class(generator, discriminator, **options)

    def make(lr):
        if optimizer == "sgd":
            return keras.optimizers.SGD(lr, momentum=0.9)
        return keras.optimizers.Adam(lr, beta_1=0.5)

    gan.compile(d_optimizer=make(lr_d), g_optimizer=make(lr_g))
    gan.fit(data, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=verbose, callbacks=list(callbacks))
    return gan


_LINEAR_LOSSES = ("wasserstein", "hinge", "least_squares")


def _default_loss(gan_class):
    import inspect

    parameter = inspect.signature(gan_class.__init__).parameters.get("loss")
    return parameter.default if parameter is not None else "non_saturating"


def generate_samples(gan, num_samples, seed=0):
    """`num_samples` generated samples from a fixed, seeded latent batch, as a numpy array."""
    from kgan.core import sample_latent

    latent = sample_latent((num_samples, gan.latent_dim), gan.latent_distribution, seed=seed)
    return np.asarray(gan.generate(latent, training=False))


class SampleCheck(keras.callbacks.Callback):
    """Scores generated samples after every epoch and adds the scores to the logs.

    Put it before `kgan.callbacks.HistoryLog` in the callback list, so the
    scores land in `history.csv` and `history.png` next to the losses.

    Args:
        check: `fn(samples) -> dict of floats`, e.g.
            `lambda s: {"modes_covered": mode_coverage(s, modes, 0.02).modes_covered}`.
        num_samples: samples per check (from a fixed, seeded latent batch).
        seed: seed of the latent batch.
    """

    def __init__(self, check, num_samples=1000, seed=0):
        super().__init__()
        self.check = check
        self.num_samples = num_samples
        self.seed = seed

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs.update({k: float(v) for k, v in self.check(generate_samples(self.model, self.num_samples,
                                                                             self.seed)).items()})


# -- the ring of Gaussians: the remedies compared ----------------------------

#: The ring benchmark's GAN: lecture 000's SELU/ELU MLPs widened to 128 units, G with a linear output
#: (SELU's floor, -1.758, would put the modes at x = -2 and y = -2 out of reach), latent 16 ~ N(0, 1),
#: Adam(1e-3, beta_1=0.5), batches of 128.
RING_GAN = dict(latent_dim=16, generator_hidden=128, discriminator_hidden=128, generator_output_activation=None,
                latent_distribution="normal", optimizer="adam", lr_g=1e-3, lr_d=1e-3, batch_size=128)


@dataclasses.dataclass(frozen=True)
class Remedy:
    """A remedy for mode collapse or non-convergence, as `train_toy_gan` options.

    Attributes:
        name: a short label for tables and panels.
        source: where the lectures (or papers) describe it.
        options: keyword arguments of `train_toy_gan`. `instance_noise`
            without `instance_noise_steps` is annealed to 0 over the first
            half of the run.
    """

    name: str
    source: str
    options: dict = dataclasses.field(default_factory=dict)


def ring_remedies():
    """The plain GANs and the remedies kgan has, as compared by `compare_ring_remedies`.

    Returns:
        A tuple of `Remedy`: the zero-sum (minimax) and non-saturating
        generator costs, one-sided label smoothing, annealed instance noise,
        an L2 penalty on D's weights, 5 D steps per G step, the least-squares
        loss (LSGAN) and WGAN-GP.
    """
    from kgan.core.penalties import WeightPenalty

    return (
        Remedy("minimax", "the zero-sum game, C_G = -C_D (lectures 002, 004)", {"loss": "minimax"}),
        Remedy("non-saturating", "G's flipped target (lectures 002, 004); kgan's default", {}),
        Remedy("label smoothing 0.1", "one-sided, D's real target 0.9 (lecture 002)", {"label_smoothing": 0.1}),
        Remedy("instance noise 0.1", "noise on D's inputs, annealed to 0 over half the run (lecture 000)",
               {"instance_noise": 0.1}),
        Remedy("D weight penalty", "L2 penalty 1e-4 on D's weights (lecture 000)",
               {"penalties": (WeightPenalty(1e-4),)}),
        Remedy("5 D steps", "k = 5 D steps per G step (lecture 002, Algorithm 1)", {"d_steps": 5}),
        Remedy("LSGAN", "least-squares loss (lecture 000's loss table)", {"variant": "lsgan"}),
        Remedy("WGAN-GP", "Wasserstein loss, gradient penalty 10, 5 critic steps per G step (lecture 000)",
               {"variant": "wgan_gp"}),
    )


@dataclasses.dataclass(frozen=True)
class RemedyResult:
    """One remedy's outcome on the ring: its coverage, its samples and its training time (seconds)."""

    remedy: Remedy
    coverage: ModeCoverage
    samples: np.ndarray
    seconds: float


def compare_ring_remedies(remedies=None, *, num_modes=8, radius=2.0, std=0.02, batches_per_epoch=200, epochs=30,
                          num_samples=2000, seed=0, verbose=0, progress=None):
    """Trains one GAN per remedy on the ring of Gaussians, with the same data, seed and budget.

    Every run sees the same `batches_per_epoch * epochs` batches of 128
    (`RING_GAN`), so a remedy that trains G less often (`d_steps`) gets no
    extra batches. Each run is scored on the same `num_samples` latent
    vectors: modes covered (at least 1% of the samples, high-quality, on
    the mode) and the share of high-quality samples (within 3 std of the
    nearest mode).

    Args:
        remedies: `Remedy`s to compare (default: `ring_remedies()`).
        num_modes, radius, std: the ring (Metz et al. 2017: 8, 2, 0.02).
        batches_per_epoch: batches of 128 per epoch.
        epochs: passes over the data.
        num_samples: generated samples scored per remedy.
        seed: seed of data, weights and noise, the same for every remedy.
        verbose: `fit`'s verbosity.
        progress: `fn(RemedyResult)` called after each remedy (e.g. to print it).

    Returns:
        A list of `RemedyResult`, in the order of `remedies`.

    Example:
        >>> results = compare_ring_remedies(epochs=1, batches_per_epoch=2)  # doctest: +SKIP
        >>> print(format_remedy_table(results))  # doctest: +SKIP
    """
    import time

    remedies = ring_remedies() if remedies is None else tuple(remedies)
    if not remedies:
        raise ValueError("Need at least one remedy to compare. Received: remedies=()")
    check_positive_int("batches_per_epoch", batches_per_epoch)
    check_positive_int("epochs", epochs)
    modes = ring_modes(num_modes, radius)
    data = ring_of_gaussians(batches_per_epoch * RING_GAN["batch_size"], num_modes, radius, std, seed=seed)
    min_samples = max(1, num_samples // 100)
    results = []
    for remedy in remedies:
        options = dict(remedy.options)
        if options.get("instance_noise") and options.get("instance_noise_steps") is None:
            options["instance_noise_steps"] = max(1, batches_per_epoch * epochs // 2)
        start = time.perf_counter()
        gan = train_toy_gan(data, **RING_GAN, **options, epochs=epochs, seed=seed, verbose=verbose)
        seconds = time.perf_counter() - start
        samples = generate_samples(gan, num_samples, seed=seed)
        result = RemedyResult(remedy, mode_coverage(samples, modes, std, min_samples=min_samples), samples, seconds)
        results.append(result)
        if progress is not None:
            progress(result)
    return results


def format_remedy_table(results):
    """The comparison as a plain-text table: remedy, modes covered, high-quality share, samples per mode."""
    width = max(len("remedy"), *(len(r.remedy.name) for r in results))
    lines = [f"{'remedy':<{width}}  modes covered  high quality  seconds  high-quality samples per mode"]
    for r in results:
        c = r.coverage
        lines.append(f"{r.remedy.name:<{width}}  {f'{c.modes_covered}/{c.num_modes}':>13}  "
                     f"{c.high_quality_share:>12.1%}  {r.seconds:>7.0f}  {list(c.counts)}")
    return "\n".join(lines)


def plot_remedy_comparison(results, path, *, num_modes=8, radius=2.0, std=0.02, columns=4):
    """One `plot_ring` panel per remedy, titled with its name and scores."""
    min_samples = max(1, len(results[0].samples) // 100) if results else 1
    plot_rings([r.samples for r in results], ring_modes(num_modes, radius), std, path,
               titles=[r.remedy.name for r in results], min_samples=min_samples, columns=columns)
