"""The relativistic average GAN (RaGAN; Jolicoeur-Martineau 2018, arXiv 1807.00734): the worked example of
docs/adding_a_variant.md.

D no longer says how real a sample is but how much more real it is than the
average sample of the other kind; G's loss mirrors D's, so it also reads D's
logits on the real batch (`kgan.core.losses.relativistic_average_*`, which
the train step feeds through `generator_loss(..., real_images=...)`).
Everything else (networks, train step, tricks, export) is `kgan.GAN`'s.
"""

import keras

from kgan.core import GAN
from kgan.variants.registry import register_variant


@register_variant("ragan")
@keras.saving.register_keras_serializable(package="kgan")
class RaGAN(GAN):
    """Relativistic average GAN (Jolicoeur-Martineau 2018): `kgan.GAN` with the relativistic average loss.

    D: `-E_x[log sigmoid(C(x) - E C(G(z)))] - E_z[log(1 - sigmoid(C(G(z)) - E C(x)))]`; G: the same with real
    and fake swapped. The paper reports steadier training than the standard GAN with the same networks.

    Args:
        generator, discriminator: as for `kgan.GAN` (D with a `"logit"` head reads best).
        **kwargs: any other `kgan.GAN` argument (`ema`, `augment`, `label_smoothing`, ...).

    Example:
        >>> ragan = kgan.variants.build_variant("ragan", "dcgan", seed=0)
        >>> ragan.gan_loss.name
        'relativistic_average'
    """

    default_loss = "relativistic_average"
