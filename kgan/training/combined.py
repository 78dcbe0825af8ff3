"""Lecture 004's combined model DG = D(G(z)) with D frozen, and the targets and generator costs it trains on.

`kgan.training.classic.ClassicGAN` alternates `train_on_batch` calls on D and on
this DG; the functions here say what each call optimises (the three generator
costs of lecture 004) and in which format D's head wants its targets.
"""

import keras
import numpy as np
from keras import ops

from kgan.core import losses as losses_lib
from kgan.core.heads import head_kind

GENERATOR_COSTS = ("non_saturating", "minimax", "maximum_likelihood")


def discriminator_head(discriminator):
    """How D's output reads: `"softmax2"` (Dense(2, softmax) over [fake, real]), `"sigmoid"` or `"logit"`.

    The same reading as `kgan.GAN`'s.

    Raises:
        ValueError: for any other output.
    """
    return head_kind(discriminator)


def targets(head, batch_size, real, smoothing=0.0):
    """D's targets for a batch in the format of its head.

    Args:
        head: `"softmax2"`, `"sigmoid"` or `"logit"` (see `discriminator_head`).
        batch_size: number of rows.
        real: True for the "real" target, False for "fake".
        smoothing: one-sided label smoothing of the real target (lecture 002).

    Returns:
        A float32 numpy array: `(batch, 2)` one-hot over [fake, real] for
        `"softmax2"` (lecture 004's `to_categorical`), else `(batch, 1)`.
    """
    value = (1.0 - smoothing) if real else 0.0
    if head == "softmax2":
        return np.tile(np.array([[1.0 - value, value]], "float32"), (batch_size, 1))
    return np.full((batch_size, 1), value, "float32")


def discriminator_crossentropy(head):
    if head == "softmax2":
        return keras.losses.CategoricalCrossentropy()
    return keras.losses.BinaryCrossentropy(from_logits=head == "logit")


def _logits(outputs, head):
    """D's outputs as logits `(batch,)`: the `sigma^-1(D)` of lecture 004's maximum-likelihood cost."""
    outputs = ops.cast(outputs, "float32")
    if head == "logit":
        return ops.reshape(outputs, (-1,))
    eps = keras.config.epsilon()
    if head == "sigmoid":
        p = ops.clip(ops.reshape(outputs, (-1,)), eps, 1.0 - eps)
        return ops.log(p) - ops.log1p(-p)
    p = ops.clip(outputs, eps, 1.0 - eps)
    return ops.log(p[:, 1]) - ops.log(p[:, 0])


def generator_cost(cost, head):
    """The Keras loss DG is compiled with, and the target it is trained on, for a generator cost.

    The three costs of lecture 004 (and lecture 002's zero-sum vs flipped target):

    - `"non_saturating"` (flipped target, the lecture's DG): the cross-entropy
      of D's output against the "real" target, `-E[log D(G(z))]`.
    - `"minimax"` (zero-sum, `C_G = -C_D`): the *negated* cross-entropy against
      the "fake" target, `E[log(1 - D(G(z)))]`; D's real-data term is
      constant for G and drops out.
    - `"maximum_likelihood"`: `-1/2 E[exp(sigma^-1(D(G(z))))]`, with
      `sigma^-1(D)` D's logit; the target is ignored.

    Each equals the matching `kgan.core.losses.<cost>_generator_loss` of D's logits,
    so `ClassicGAN` and `kgan.GAN.fit` optimise the same objective.

    Args:
        cost: one of `GENERATOR_COSTS`.
        head: D's head, from `discriminator_head`.

    Returns:
        `(loss, real_target)`: a Keras loss `fn(y_true, y_pred)` and whether
        DG's target is the "real" one (True) or the "fake" one (False).

    Raises:
        ValueError: for an unknown cost.
    """
    if cost not in GENERATOR_COSTS:
        raise ValueError(f"`loss` must be one of {GENERATOR_COSTS}. Received: loss={cost!r}")
    if cost == "non_saturating":
        return discriminator_crossentropy(head), True
    if cost == "minimax":
        crossentropy = discriminator_crossentropy(head)

        def negated_crossentropy(y_true, y_pred):
            return -crossentropy(y_true, y_pred)

        return negated_crossentropy, False

    def maximum_likelihood(y_true, y_pred):
        return losses_lib.maximum_likelihood_generator_loss(_logits(y_pred, head))

    return maximum_likelihood, True


def build_combined_model(generator, discriminator, *, optimizer=None, loss="non_saturating", jit_compile="auto"):
    """Stacks G and D into the combined model DG with D frozen, compiled as lecture 004 does.

    `DG(z) = D(G(z))` (for conditional models `DG([z, labels]) =
    D([G([z, labels]), labels])`). D is set non-trainable before DG is
    compiled; D and DG share D's layers, so D keeps training in its own
    `train_on_batch` as long as `D.trainable` is True when D's step runs (and
    False when DG's runs, see `ClassicGAN`).

    Args:
        generator: `keras.Model` from latent vectors (and labels) to images.
        discriminator: `keras.Model` from images (and labels) to a logit, a
            sigmoid probability or a two-way softmax over [fake, real].
        optimizer: DG's optimizer, i.e. G's (default `Adam(1e-4)`, lecture 004).
        loss: the generator cost, one of `GENERATOR_COSTS` (see `generator_cost`).
        jit_compile: passed to `compile`.

    Returns:
        The compiled functional `keras.Model` named `"DG"`.

    Raises:
        ValueError: for models that do not fit together or an unknown cost.

    Example:
        >>> G, D = kgan.models.build_models("lecture004")
        >>> DG = build_combined_model(G, D)
        >>> D.trainable, [layer.name for layer in DG.layers[-2:]]
        (False, ['G', 'D'])
    """
    head = discriminator_head(discriminator)
    cost, _ = generator_cost(loss, head)
    if tuple(generator.output.shape[1:]) != tuple(discriminator.inputs[0].shape[1:]):
        raise ValueError(
            "The generator's images must fit the discriminator's input. "
            f"Received: generator output {tuple(generator.output.shape)}, "
            f"discriminator input {tuple(discriminator.inputs[0].shape)}"
        )
    latent = keras.Input(tuple(generator.inputs[0].shape[1:]), name="latent")
    if len(generator.inputs) > 1:
        labels = keras.Input((1,), dtype="int32", name="labels")
        inputs = [latent, labels]
        images = generator([latent, labels])
        score = discriminator([images, labels]) if len(discriminator.inputs) > 1 else discriminator(images)
    else:
        inputs = latent
        score = discriminator(generator(latent))
    combined = keras.Model(inputs, score, name="DG")
    # Lecture 004: "Turn off D before compiling."
    discriminator.trainable = False
    combined.compile(optimizer=optimizer or keras.optimizers.Adam(1e-4), loss=cost, jit_compile=jit_compile)
    return combined
