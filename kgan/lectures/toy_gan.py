"""Training a toy GAN: lecture 000's MLP GAN (SELU G, ELU/sigmoid D) on vectors, with `kgan.GAN.fit`."""

import keras
import numpy as np

from kgan.core.latent import sample_latent
from kgan.models.mlp import (
    build_lecture000_discriminator,
    build_lecture000_generator,
    build_mlp_discriminator,
    build_mlp_generator,
)
from kgan.variants import VARIANTS


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
    data = np.asarray(data, "float32")
    if data.ndim != 2:
        raise ValueError(f"`data` must be (num_samples, dim). Received: shape={data.shape}")
    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"`optimizer` must be 'sgd' or 'adam'. Received: optimizer={optimizer!r}")
    if variant not in VARIANTS or not VARIANTS[variant].toy:
        toy_variants = sorted(name for name, cls in VARIANTS.items() if cls.toy)
        raise ValueError(f"`variant` must be one of {toy_variants}. Received: variant={variant!r}")
    keras.utils.set_random_seed(seed)
    dim = data.shape[1]
    options = dict(
        latent_distribution=latent_distribution,
        label_smoothing=label_smoothing,
        instance_noise=instance_noise,
        instance_noise_steps=instance_noise_steps,
        penalties=tuple(penalties),
        seed=seed,
    )
    # A variant keeps its own loss and d_steps (WGAN-GP: Wasserstein, 5) unless the caller chose others.
    if loss is not None:
        options["loss"] = loss
    if d_steps is not None:
        options["d_steps"] = d_steps
    gan_class = VARIANTS[variant]
    loss_name = loss or gan_class.default_loss
    if generator_output_activation == "selu":
        generator = build_lecture000_generator(latent_dim, generator_hidden, dim, seed=seed)
    else:
        generator = build_mlp_generator(
            latent_dim,
            dim,
            hidden_units=(generator_hidden,) * 2,
            activation="selu",
            output_activation=generator_output_activation,
            seed=seed,
            name="generator",
        )
    if loss_name in _LINEAR_LOSSES:
        # A critic's score is unbounded; a sigmoid would saturate it (lecture 000's ELU MLP otherwise).
        discriminator = build_mlp_discriminator(
            dim,
            hidden_units=(discriminator_hidden,) * 2,
            activation="elu",
            head="logit",
            seed=seed,
            name="discriminator",
        )
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


def generate_samples(gan, num_samples, seed=0):
    """`num_samples` generated samples from a fixed, seeded latent batch, as a numpy array."""
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
            logs.update(
                {k: float(v) for k, v in self.check(generate_samples(self.model, self.num_samples, self.seed)).items()}
            )
