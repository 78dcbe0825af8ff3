"""Regularisers of the discriminator: gradient penalties, weight clipping, weight decay.

The functions take a discriminator function and data, like TF-GAN's
`wasserstein_gradient_penalty`; the classes wrap them as the penalties
`kgan.GAN(penalties=[...])` adds to D's loss (`penalty(gan, real, fake, labels)`
-> scalar), and they serialise with the model.

| what | where from | class |
|------|------------|-------|
| gradient penalty on interpolates | WGAN-GP, Gulrajani et al. 2017 (lecture 000) | `GradientPenalty` |
| gradient penalty around perturbed real data | DRAGAN, Kodali et al. 2017 (lecture 000) | `DraganPenalty` |
| squared gradient norm on real data (R1) | Mescheder et al. 2018, eq. 9 | `R1Penalty` |
| L2 penalty on D's weights | lecture 000, "penalizing discriminator weights" | `WeightPenalty` |
| clipping D's weights after each step | WGAN, Arjovsky et al. 2017 | `WeightClipping` |
"""

import keras
import tensorflow as tf
from keras import ops

from kgan.core.distribute import cross_replica_mean, replica_rows

_EPSILON = 1e-10


def _squared_gradient_norms(discriminator_fn, points):
    """`||grad_x D(x)||^2` for each sample of the batch `points`, over all non-batch axes."""
    with tf.GradientTape() as tape:
        tape.watch(points)
        scores = discriminator_fn(points)
    gradients = tape.gradient(scores, points)
    if gradients is None:  # D ignores its input: the gradient is 0 everywhere.
        gradients = ops.zeros_like(points)
    return ops.sum(ops.square(ops.reshape(gradients, (ops.shape(gradients)[0], -1))), axis=1)


def _gradient_norm_penalty(discriminator_fn, points, target, epsilon):
    """`E[(||grad_x D(x)|| - target)^2]` over the batch `points`, norm over all non-batch axes."""
    squared = _squared_gradient_norms(discriminator_fn, points)
    # epsilon under the root keeps the norm's own gradient finite where D's gradient is 0.
    norms = ops.sqrt(squared + epsilon)
    return ops.mean(ops.square(norms - target))


def wasserstein_gradient_penalty(
    discriminator_fn, real_data, generated_data, *, seed=None, target=1.0, epsilon=_EPSILON
):
    """The WGAN-GP gradient penalty (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", eq. 3).

    `E[(||grad D(x_hat)||_2 - 1)^2]` with `x_hat = a x + (1 - a) G(z)`, the
    interpolation weight `a ~ U[0, 1]` drawn once per sample, and the gradient
    norm taken over all non-batch axes of the data (any image shape).

    Args:
        discriminator_fn: `fn(images) -> scores` of shape `(batch,)` (or `(batch, 1)`).
        real_data: a batch of real samples.
        generated_data: a batch of generated samples of the same shape.
        seed: an int or `keras.random.SeedGenerator` for the interpolation weights.
        target: the gradient norm the penalty pulls towards (1: 1-Lipschitz).
        epsilon: added under the square root so a zero gradient gives a finite
            penalty and finite gradients instead of NaN.

    Returns:
        The scalar penalty (not yet multiplied by its weight lambda).

    Example:
        >>> gp = wasserstein_gradient_penalty(lambda x: gan.discriminate(x), real, fake)  # doctest: +SKIP
    """
    real_data = ops.convert_to_tensor(real_data, "float32")
    generated_data = ops.convert_to_tensor(generated_data, "float32")
    batch = ops.shape(real_data)[0]
    alpha_shape = (batch,) + (1,) * (len(real_data.shape) - 1)
    # Under tf.distribute, each replica takes its rows of one global draw (independent weights per replica).
    alpha = replica_rows(lambda n: keras.random.uniform((n, *alpha_shape[1:]), seed=seed), batch)
    interpolates = alpha * real_data + (1.0 - alpha) * generated_data
    return _gradient_norm_penalty(discriminator_fn, interpolates, target, epsilon)


def dragan_penalty(discriminator_fn, real_data, *, seed=None, noise_scale=0.5, target=1.0, epsilon=_EPSILON):
    """The DRAGAN gradient penalty (Kodali et al. 2017, "On Convergence and Stability of GANs").

    `E[(||grad D(x_hat)||_2 - 1)^2]` with `x_hat = x + delta` around the real
    data only, `delta ~ N(0, c^2)` and `c = noise_scale * std(x)` (lecture 000's
    table writes the perturbation as `N(0, c)`; the authors' code scales it
    by the batch's standard deviation, 0.5 by default).

    Args:
        discriminator_fn: `fn(images) -> scores` of shape `(batch,)`.
        real_data: a batch of real samples.
        seed: an int or `keras.random.SeedGenerator` for the perturbation.
        noise_scale: `c` in units of the batch's standard deviation.
        target: the gradient norm the penalty pulls towards.
        epsilon: added under the square root (finite at a zero gradient).

    Returns:
        The scalar penalty (not yet multiplied by its weight lambda).
    """
    real_data = ops.convert_to_tensor(real_data, "float32")
    shape = ops.shape(real_data)
    noise = replica_rows(lambda n: keras.random.normal((n, *shape[1:]), seed=seed), shape[0])
    # The scale is the global batch's std, however tf.distribute splits the batch.
    mean = cross_replica_mean(ops.mean(real_data))
    std = ops.sqrt(ops.maximum(cross_replica_mean(ops.mean(ops.square(real_data))) - ops.square(mean), 0.0))
    delta = noise_scale * std * noise
    return _gradient_norm_penalty(discriminator_fn, real_data + delta, target, epsilon)


def r1_penalty(discriminator_fn, real_data):
    """The R1 regulariser `E[||grad_x D(x)||^2]` over the real data (Mescheder et al. 2018, eq. 9).

    From "Which Training Methods for GANs do actually Converge?": penalising
    D's gradient on the real data only makes the GAN's equilibrium locally
    convergent. The squared norm is taken over all non-batch axes of the data
    (any image shape) and needs no epsilon (unlike the norm itself, its
    gradient is finite at 0).

    Args:
        discriminator_fn: `fn(images) -> scores` of shape `(batch,)` (or
            `(batch, 1)`): D's logits, the paper's `D(x)` before the sigmoid.
        real_data: a batch of real samples.

    Returns:
        The scalar `E[||grad_x D(x)||^2]`, not yet multiplied by `gamma / 2`.

    Example:
        >>> r1 = r1_penalty(lambda x: gan.discriminate(x, training=True), real)  # doctest: +SKIP
    """
    real_data = ops.convert_to_tensor(real_data, "float32")
    # Under tf.distribute this is the mean over this replica's rows; GAN.train_step's
    # division by the replica count and the summed gradients make it the global batch's mean.
    return ops.mean(_squared_gradient_norms(discriminator_fn, real_data))


def _check_nonnegative(name, value):
    if not (isinstance(value, (int, float)) and value >= 0):
        raise ValueError(f"`{name}` must be a number >= 0. Received: {name}={value!r}")
    return float(value)


class _Penalty:
    """Base of the serialisable penalties: `penalty(gan, real, fake, labels) -> scalar`."""

    name = "penalty"

    def get_config(self):
        raise NotImplementedError

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


@keras.saving.register_keras_serializable(package="kgan")
class GradientPenalty(_Penalty):
    """WGAN-GP's penalty `weight * E[(||grad D(x_hat)|| - 1)^2]` on real/fake interpolates.

    Gulrajani et al. 2017 (lambda = 10); lecture 000's WGAN-GP row. Logged as
    `gradient_penalty`. The interpolation weights come from the GAN's seeded noise.

    Args:
        weight: lambda.
    """

    name = "gradient_penalty"

    def __init__(self, weight=10.0):
        self.weight = _check_nonnegative("weight", weight)

    def __call__(self, gan, real_images, fake_images, labels=None):
        value = wasserstein_gradient_penalty(
            lambda x: gan.discriminate(x, labels, training=True),
            real_images,
            fake_images,
            seed=gan.seed_generator,
        )
        return self.weight * value

    def get_config(self):
        return {"weight": self.weight}


@keras.saving.register_keras_serializable(package="kgan")
class DraganPenalty(_Penalty):
    """DRAGAN's penalty `weight * E[(||grad D(x + delta)|| - 1)^2]` around the real data.

    Kodali et al. 2017 (lambda = 10); lecture 000's DRAGAN row. Logged as `dragan_penalty`.

    Args:
        weight: lambda.
        noise_scale: the perturbation's standard deviation in units of the
            batch's standard deviation.
    """

    name = "dragan_penalty"

    def __init__(self, weight=10.0, noise_scale=0.5):
        self.weight = _check_nonnegative("weight", weight)
        self.noise_scale = _check_nonnegative("noise_scale", noise_scale)

    def __call__(self, gan, real_images, fake_images, labels=None):
        value = dragan_penalty(
            lambda x: gan.discriminate(x, labels, training=True),
            real_images,
            seed=gan.seed_generator,
            noise_scale=self.noise_scale,
        )
        return self.weight * value

    def get_config(self):
        return {"weight": self.weight, "noise_scale": self.noise_scale}


@keras.saving.register_keras_serializable(package="kgan")
class R1Penalty(_Penalty):
    """The R1 penalty `(gamma / 2) * E[||grad_x D(x)||^2]` on the real data.

    Mescheder et al. 2018, "Which Training Methods for GANs do actually
    Converge?", eq. 9 (gamma = 10 in most of the paper's experiments). The
    gradient is of D's logit, `gan.discriminate`, whatever D's head; a
    conditional D is differentiated for the real images' own labels. Logged
    as `r1_penalty`.

    Args:
        gamma: the regularisation weight gamma.

    Example:
        >>> gan = kgan.GAN(g, d, penalties=[R1Penalty(gamma=10.0)])  # doctest: +SKIP
    """

    name = "r1_penalty"

    def __init__(self, gamma=10.0):
        self.gamma = _check_nonnegative("gamma", gamma)

    def __call__(self, gan, real_images, fake_images, labels=None):
        value = r1_penalty(lambda x: gan.discriminate(x, labels, training=True), real_images)
        return 0.5 * self.gamma * value

    def get_config(self):
        return {"gamma": self.gamma}


@keras.saving.register_keras_serializable(package="kgan")
class WeightPenalty(_Penalty):
    """An L2 penalty on D's weights: `weight * sum(w^2)` over its kernels and embeddings.

    Lecture 000's remedy for non-convergence, "penalizing discriminator
    weights" (weight decay keeps D from growing over-confident). Biases and
    normalisation parameters (1-D variables) are not penalised. Logged as
    `weight_penalty`.

    Args:
        weight: the L2 coefficient.
    """

    name = "weight_penalty"

    def __init__(self, weight=1e-4):
        self.weight = _check_nonnegative("weight", weight)

    def __call__(self, gan, real_images, fake_images, labels=None):
        kernels = [v for v in gan.discriminator.trainable_variables if len(v.shape) > 1]
        return self.weight * ops.sum(ops.stack([ops.sum(ops.square(v)) for v in kernels]))

    def get_config(self):
        return {"weight": self.weight}


class WeightClipping:
    """Clips every trainable weight of a model to `[-clip_value, clip_value]` (WGAN, Arjovsky et al. 2017).

    The original WGAN keeps its critic (roughly) Lipschitz this way, after
    each critic update, with `c = 0.01`. `kgan.variants.WGAN` calls it from
    `after_discriminator_step`.

    Args:
        clip_value: `c`.

    Example:
        >>> WeightClipping(0.01)(gan.discriminator)  # doctest: +SKIP
    """

    def __init__(self, clip_value=0.01):
        if not (isinstance(clip_value, (int, float)) and clip_value > 0):
            raise ValueError(f"`clip_value` must be a positive number. Received: clip_value={clip_value!r}")
        self.clip_value = float(clip_value)

    def __call__(self, model):
        for variable in model.trainable_variables:
            variable.assign(ops.clip(variable, -self.clip_value, self.clip_value))


__all__ = [
    "DraganPenalty",
    "GradientPenalty",
    "R1Penalty",
    "WeightClipping",
    "WeightPenalty",
    "dragan_penalty",
    "r1_penalty",
    "wasserstein_gradient_penalty",
]
