"""The two optimizers of a GAN, by name: `build_optimizer("adam" | "rmsprop", ...)`.

A variant declares its paper's optimizer as its `optimizer_defaults` trait
(`kgan.GAN`: DCGAN's Adam(2e-4, beta_1=0.5); WGAN: RMSprop(5e-5), as Arjovsky
et al. 2017; WGAN-GP: Adam(1e-4, beta_1=0, beta_2=0.9), as Gulrajani et al.
2017); `GAN.compile` and `kgan.train` build from it.
"""

import keras

from kgan.core.catalog import OPTIMIZERS

# What each optimizer takes besides the learning rate (RMSprop has no betas: its decay is `rho`).
OPTIMIZER_ARGUMENTS = {"adam": ("beta_1", "beta_2"), "rmsprop": ()}


def build_optimizer(optimizer="adam", learning_rate=2e-4, beta_1=None, beta_2=None):
    """A new Keras optimizer.

    Args:
        optimizer: `"adam"` or `"rmsprop"`.
        learning_rate: the learning rate.
        beta_1: Adam's first-moment decay (None: Keras's default, 0.9).
        beta_2: Adam's second-moment decay (None: Keras's default, 0.999).

    Returns:
        A `keras.optimizers.Adam` or `keras.optimizers.RMSprop`.

    Raises:
        ValueError: for another name, or betas given to RMSprop (it would ignore them).

    Example:
        >>> build_optimizer("rmsprop", 5e-5)  # WGAN's (Arjovsky et al. 2017)
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"`optimizer` must be one of {OPTIMIZERS}. Received: optimizer={optimizer!r}")
    betas = {k: v for k, v in (("beta_1", beta_1), ("beta_2", beta_2)) if v is not None}
    unused = set(betas) - set(OPTIMIZER_ARGUMENTS[optimizer])
    if unused:
        raise ValueError(
            f"{optimizer} takes no {' or '.join(sorted(unused))} (Adam's betas). Received: optimizer={optimizer!r}, "
            + ", ".join(f"{k}={v!r}" for k, v in sorted(betas.items()))
        )
    if optimizer == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate)
    return keras.optimizers.Adam(learning_rate, **betas)


class TwoOptimizers:
    """A `keras.Model` mixin for models that train D and G with their own optimizers (`GAN`, CycleGAN, StackGAN).

    `compile` calls `_set_optimizers`, which builds each optimizer's slots at once (so a checkpoint can be
    restored before the first step) and keeps both optimizers in the compile config, so `keras.saving`
    restores them with the model.
    """

    _COMPILE_KEYS = ("jit_compile", "steps_per_execution", "run_eagerly")

    def _set_optimizers(self, d_optimizer, g_optimizer, d_variables, g_variables, compile_kwargs):
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        self.d_optimizer.build(d_variables)
        self.g_optimizer.build(g_variables)
        self._two_optimizers_compile_config = {
            "d_optimizer": keras.optimizers.serialize(d_optimizer),
            "g_optimizer": keras.optimizers.serialize(g_optimizer),
            **{k: v for k, v in compile_kwargs.items() if k in self._COMPILE_KEYS},
        }

    def get_compile_config(self):
        return getattr(self, "_two_optimizers_compile_config", {})

    def compile_from_config(self, config):
        config = dict(config)
        self.compile(
            d_optimizer=keras.optimizers.deserialize(config.pop("d_optimizer")),
            g_optimizer=keras.optimizers.deserialize(config.pop("g_optimizer")),
            **config,
        )
