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
| `ragan`   | `RaGAN`  | Jolicoeur-Martineau 2018 (relativistic average); docs/adding_a_variant.md's example |
| `unrolled` | `UnrolledGAN` | Metz et al. 2017 (G against D unrolled k steps); lecture 000 |
| `pggan`   | `PGGAN`  | Karras et al. 2018 (progressive growing); lecture 000 |

`CycleGAN` (Zhu et al. 2017; lectures 000 and 002) translates images between two domains: not a latent-vector
GAN, it has its own train step and is not in the registry (`scripts/train_cyclegan.py` trains it).
`StackGAN` (Zhang et al. 2017; lecture 000) draws digits from captions in two stages, with a train step of its
own too (`scripts/train_stackgan.py` trains it).

Each class registers itself with `@register_variant(name)` and declares its
traits (`default_loss`, `needs_labels`, `conv_only`, `toy`, `options`; see
`kgan.GAN`). `build_variant(name, arch, image_shape, ...)` builds the networks
from a `kgan.models.ARCHITECTURES` preset (or the variant's `build_networks`)
and returns the uncompiled model.
"""

from kgan.core import GAN
from kgan.models import build_models, check_arch
from kgan.variants.began import BEGAN, build_began_discriminator
from kgan.variants.conditional import ACGAN, CGAN, build_acgan_discriminator
from kgan.variants.cyclegan import CycleGAN
from kgan.variants.infogan import InfoGAN
from kgan.variants.pggan import PGGAN
from kgan.variants.registry import VARIANTS, get_variant, register_variant
from kgan.variants.relativistic import RaGAN
from kgan.variants.simple import DRAGAN, LSGAN, WGAN, WGANGP
from kgan.variants.stackgan import StackGAN
from kgan.variants.unrolled import UnrolledGAN

register_variant("gan")(GAN)  # the base class is the plain GAN of the lectures


def check_variant_arch(variant, arch):
    """Checks that `variant` can be built on the architecture preset `arch` (from the variant's traits)."""
    cls = get_variant(variant)
    check_arch(
        arch,
        conditional_presets=cls.needs_labels and not cls.conv_only,
        conv_only=cls.conv_only,
        who=f"the {variant} variant",
    )


def build_variant(
    variant="gan",
    arch="dcgan",
    image_shape=(28, 28, 1),
    latent_dim=None,
    *,
    num_classes=None,
    init=None,
    seed=None,
    spectral_norm=False,
    **options,
):
    """Builds a variant's generator and discriminator from an architecture preset, and the model.

    Args:
        variant: a key of `VARIANTS`.
        arch: a key of `kgan.models.ARCHITECTURES`; its generator is used as
            is, its discriminator's conv trunk too, unless the variant builds
            its own networks (its `build_networks` classmethod: BEGAN's
            autoencoder D, ACGAN's and InfoGAN's two-headed D, InfoGAN's code).
        image_shape: `(height, width, channels)`.
        latent_dim: latent size (default: the architecture's).
        num_classes: number of classes; required by the variants that need
            labels (`needs_labels`: cgan, acgan), ignored by the others.
        init: `"default"` or `"dcgan"` to override the architecture's initialisation.
        seed: seed of the initializers and of the model's noise.
        spectral_norm: spectrally normalise D's layers (Miyato et al. 2018).
        **options: the variant's constructor arguments (`d_steps`,
            `gp_weight`, `validity_weight`, `instance_noise`, `label_smoothing`, ...)
            and its build options (InfoGAN's `categories`).

    Returns:
        The uncompiled model, an instance of `VARIANTS[variant]`.

    Raises:
        ValueError: for an unknown variant, an architecture it cannot use or
            a variant that needs labels without `num_classes`.

    Example:
        >>> acgan = build_variant("acgan", num_classes=10, seed=0, validity_weight=0.01)
        >>> acgan.compile()
    """
    cls = get_variant(variant)
    check_variant_arch(variant, arch)
    if cls.needs_labels and not num_classes:
        raise ValueError(f"The {variant} variant is conditional and needs num_classes. Received: num_classes=None")
    labels = num_classes if cls.needs_labels else None
    networks = dict(num_classes=labels, init=init, seed=seed, spectral_norm=spectral_norm)
    if hasattr(cls, "build_networks"):
        generator, discriminator, options = cls.build_networks(arch, image_shape, latent_dim, **networks, **options)
    else:
        generator, discriminator = build_models(arch, image_shape, latent_dim, **networks)
    return cls(generator, discriminator, seed=seed, **options)


__all__ = [
    "ACGAN",
    "BEGAN",
    "CGAN",
    "CycleGAN",
    "DRAGAN",
    "InfoGAN",
    "LSGAN",
    "PGGAN",
    "RaGAN",
    "StackGAN",
    "UnrolledGAN",
    "VARIANTS",
    "WGAN",
    "WGANGP",
    "build_acgan_discriminator",
    "build_began_discriminator",
    "build_variant",
    "check_variant_arch",
    "get_variant",
    "register_variant",
]
