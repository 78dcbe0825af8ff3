"""The ring of Gaussians in the unrolled GAN paper's own setting: the plain GAN against k unrolling steps.

Metz et al. 2017 ("Unrolled Generative Adversarial Networks", arXiv 1611.02163,
section 3.1 and appendix A) train on 8 Gaussians (std 0.02) on a circle of
radius 2: G is an MLP with 2 hidden layers of 128 ReLU units and a linear
output, D scales its input by 1/4 and has one hidden layer of 128 ReLU units
and a logit; every weight is orthogonal with gain 0.8; the latent is 256-d
standard normal; both nets use Adam(1e-4, beta_1=0.5) on the zero-sum
(minimax) loss. The paper shows that with 0 unrolling steps G hops from mode
to mode, and that with 10 it spreads over all 8. `compare_unrolling` trains
that comparison over several seeds with the same data, weights and budget
per seed, and scores each run like kgan's other ring runs (`mode_coverage`).
"""

import dataclasses
import time

import keras
from keras import layers

from kgan.core import GAN
from kgan.core.utils import check_positive_int
from kgan.lectures.toy_data import ring_modes, ring_of_gaussians
from kgan.lectures.toy_gan import SampleCheck, generate_samples
from kgan.lectures.toy_plots import plot_rings
from kgan.metrics.toy_checks import ModeCoverage, mode_coverage
from kgan.variants import UnrolledGAN

#: Metz et al. 2017, appendix A, as recalled: the appendix's text could not be read when this was written. The
#: authors' notebook (poolio/unrolled_gan), which could, differs ("not identical to the one in the paper", it says):
#: tanh MLPs, D with 2 hidden layers, orthogonal gain 1.4, G's lr 1e-3. The batches of 512 are the notebook's.
METZ_RING_GAN = dict(
    latent_dim=256,
    hidden_units=128,
    init_gain=0.8,
    input_scale=0.25,
    loss="minimax",
    learning_rate=1e-4,
    beta_1=0.5,
    batch_size=512,
)


def build_metz_ring_generator(latent_dim=256, hidden_units=128, *, init_gain=0.8, seed=None):
    """The paper's ring generator: 2 hidden Dense layers of ReLU units, a linear 2-d output, orthogonal weights.

    Returns:
        A functional `keras.Model` from `(latent_dim,)` to `(2,)`.
    """
    check_positive_int("latent_dim", latent_dim)
    check_positive_int("hidden_units", hidden_units)
    init = keras.initializers.Orthogonal(init_gain, seed=seed)
    latent = keras.Input((latent_dim,), name="latent")
    x = layers.Dense(hidden_units, activation="relu", kernel_initializer=init, name="dense_1")(latent)
    x = layers.Dense(hidden_units, activation="relu", kernel_initializer=init, name="dense_2")(x)
    return keras.Model(latent, layers.Dense(2, kernel_initializer=init, name="output")(x), name="generator")


def build_metz_ring_discriminator(hidden_units=128, *, input_scale=0.25, init_gain=0.8, seed=None):
    """The paper's ring discriminator: inputs scaled by `input_scale` (the ring to about [-0.5, 0.5]),
    one hidden Dense layer of ReLU units, a logit; orthogonal weights.

    Returns:
        A functional `keras.Model` from `(2,)` to `(1,)` logits.
    """
    check_positive_int("hidden_units", hidden_units)
    init = keras.initializers.Orthogonal(init_gain, seed=seed)
    samples = keras.Input((2,), name="samples")
    x = layers.Rescaling(input_scale, name="scale")(samples)
    x = layers.Dense(hidden_units, activation="relu", kernel_initializer=init, name="dense_1")(x)
    return keras.Model(samples, layers.Dense(1, kernel_initializer=init, name="logit")(x), name="discriminator")


def train_metz_ring_gan(data, *, unroll_steps, epochs, seed=0, callbacks=(), verbose=0):
    """Trains the paper's ring GAN on `data` with `unroll_steps` (0: the plain GAN, the paper's "0 unrolling steps").

    Every train step is one D step and one G step on a batch of 512; G and D
    start from the same weights for every `unroll_steps` with the same seed.

    Returns:
        The trained `kgan.GAN` (an `UnrolledGAN` if `unroll_steps` > 0).
    """
    if not isinstance(unroll_steps, int) or isinstance(unroll_steps, bool) or unroll_steps < 0:
        raise ValueError(f"`unroll_steps` must be an integer >= 0. Received: unroll_steps={unroll_steps!r}")
    s = METZ_RING_GAN
    keras.utils.set_random_seed(seed)
    generator = build_metz_ring_generator(s["latent_dim"], s["hidden_units"], init_gain=s["init_gain"], seed=seed)
    discriminator = build_metz_ring_discriminator(
        s["hidden_units"], input_scale=s["input_scale"], init_gain=s["init_gain"], seed=seed + 1
    )
    options = dict(loss=s["loss"], latent_distribution="normal", seed=seed)
    if unroll_steps:
        gan = UnrolledGAN(generator, discriminator, unroll_steps=unroll_steps, **options)
    else:
        gan = GAN(generator, discriminator, **options)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(s["learning_rate"], beta_1=s["beta_1"]),
        g_optimizer=keras.optimizers.Adam(s["learning_rate"], beta_1=s["beta_1"]),
        # The toy MLPs' steps are a few milliseconds: XLA's compile and launch costs more than it saves here.
        jit_compile=False,
    )
    gan.fit(data, batch_size=s["batch_size"], epochs=epochs, shuffle=True, verbose=verbose, callbacks=list(callbacks))
    return gan


@dataclasses.dataclass(frozen=True)
class UnrollingResult:
    """One run of `compare_unrolling`: its unrolling steps and seed, final coverage, samples, modes covered
    after every `steps_per_check` steps, and its training time (seconds)."""

    unroll_steps: int
    seed: int
    coverage: ModeCoverage
    samples: object
    modes_over_time: tuple
    seconds: float


def compare_unrolling(
    unroll_steps=(0, 10),
    seeds=(0, 1, 2),
    *,
    steps=20_000,
    steps_per_check=2000,
    num_samples=2000,
    num_modes=8,
    radius=2.0,
    std=0.02,
    progress=None,
):
    """Trains the paper's ring GAN for every (seed, unrolling steps) pair with the same budget.

    For one seed, every `unroll_steps` sees the same data and starts from the
    same weights; each run is scored on the same `num_samples` latent vectors
    (a mode is covered with at least 1% of the samples on it, within 3 std).

    Args:
        unroll_steps: the unrolling steps to compare (0: the plain GAN).
        seeds: seeds of data, weights and noise.
        steps: train steps (one D and one G update each) per run; a multiple of `steps_per_check`.
        steps_per_check: steps between two mode counts (`UnrollingResult.modes_over_time`).
        num_samples: generated samples scored per check.
        num_modes, radius, std: the ring (the paper's 8, 2, 0.02).
        progress: `fn(UnrollingResult)` called after each run.

    Returns:
        A list of `UnrollingResult`, seeds outer, unrolling steps inner.
    """
    unroll_steps, seeds = tuple(unroll_steps), tuple(seeds)
    if not unroll_steps or not seeds:
        raise ValueError(f"Need unrolling steps and seeds to compare. Received: {unroll_steps=}, {seeds=}")
    check_positive_int("steps", steps)
    check_positive_int("steps_per_check", steps_per_check)
    if steps % steps_per_check:
        message = "`steps` must be a multiple of `steps_per_check`."
        raise ValueError(f"{message} Received: steps={steps}, steps_per_check={steps_per_check}")
    modes = ring_modes(num_modes, radius)
    min_samples = max(1, num_samples // 100)

    def check(samples):
        return {"modes_covered": mode_coverage(samples, modes, std, min_samples=min_samples).modes_covered}

    results = []
    for seed in seeds:
        data = ring_of_gaussians(steps_per_check * METZ_RING_GAN["batch_size"], num_modes, radius, std, seed=seed)
        for k in unroll_steps:
            start = time.perf_counter()
            sample_check = SampleCheck(check, num_samples, seed=seed)
            history = keras.callbacks.History()
            gan = train_metz_ring_gan(
                data, unroll_steps=k, epochs=steps // steps_per_check, seed=seed, callbacks=[sample_check, history]
            )
            seconds = time.perf_counter() - start
            samples = generate_samples(gan, num_samples, seed=seed)
            coverage = mode_coverage(samples, modes, std, min_samples=min_samples)
            over_time = tuple(int(m) for m in history.history["modes_covered"])
            results.append(UnrollingResult(k, seed, coverage, samples, over_time, seconds))
            if progress is not None:
                progress(results[-1])
    return results


def format_unrolling_table(results):
    """The comparison as plain text: one row per run, then the mean per unrolling steps."""
    lines = ["unrolling steps  seed  modes covered  high quality  seconds  modes covered at each check"]
    for r in results:
        c = r.coverage
        lines.append(
            f"{r.unroll_steps:>15}  {r.seed:>4}  {f'{c.modes_covered}/{c.num_modes}':>13}  "
            f"{c.high_quality_share:>12.1%}  {r.seconds:>7.0f}  {list(r.modes_over_time)}"
        )
    for k in dict.fromkeys(r.unroll_steps for r in results):
        runs = [r.coverage for r in results if r.unroll_steps == k]
        modes = sum(c.modes_covered for c in runs) / len(runs)
        share = sum(c.high_quality_share for c in runs) / len(runs)
        lines.append(f"{k:>15}  mean  {modes:>11.1f}/{runs[0].num_modes}  {share:>12.1%}")
    return "\n".join(lines)


def plot_unrolling_comparison(results, path, *, num_modes=8, radius=2.0, std=0.02):
    """One `plot_ring` panel per run: a row per seed, a column per unrolling steps."""
    if not results:
        raise ValueError("Need at least one run to plot. Received: results=[]")
    columns = len(dict.fromkeys(r.unroll_steps for r in results))
    plot_rings(
        [r.samples for r in results],
        ring_modes(num_modes, radius),
        std,
        path,
        titles=[f"{r.unroll_steps} unrolling steps, seed {r.seed}" for r in results],
        min_samples=max(1, len(results[0].samples) // 100),
        columns=columns,
    )
