"""Generator and discriminator builders, and the named architectures (presets).

Every preset is a pair of keyword sets for `build_dcgan_generator` and
`build_dcgan_discriminator`; `build_models(arch, ...)` builds both.

The presets (`dcgan_fc`, `dcgan`, `lecture004`, `upsample`, `mlp_lecture002`, and lecture 003's conditional
`mlp_lecture003` in `CONDITIONAL_ARCHITECTURES`), where each comes from and its layers are tabled in
docs/main_job.md, "The architectures"; the parameter counts of the lecture presets are checked by
tests/test_models.py. Lecture 002's convolutional notebooks (`lecture002_cnn_fail`,
`lecture002_halfcnn_collapse`, `lecture002_cnn_not_great`, `lecture002_cnn_bn`) are presets of
`kgan.models.lecture002_conv`, tabled there and checked by tests/test_lecture002_conv.py.

`build_models(arch, spectral_norm=True)` wraps every Conv2D and Dense of any
preset's discriminator in `keras.layers.SpectralNormalization` (Miyato et al.
2018); the generator is unchanged.
"""

from kgan.core.utils import check_bool
from kgan.models.dcgan import build_dcgan_discriminator, build_dcgan_generator
from kgan.models.lecture002_conv import build_lecture002_conv_discriminator, build_lecture002_conv_generator
from kgan.models.mlp import build_mlp_discriminator, build_mlp_generator
from kgan.models.pggan import build_pggan_discriminator, build_pggan_generator

ARCHITECTURES = {
    "dcgan": {
        "latent_dim": 64,
        "generator": dict(stem_filters=128, filters=(64,), strides=(2,), kernel_size=4, output_stride=2),
        "discriminator": dict(filters=(64, 128), strides=(2, 2), kernel_size=4, dropout=0.0),
    },
    # The main job's networks: `dcgan` with a fully connected layer in G (after the latent) and in D
    # (before the head), as InfoGAN's MNIST networks (Chen et al. 2016, Table 4), 256 wide instead of 1024:
    # as good in the ablation at a quarter of the weights (benchmarks/RESULTS.md).
    "dcgan_fc": {
        "latent_dim": 64,
        "generator": dict(
            stem_filters=128, filters=(64,), strides=(2,), kernel_size=4, output_stride=2, hidden_units=(256,)
        ),
        "discriminator": dict(filters=(64, 128), strides=(2, 2), kernel_size=4, dropout=0.0, hidden_units=(256,)),
    },
    "lecture004": {
        "latent_dim": 100,
        # The lecture uses Keras's default LeakyReLU, whose slope was (and in Keras 3 is) 0.3.
        "generator": dict(
            stem_filters=256,
            filters=(256, 128, 64, 32),
            strides=(1, 1, 2, 2),
            kernel_size=5,
            output_stride=1,
            negative_slope=0.3,
            name="G",
        ),
        "discriminator": dict(
            filters=(32, 64, 128, 256),
            strides=(1, 2, 2, 1),
            kernel_size=5,
            negative_slope=0.3,
            dropout=0.3,
            head="softmax2",
            name="D",
        ),
    },
    "upsample": {
        "latent_dim": 64,
        # PyTorch's LeakyReLU default slope is 0.01; the lecture applies init_weights in every block.
        "generator": dict(
            stem_filters=128,
            filters=(64, 32),
            strides=(2, 2),
            kernel_size=3,
            output_stride=1,
            upsampling="nearest",
            stem="dense_reshape_norm",
            negative_slope=0.01,
            init="dcgan",
        ),
        "discriminator": dict(filters=(64, 128), strides=(2, 2), kernel_size=4, batchnorm=True, init="dcgan"),
    },
}


# MLP presets (kgan.models.mlp); build_models dispatches on "family".
ARCHITECTURES["mlp_lecture002"] = {
    "family": "mlp",
    "latent_dim": 100,
    "generator": dict(hidden_units=(128,), negative_slope=0.01, dropout=0.5, output_activation="tanh"),
    "discriminator": dict(hidden_units=(128,), negative_slope=0.01, dropout=0.5, head="sigmoid"),
}
# Lecture 002's convolutional notebooks (kgan.models.lecture002_conv), each named after what its notebook
# shows; `lecture002_cnn_bn` with `label_smoothing=0.1` is the label-smoothing notebook (the same networks).
ARCHITECTURES.update(
    {
        arch: {
            "family": "lecture002_conv",
            "latent_dim": 100,
            "generator": dict(network=network, init="torch"),
            "discriminator": dict(network=network, init="torch"),
        }
        for arch, network in (
            ("lecture002_cnn_fail", "cnn_fail"),
            ("lecture002_halfcnn_collapse", "halfcnn"),
            ("lecture002_cnn_not_great", "cnn_not_great"),
            ("lecture002_cnn_bn", "cnn_bn"),
        )
    }
)
# Conditional presets take integer labels too, so they are kept apart from the
# unconditional ones the main job's --arch offers.
CONDITIONAL_ARCHITECTURES = {}
CONDITIONAL_ARCHITECTURES["mlp_lecture003"] = {
    "family": "mlp",
    "latent_dim": 100,
    "num_classes": 10,
    "generator": dict(hidden_units=(256, 512, 1024), negative_slope=0.2, output_activation="tanh"),
    "discriminator": dict(hidden_units=(1024, 512, 256), negative_slope=0.2, dropout=0.3, head="sigmoid"),
}


def check_arch(arch, *, conditional_presets=False, conv_only=False, who="this model"):
    """Checks that `arch` names a preset the model can be built on.

    The presets are the keys of `ARCHITECTURES`; a conditional model whose D
    takes labels may also use a `CONDITIONAL_ARCHITECTURES` preset (lecture
    003's MLPs); a model whose own discriminator is built on a conv trunk
    (ACGAN's and InfoGAN's two heads) needs a convolutional preset.
    `kgan.variants.check_variant_arch` passes a variant's traits here.

    Args:
        arch: the preset's name.
        conditional_presets: whether `CONDITIONAL_ARCHITECTURES` are allowed.
        conv_only: whether presets the DCGAN builders do not build (MLPs, lecture 002's notebooks) are refused.
        who: the model's name, for the error message.

    Raises:
        ValueError: naming `arch` and the presets accepted.
    """
    if arch not in ARCHITECTURES and not (conditional_presets and arch in CONDITIONAL_ARCHITECTURES):
        extra = f" (or, for a conditional model, {sorted(CONDITIONAL_ARCHITECTURES)})" if conditional_presets else ""
        raise ValueError(f"`arch` must be one of {sorted(ARCHITECTURES)}{extra}. Received: arch={arch!r}")
    if conv_only and "family" in ARCHITECTURES.get(arch, {}):
        raise ValueError(
            f"The two-headed discriminator of {who} is built on the DCGAN builder's conv trunk; choose one of "
            f"{sorted(name for name, preset in ARCHITECTURES.items() if 'family' not in preset)}. "
            f"Received: arch={arch!r}"
        )


def preset_kwargs(arch, init=None):
    """The builders' keyword arguments of a convolutional preset: `(generator kwargs, discriminator kwargs)`.

    Args:
        arch: a key of `ARCHITECTURES` or `CONDITIONAL_ARCHITECTURES`.
        init: `"default"` or `"dcgan"` to override the preset's initialisation; `None` keeps it.
    """
    preset = {**ARCHITECTURES, **CONDITIONAL_ARCHITECTURES}[arch]
    g_kwargs, d_kwargs = dict(preset["generator"]), dict(preset["discriminator"])
    if init is not None:
        g_kwargs["init"] = d_kwargs["init"] = init
    return g_kwargs, d_kwargs


def build_models(
    arch="dcgan",
    image_shape=(28, 28, 1),
    latent_dim=None,
    *,
    num_classes=None,
    init=None,
    spectral_norm=False,
    seed=None,
):
    """Builds the generator and discriminator of a named architecture.

    Args:
        arch: a key of `ARCHITECTURES` or `CONDITIONAL_ARCHITECTURES`.
        image_shape: `(height, width, channels)` of the images.
        latent_dim: latent size; `None` takes the architecture's default.
        num_classes: if set, both networks are conditional on integer labels.
        init: `"default"` or `"dcgan"` to override the architecture's
            initialisation; `None` keeps it.
        spectral_norm: whether to spectrally normalise every Conv2D and Dense
            of the discriminator (Miyato et al. 2018); every preset's
            discriminator builder takes it, the lecture presets included
            (they are then no longer the lecture's exact networks).
        seed: seed of the initializers.

    Returns:
        `(generator, discriminator)`, two functional `keras.Model`s.

    Raises:
        ValueError: if `arch` is unknown, or `spectral_norm` is not a bool.

    Example:
        >>> g, d = build_models("lecture004")
        >>> g.input_shape, d.output_shape
        ((None, 100), (None, 2))
    """
    presets = {**ARCHITECTURES, **CONDITIONAL_ARCHITECTURES}
    if arch not in presets:
        raise ValueError(f"`arch` must be one of {sorted(presets)}. Received: arch={arch!r}")
    preset = presets[arch]
    if preset.get("family") == "mlp":
        if init is not None:
            raise ValueError(
                f"`init` applies to the convolutional architectures only. Received: arch={arch!r}, init={init!r}"
            )
        num_classes = num_classes if num_classes is not None else preset.get("num_classes")
        g_kwargs, d_kwargs = preset_kwargs(arch)
        d_kwargs["spectral_norm"] = check_bool("spectral_norm", spectral_norm)
        return (
            build_mlp_generator(
                latent_dim or preset["latent_dim"], tuple(image_shape), num_classes=num_classes, seed=seed, **g_kwargs
            ),
            build_mlp_discriminator(tuple(image_shape), num_classes=num_classes, seed=seed, **d_kwargs),
        )
    g_kwargs, d_kwargs = preset_kwargs(arch, init)
    d_kwargs["spectral_norm"] = check_bool("spectral_norm", spectral_norm)
    if preset.get("family") == "lecture002_conv":
        return (
            build_lecture002_conv_generator(
                latent_dim or preset["latent_dim"], tuple(image_shape), num_classes=num_classes, seed=seed, **g_kwargs
            ),
            build_lecture002_conv_discriminator(tuple(image_shape), num_classes=num_classes, seed=seed, **d_kwargs),
        )
    generator = build_dcgan_generator(
        latent_dim or preset["latent_dim"], tuple(image_shape), num_classes=num_classes, seed=seed, **g_kwargs
    )
    discriminator = build_dcgan_discriminator(tuple(image_shape), num_classes=num_classes, seed=seed, **d_kwargs)
    return generator, discriminator


__all__ = [
    "ARCHITECTURES",
    "CONDITIONAL_ARCHITECTURES",
    "build_dcgan_discriminator",
    "build_dcgan_generator",
    "build_lecture002_conv_discriminator",
    "build_lecture002_conv_generator",
    "build_mlp_discriminator",
    "build_mlp_generator",
    "build_models",
    "build_pggan_discriminator",
    "build_pggan_generator",
    "check_arch",
    "preset_kwargs",
]
