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


@dataclasses.dataclass(frozen=True)
class GANLoss:
    """A discriminator loss and a generator loss that belong together.

    Attributes:
        name: registry name.
        discriminator: `fn(real_logits, fake_logits, label_smoothing=0.0) -> scalar`.
        generator: `fn(fake_logits) -> scalar`.
    """

    name: str
    discriminator: Callable
    generator: Callable


LOSSES = {
    "non_saturating": GANLoss("non_saturating", minimax_discriminator_loss, non_saturating_generator_loss),
    "minimax": GANLoss("minimax", minimax_discriminator_loss, minimax_generator_loss),
    "maximum_likelihood": GANLoss(
        "maximum_likelihood", minimax_discriminator_loss, maximum_likelihood_generator_loss
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
