"""The GAN family of the lectures, each a thin subclass of `kgan.GAN` (one train step for all).

| variant   | class    | from |
|-----------|----------|------|
| `gan`     | `kgan.GAN` | Goodfellow et al. 2014; lectures 000-004 |
| `wgan`    | `WGAN`   | Arjovsky et al. 2017 (weight clipping); lecture 000 |
| `wgan_gp` | `WGANGP` | Gulrajani et al. 2017 (gradient penalty); lecture 000 |
| `dragan`  | `DRAGAN` | Kodali et al. 2017; lecture 000 |
| `lsgan`   | `LSGAN`  | Mao et al. 2017; lecture 000 |
| `began`   | `BEGAN`  | Berthelot et al. 2017; lecture 000 |
| `cgan`    | `CGAN`   | Mirza & Osindero 2014; lecture 003 |
| `acgan`   | `ACGAN`  | Odena et al. 2017; lecture 001 |
| `infogan` | `InfoGAN` | Chen et al. 2016 (categorical code); the main job |

`build_variant(name, arch, image_shape, ...)` builds the networks from a
`kgan.models.ARCHITECTURES` preset (with the variant's own discriminator for
BEGAN, ACGAN and InfoGAN) and returns the uncompiled model.
"""

from kgan.core import GAN
from kgan.models import ARCHITECTURES, build_dcgan_generator, build_models, check_arch
from kgan.variants.began import BEGAN, build_began_discriminator
from kgan.variants.conditional import ACGAN, CGAN, build_acgan_discriminator
from kgan.variants.infogan import InfoGAN
from kgan.variants.simple import DRAGAN, LSGAN, WGAN, WGANGP

VARIANTS = {
    "gan": GAN,
    "wgan": WGAN,
    "wgan_gp": WGANGP,
    "dragan": DRAGAN,
    "lsgan": LSGAN,
    "began": BEGAN,
    "cgan": CGAN,
    "acgan": ACGAN,
    "infogan": InfoGAN,
}
TWO_HEADED_VARIANTS = ("acgan", "infogan")
CONDITIONAL_VARIANTS = ("cgan", "acgan")


def build_variant(variant="gan", arch="dcgan", image_shape=(28, 28, 1), latent_dim=None, *, num_classes=None,
                  init=None, seed=None, spectral_norm=False, categories=10, **options):
    """Builds a variant's generator and discriminator from an architecture preset, and the model.

    Args:
        variant: a key of `VARIANTS`.
        arch: a key of `kgan.models.ARCHITECTURES`; its generator is used as
            is, its discriminator's conv trunk too (BEGAN gets an autoencoder
            instead; ACGAN and InfoGAN get the trunk with a validity and a
            class head, and InfoGAN's G a categorical code).
        image_shape: `(height, width, channels)`.
        latent_dim: latent size (default: the architecture's).
        num_classes: number of classes; required by `cgan` and `acgan`,
            ignored by the unconditional variants.
        init: `"default"` or `"dcgan"` to override the architecture's initialisation.
        seed: seed of the initializers and of the model's noise.
        spectral_norm: spectrally normalise D's layers (Miyato et al. 2018);
            not for BEGAN, whose D is an autoencoder.
        categories: InfoGAN's number of code categories (ignored by the others).
        **options: the variant's constructor arguments (`d_steps`,
            `gp_weight`, `validity_weight`, `instance_noise`, `label_smoothing`, ...).

    Returns:
        The uncompiled model, an instance of `VARIANTS[variant]`.

    Raises:
        ValueError: for an unknown variant, an architecture it cannot use (see
            `kgan.models.check_arch`) or a conditional one without `num_classes`.

    Example:
        >>> acgan = build_variant("acgan", num_classes=10, seed=0, validity_weight=0.01)
        >>> acgan.compile()
    """
    if variant not in VARIANTS:
        raise ValueError(f"`variant` must be one of {sorted(VARIANTS)}. Received: variant={variant!r}")
    check_arch(arch, variant)
    conditional = variant in CONDITIONAL_VARIANTS
    if conditional and not num_classes:
        raise ValueError(f"The {variant} variant is conditional and needs num_classes. Received: num_classes=None")
    labels = num_classes if conditional else None
    if spectral_norm and variant == "began":
        raise ValueError("BEGAN's discriminator is an autoencoder; spectral normalisation is for classifier Ds. "
                         "Received: variant='began', spectral_norm=True")
    if variant in TWO_HEADED_VARIANTS:
        preset = ARCHITECTURES[arch]
        heads = num_classes if variant == "acgan" else categories
        code = categories if variant == "infogan" else None
        generator = build_dcgan_generator(latent_dim or preset["latent_dim"], tuple(image_shape), num_classes=labels,
                                          categorical_code=code, seed=seed, **_with_init(preset["generator"], init))
        d_kwargs = {k: v for k, v in _with_init(preset["discriminator"], init).items() if k not in ("head", "name")}
        discriminator = build_acgan_discriminator(tuple(image_shape), heads, seed=seed, spectral_norm=spectral_norm,
                                                  name=f"{variant}_discriminator", **d_kwargs)
    else:
        generator, discriminator = build_models(arch, image_shape, latent_dim, num_classes=labels, init=init, seed=seed,
                                                spectral_norm=spectral_norm)
        if variant == "began":
            discriminator = build_began_discriminator(tuple(image_shape), init=init or "default", seed=seed)
    return VARIANTS[variant](generator, discriminator, seed=seed, **options)


def _with_init(kwargs, init):
    kwargs = dict(kwargs)
    if init is not None:
        kwargs["init"] = init
    return kwargs


__all__ = [
    "ACGAN", "BEGAN", "CGAN", "CONDITIONAL_VARIANTS", "DRAGAN", "InfoGAN", "LSGAN", "VARIANTS", "WGAN", "WGANGP",
    "build_acgan_discriminator", "build_began_discriminator", "build_variant",
]
