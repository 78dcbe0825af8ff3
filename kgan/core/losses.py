"""GAN losses as functions of the discriminator's outputs (logits).

Named the TF-GAN way: `<variant>_discriminator_loss(real_logits, fake_logits)`
and `<variant>_generator_loss(fake_logits)`. Every function takes logits
(pre-sigmoid scores) of shape `(batch,)` and returns a scalar; `kgan.GAN`
converts sigmoid and two-way softmax heads to logits first.

A `GANLoss` pairs a discriminator loss with a generator loss; `get(name)`
returns a registered pair, and `GAN(loss=...)` takes a name or a `GANLoss`.
"""

import dataclasses
from typing import Callable

from keras import ops

from kgan.core.distribute import cross_replica_mean


def _mean_bce_with_logits(logits, target):
    # Stable binary cross-entropy on logits: softplus(l) - target * l.
    return ops.mean(ops.softplus(logits) - target * logits)


def minimax_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    """Discriminator loss of the original GAN (Goodfellow et al. 2014).

    `-E[log D(x)] - E[log(1 - D(G(z)))]`, computed as the mean of the
    binary cross-entropy on real (target 1) and on fake (target 0) samples, as
    lecture 001 does ("the total error as the mean of the two errors") and as
    lecture 004's categorical cross-entropy on a half-real, half-fake batch does.

    Args:
        real_logits: D's logits on real samples, shape `(batch,)`.
        fake_logits: D's logits on generated samples, shape `(batch,)`.
        label_smoothing: one-sided label smoothing (Salimans et al. 2016,
            lecture 002): the real target becomes `1 - label_smoothing`.

    Returns:
        The scalar loss.
    """
    real_loss = _mean_bce_with_logits(real_logits, 1.0 - label_smoothing)
    fake_loss = _mean_bce_with_logits(fake_logits, 0.0)
    return 0.5 * (real_loss + fake_loss)


def minimax_generator_loss(fake_logits):
    """Zero-sum ("minimax") generator loss (Goodfellow et al. 2014; lectures 000, 002, 004).

    `E[log(1 - D(G(z)))]`, which the generator minimises. It saturates when D
    confidently rejects the fakes, which is why the non-saturating loss is the
    default.
    """
    # log(1 - sigmoid(l)) = -softplus(l)
    return -ops.mean(ops.softplus(fake_logits))


def non_saturating_generator_loss(fake_logits):
    """Non-saturating ("flipped target") generator loss (Goodfellow et al. 2014).

    `-E[log D(G(z))]`: the binary cross-entropy of D's output on fakes against
    the "real" target, as lecture 001's generator step and lecture 004's DG
    model compute it.
    """
    return _mean_bce_with_logits(fake_logits, 1.0)


def maximum_likelihood_generator_loss(fake_logits):
    """Maximum-likelihood generator cost (Goodfellow 2016, NIPS tutorial eq. 15; lecture 004).

    `-1/2 E[exp(sigma^-1(D(G(z))))]`, where `sigma^-1(D)` is D's logit.
    """
    return -0.5 * ops.mean(ops.exp(fake_logits))


def least_squares_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    """Least-squares discriminator loss (LSGAN, Mao et al. 2017; lecture 000's table).

    `E[(D(x) - 1)^2] + E[D(G(z))^2]` with D's raw (linear) output, the 0-1
    coding of the paper (its eq. 9, a = 0, b = c = 1); kgan halves the sum as
    the paper does, `1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2]`.

    Args:
        real_logits: D's outputs on real samples, shape `(batch,)`.
        fake_logits: D's outputs on generated samples, shape `(batch,)`.
        label_smoothing: one-sided label smoothing: the real target `b`
            becomes `1 - label_smoothing`.

    Returns:
        The scalar loss.
    """
    real_loss = ops.mean(ops.square(real_logits - (1.0 - label_smoothing)))
    fake_loss = ops.mean(ops.square(fake_logits))
    return 0.5 * (real_loss + fake_loss)


def least_squares_generator_loss(fake_logits):
    """Least-squares generator loss (LSGAN, Mao et al. 2017): `1/2 E[(D(G(z)) - 1)^2]`."""
    return 0.5 * ops.mean(ops.square(fake_logits - 1.0))


def wasserstein_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    """Wasserstein critic loss (WGAN, Arjovsky et al. 2017; lecture 000's table).

    `-E[D(x)] + E[D(G(z))]`: the critic maximises the gap between its scores
    on real and generated samples, an estimate of the Earth-Mover distance when
    D is 1-Lipschitz (enforced by weight clipping, `kgan.variants.WGAN`, or the
    gradient penalty, `kgan.variants.WGANGP`).

    Args:
        real_logits: the critic's scores on real samples, shape `(batch,)`.
        fake_logits: the critic's scores on generated samples, shape `(batch,)`.
        label_smoothing: must be 0: the critic has no targets to smooth.

    Returns:
        The scalar loss.

    Raises:
        ValueError: if `label_smoothing` is not 0.
    """
    _no_label_smoothing("wasserstein", label_smoothing)
    return ops.mean(fake_logits) - ops.mean(real_logits)


def wasserstein_generator_loss(fake_logits):
    """Wasserstein generator loss (WGAN, Arjovsky et al. 2017): `-E[D(G(z))]`."""
    return -ops.mean(fake_logits)


def hinge_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    """Hinge discriminator loss (Lim & Ye 2017, "Geometric GAN"; Miyato et al. 2018).

    `E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]`.

    Args:
        real_logits: D's scores on real samples, shape `(batch,)`.
        fake_logits: D's scores on generated samples, shape `(batch,)`.
        label_smoothing: must be 0 (the margin plays that role).

    Returns:
        The scalar loss.

    Raises:
        ValueError: if `label_smoothing` is not 0.
    """
    _no_label_smoothing("hinge", label_smoothing)
    return ops.mean(ops.relu(1.0 - real_logits)) + ops.mean(ops.relu(1.0 + fake_logits))


def hinge_generator_loss(fake_logits):
    """Hinge generator loss (Lim & Ye 2017; Miyato et al. 2018): `-E[D(G(z))]`."""
    return -ops.mean(fake_logits)


def relativistic_average_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    """Relativistic average discriminator loss (RaGAN, Jolicoeur-Martineau 2018, arXiv 1807.00734).

    D judges whether a real sample is more realistic than the average fake,
    and a fake less realistic than the average real:
    `-E_x[log sigmoid(C(x) - E[C(G(z))])] - E_z[log(1 - sigmoid(C(G(z)) - E[C(x)]))]`.
    The batch means are taken over the global batch (all replicas).

    Args:
        real_logits: D's logits on real samples, shape `(batch,)`.
        fake_logits: D's logits on generated samples, shape `(batch,)`.
        label_smoothing: one-sided label smoothing of the real term's target.

    Returns:
        The scalar loss.
    """
    real_vs_fake, fake_vs_real = _relativistic_logits(real_logits, fake_logits)
    return 0.5 * (_mean_bce_with_logits(real_vs_fake, 1.0 - label_smoothing) + _mean_bce_with_logits(fake_vs_real, 0.0))


def relativistic_average_generator_loss(fake_logits, real_logits):
    """Relativistic average generator loss (RaGAN): D's loss with the roles of real and fake swapped.

    `-E_z[log sigmoid(C(G(z)) - E[C(x)])] - E_x[log(1 - sigmoid(C(x) - E[C(G(z))]))]`: unlike the other
    generator losses it needs D's logits on real data too, so G also learns from making real data look less
    real than its fakes.
    """
    real_vs_fake, fake_vs_real = _relativistic_logits(real_logits, fake_logits)
    return 0.5 * (_mean_bce_with_logits(fake_vs_real, 1.0) + _mean_bce_with_logits(real_vs_fake, 0.0))


def _relativistic_logits(real_logits, fake_logits):
    """`C(x_r) - E[C(x_f)]` and `C(x_f) - E[C(x_r)]`, with the means over the global batch."""
    return (
        real_logits - cross_replica_mean(ops.mean(fake_logits)),
        fake_logits - cross_replica_mean(ops.mean(real_logits)),
    )


def _no_label_smoothing(name, label_smoothing):
    if label_smoothing:
        raise ValueError(
            f"The {name} loss has no 0/1 targets, so one-sided label smoothing does not apply; use 0. "
            f"Received: label_smoothing={label_smoothing!r}"
        )


@dataclasses.dataclass(frozen=True)
class GANLoss:
    """A discriminator loss and a generator loss that belong together.

    Attributes:
        name: registry name.
        discriminator: `fn(real_logits, fake_logits, label_smoothing=0.0) -> scalar`.
        generator: `fn(fake_logits) -> scalar`, or `fn(fake_logits, real_logits) -> scalar`
            if `generator_needs_real`.
        generator_needs_real: whether G's loss also reads D's logits on the real batch
            (relativistic losses); `kgan.GAN`'s G step then passes them.
    """

    name: str
    discriminator: Callable
    generator: Callable
    generator_needs_real: bool = False


LOSSES = {
    "non_saturating": GANLoss("non_saturating", minimax_discriminator_loss, non_saturating_generator_loss),
    "minimax": GANLoss("minimax", minimax_discriminator_loss, minimax_generator_loss),
    "maximum_likelihood": GANLoss("maximum_likelihood", minimax_discriminator_loss, maximum_likelihood_generator_loss),
    "least_squares": GANLoss("least_squares", least_squares_discriminator_loss, least_squares_generator_loss),
    "wasserstein": GANLoss("wasserstein", wasserstein_discriminator_loss, wasserstein_generator_loss),
    "hinge": GANLoss("hinge", hinge_discriminator_loss, hinge_generator_loss),
    "relativistic_average": GANLoss(
        "relativistic_average",
        relativistic_average_discriminator_loss,
        relativistic_average_generator_loss,
        generator_needs_real=True,
    ),
}


def get(identifier):
    """Returns the `GANLoss` registered under `identifier` (or `identifier` itself if it is one).

    Raises:
        ValueError: if the name is unknown.
    """
    if isinstance(identifier, GANLoss):
        return identifier
    if identifier not in LOSSES:
        raise ValueError(f"Unknown GAN loss; expected one of {sorted(LOSSES)}. Received: loss={identifier!r}")
    return LOSSES[identifier]
