"""The ring of Gaussians: the remedies for mode collapse compared with the same data, seed and budget."""

import dataclasses
import time

import numpy as np

from kgan.core.penalties import WeightPenalty
from kgan.core.utils import check_positive_int
from kgan.lectures.toy_data import ring_modes, ring_of_gaussians
from kgan.lectures.toy_gan import generate_samples, train_toy_gan
from kgan.lectures.toy_plots import plot_rings
from kgan.metrics.toy_checks import ModeCoverage, mode_coverage

#: The ring benchmark's GAN: lecture 000's SELU/ELU MLPs widened to 128 units, G with a linear output
#: (SELU's floor, -1.758, would put the modes at x = -2 and y = -2 out of reach), latent 16 ~ N(0, 1),
#: Adam(1e-3, beta_1=0.5), batches of 128.
RING_GAN = dict(
    latent_dim=16,
    generator_hidden=128,
    discriminator_hidden=128,
    generator_output_activation=None,
    latent_distribution="normal",
    optimizer="adam",
    lr_g=1e-3,
    lr_d=1e-3,
    batch_size=128,
)


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
        an L2 penalty on D's weights, 5 D steps per G step, the unrolled GAN,
        the least-squares loss (LSGAN) and WGAN-GP.
    """
    return (
        Remedy("minimax", "the zero-sum game, C_G = -C_D (lectures 002, 004)", {"loss": "minimax"}),
        Remedy("non-saturating", "G's flipped target (lectures 002, 004); kgan's default", {}),
        Remedy("label smoothing 0.1", "one-sided, D's real target 0.9 (lecture 002)", {"label_smoothing": 0.1}),
        Remedy(
            "instance noise 0.1",
            "noise on D's inputs, annealed to 0 over half the run (lecture 000)",
            {"instance_noise": 0.1},
        ),
        Remedy(
            "D weight penalty", "L2 penalty 1e-4 on D's weights (lecture 000)", {"penalties": (WeightPenalty(1e-4),)}
        ),
        Remedy("5 D steps", "k = 5 D steps per G step (lecture 002, Algorithm 1)", {"d_steps": 5}),
        Remedy(
            "unrolled GAN",
            "G's loss on D unrolled 5 steps ahead, differentiated through them (lecture 000; Metz et al. 2017)",
            {"variant": "unrolled"},
        ),
        Remedy("LSGAN", "least-squares loss (lecture 000's loss table)", {"variant": "lsgan"}),
        Remedy(
            "WGAN-GP",
            "Wasserstein loss, gradient penalty 10, 5 critic steps per G step (lecture 000)",
            {"variant": "wgan_gp"},
        ),
    )


@dataclasses.dataclass(frozen=True)
class RemedyResult:
    """One remedy's outcome on the ring: its coverage, its samples and its training time (seconds)."""

    remedy: Remedy
    coverage: ModeCoverage
    samples: np.ndarray
    seconds: float


def compare_ring_remedies(
    remedies=None,
    *,
    num_modes=8,
    radius=2.0,
    std=0.02,
    batches_per_epoch=200,
    epochs=30,
    num_samples=2000,
    seed=0,
    verbose=0,
    progress=None,
):
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
        lines.append(
            f"{r.remedy.name:<{width}}  {f'{c.modes_covered}/{c.num_modes}':>13}  "
            f"{c.high_quality_share:>12.1%}  {r.seconds:>7.0f}  {list(c.counts)}"
        )
    return "\n".join(lines)


def plot_remedy_comparison(results, path, *, num_modes=8, radius=2.0, std=0.02, columns=4):
    """One `plot_ring` panel per remedy, titled with its name and scores."""
    min_samples = max(1, len(results[0].samples) // 100) if results else 1
    plot_rings(
        [r.samples for r in results],
        ring_modes(num_modes, radius),
        std,
        path,
        titles=[r.remedy.name for r in results],
        min_samples=min_samples,
        columns=columns,
    )
