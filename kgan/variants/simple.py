"""Variants that differ from the base GAN by their loss and penalties only.

WGAN, WGAN-GP, DRAGAN and LSGAN of lecture 000's table of losses. Each is a
thin subclass of `kgan.GAN`: it sets the loss, adds its penalty or its weight
clipping, and picks the paper's defaults; the train step is the base one.
"""

import keras

from kgan.core import GAN
from kgan.core.penalties import DraganPenalty, GradientPenalty, WeightClipping
from kgan.variants.registry import register_variant


@register_variant("wgan")
@keras.saving.register_keras_serializable(package="kgan")
class WGAN(GAN):
    """Wasserstein GAN with weight clipping (Arjovsky et al. 2017; lecture 000's W-loss).

    The critic (D with a linear output) minimises `E[D(G(z))] - E[D(x)]`,
    its weights are clipped to `[-clip_value, clip_value]` after every critic
    step, and G takes one step per `d_steps` critic steps. The paper's
    optimizer, RMSprop(5e-5), is the default of `compile`.

    Args:
        generator: as for `kgan.GAN`.
        discriminator: the critic; give it a `"logit"` (linear) head.
        clip_value: the clipping bound `c` (0.01 in the paper).
        d_steps: critic steps per generator step (`n_critic` = 5 in the paper).
        **kwargs: any other `kgan.GAN` argument (`seed`, `instance_noise`, ...).

    Example:
        >>> g, d = kgan.build_models("dcgan")
        >>> wgan = WGAN(g, d, seed=0)
        >>> wgan.compile()  # RMSprop(5e-5) for both
    """

    logs_accuracy = False  # a critic's score has no real/fake threshold
    default_loss = "wasserstein"
    options = ()
    optimizer_defaults = dict(optimizer="rmsprop", learning_rate=5e-5)  # the paper's (its Algorithm 1)

    def __init__(self, generator, discriminator, *, clip_value=0.01, d_steps=5, loss=None, **kwargs):
        super().__init__(generator, discriminator, loss=loss, d_steps=d_steps, **kwargs)
        self.weight_clipping = WeightClipping(clip_value)
        self.clip_value = self.weight_clipping.clip_value

    def after_discriminator_step(self, logs):
        self.weight_clipping(self.discriminator)

    def get_config(self):
        return {**super().get_config(), "clip_value": self.clip_value}


@register_variant("wgan_gp")
@keras.saving.register_keras_serializable(package="kgan")
class WGANGP(GAN):
    """Wasserstein GAN with gradient penalty (Gulrajani et al. 2017; lecture 000's WGAN-GP row).

    D's loss is the Wasserstein critic loss plus
    `gp_weight * E[(||grad D(x_hat)||_2 - 1)^2]` on random interpolates of
    real and generated samples (`kgan.core.penalties.GradientPenalty`, logged as
    `gradient_penalty`); G takes one step per `d_steps` critic steps. The
    paper's optimizer, Adam(1e-4, beta_1=0, beta_2=0.9), is the default of
    `compile`.

    Args:
        generator: as for `kgan.GAN`.
        discriminator: the critic; a `"logit"` head and no BatchNorm (the
            penalty is per sample).
        gp_weight: lambda (10 in the paper).
        d_steps: critic steps per generator step (5 in the paper).
        **kwargs: any other `kgan.GAN` argument.
    """

    logs_accuracy = False
    default_loss = "wasserstein"
    options = ("gp_weight",)
    optimizer_defaults = dict(optimizer="adam", learning_rate=1e-4, beta_1=0.0, beta_2=0.9)  # the paper's

    def __init__(self, generator, discriminator, *, gp_weight=10.0, d_steps=5, loss=None, **kwargs):
        super().__init__(generator, discriminator, loss=loss, d_steps=d_steps, **kwargs)
        self.gradient_penalty = GradientPenalty(gp_weight)
        self.gp_weight = self.gradient_penalty.weight
        self.add_penalty(self.gradient_penalty)

    def get_config(self):
        return {**super().get_config(), "gp_weight": self.gp_weight}


@register_variant("dragan")
@keras.saving.register_keras_serializable(package="kgan")
class DRAGAN(GAN):
    """DRAGAN (Kodali et al. 2017; lecture 000's DRAGAN row): the GAN loss plus a gradient penalty around the data.

    D's loss is the non-saturating GAN's plus
    `gp_weight * E[(||grad D(x + delta)||_2 - 1)^2]` with `delta` Gaussian
    noise of `noise_scale` times the batch's standard deviation
    (`kgan.core.penalties.DraganPenalty`, logged as `dragan_penalty`).

    Args:
        generator: as for `kgan.GAN`.
        discriminator: as for `kgan.GAN`.
        gp_weight: lambda (10 in the paper).
        noise_scale: the perturbation's scale, in standard deviations of the batch.
        **kwargs: any other `kgan.GAN` argument (`loss` defaults to `"non_saturating"`).
    """

    options = ("label_smoothing", "gp_weight")

    def __init__(self, generator, discriminator, *, gp_weight=10.0, noise_scale=0.5, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.dragan_penalty = DraganPenalty(gp_weight, noise_scale)
        self.gp_weight = self.dragan_penalty.weight
        self.noise_scale = self.dragan_penalty.noise_scale
        self.add_penalty(self.dragan_penalty)

    def get_config(self):
        return {**super().get_config(), "gp_weight": self.gp_weight, "noise_scale": self.noise_scale}


@register_variant("lsgan")
@keras.saving.register_keras_serializable(package="kgan")
class LSGAN(GAN):
    """Least-squares GAN (Mao et al. 2017; lecture 000's LSGAN row).

    D regresses its (linear) output to 1 on real and 0 on generated samples;
    G pulls D's output on its samples to 1 (`kgan.core.losses.least_squares_*`).

    Args:
        generator: as for `kgan.GAN`.
        discriminator: as for `kgan.GAN`, best with a `"logit"` (linear) head.
        **kwargs: any other `kgan.GAN` argument.
    """

    default_loss = "least_squares"
