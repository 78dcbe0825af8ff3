"""The registry of GAN variants: `@register_variant("name")` on a `kgan.GAN` subclass makes it a variant.

A variant declares what the rest of kgan needs to know as class attributes
(the traits documented on `kgan.GAN`: `default_loss`, `needs_labels`,
`conv_only`, `toy`, `logs_accuracy`, `options`, `takes_loss`, `optimizer_defaults`) and, if it needs networks of
its own, a classmethod `build_networks`; `build_variant`, `train()`, the
command line and the toy trainer read these, so nothing outside
`kgan/variants/` names a variant.
"""

VARIANTS = {}


def register_variant(name):
    """Class decorator: registers a `kgan.GAN` subclass as the variant `name` (`kgan train --variant name`).

    Example:
        >>> @register_variant("my_gan")
        ... @keras.saving.register_keras_serializable(package="my_package")
        ... class MyGAN(kgan.GAN):
        ...     default_loss = "hinge"
    """

    def register(cls):
        if name in VARIANTS and VARIANTS[name] is not cls:
            raise ValueError(
                f"A variant named {name!r} is registered already ({VARIANTS[name].__name__}). Received: {cls.__name__}"
            )
        cls.variant_name = name
        VARIANTS[name] = cls
        return cls

    return register


def get_variant(name):
    """The class of the variant `name`; a one-line error naming the registered ones otherwise."""
    if name not in VARIANTS:
        raise ValueError(f"`variant` must be one of {sorted(VARIANTS)}. Received: variant={name!r}")
    return VARIANTS[name]
