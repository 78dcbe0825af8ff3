"""The argument checks of `kgan.core.gan.GAN`: each raises a `ValueError` that names the argument and its value."""

import keras

from kgan.core.latent import check_latent_distribution

FAKE_LABELS = ("data", "random")


def check_gan_arguments(generator, discriminator, latent_distribution, label_smoothing):
    """The argument checks every GAN trainer (`GAN`, `ClassicGAN`) shares; raises `ValueError`."""
    if not isinstance(generator, keras.Model) or not isinstance(discriminator, keras.Model):
        raise ValueError(
            "`generator` and `discriminator` must be keras.Model instances. "
            f"Received: generator={type(generator).__name__}, discriminator={type(discriminator).__name__}"
        )
    check_latent_distribution(latent_distribution)
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"`label_smoothing` must be in [0, 1). Received: label_smoothing={label_smoothing!r}")


def check_ema(ema):
    """An EMA decay in (0, 1) as a float, or None."""
    if ema is None:
        return None
    if isinstance(ema, bool) or not isinstance(ema, (int, float)) or not 0.0 < ema < 1.0:
        raise ValueError(f"`ema` must be a decay in (0, 1), e.g. 0.999, or None. Received: ema={ema!r}")
    return float(ema)


def check_probability(name, value):
    """A probability in [0, 1] as a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ValueError(f"`{name}` must be a probability in [0, 1]. Received: {name}={value!r}")
    return float(value)
