"""The builders: shapes from arguments, the lecture architectures layer by layer."""

import keras
import numpy as np
import pytest

from kgan.models import ARCHITECTURES, build_dcgan_discriminator, build_dcgan_generator, build_models


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
@pytest.mark.parametrize("image_shape", [(28, 28, 1), (32, 32, 3)])
def test_every_architecture_builds_for_the_requested_image_shape(arch, image_shape):
    g, d = build_models(arch, image_shape)
    assert g.output_shape == (None, *image_shape)
    assert d.input_shape == (None, *image_shape)
    images = g(np.zeros((2, g.input_shape[-1]), "float32"))
    assert images.shape == (2, *image_shape)
    assert np.all(np.abs(np.asarray(images)) <= 1.0)
    assert d(images).shape[0] == 2


def test_generator_rejects_image_size_not_divisible_by_total_stride():
    with pytest.raises(ValueError, match=r"divisible by the total upsampling factor 4.*image_shape=\(30, 30, 1\)"):
        build_dcgan_generator(8, (30, 30, 1))


def test_builders_reject_bad_arguments_with_the_value_named():
    with pytest.raises(ValueError, match="latent_dim=0"):
        build_dcgan_generator(0)
    with pytest.raises(ValueError, match="head='tanh'"):
        build_dcgan_discriminator(head="tanh")
    with pytest.raises(ValueError, match="arch='resnet'"):
        build_models("resnet")
    with pytest.raises(ValueError, match=r"image_shape=\(28, 28\)"):
        build_dcgan_discriminator((28, 28))


def _summary(model):
    """(class name, key config) for every layer after the input."""
    rows = []
    for layer in model.layers[1:]:
        cfg = layer.get_config()
        row = [type(layer).__name__]
        for key in ("filters", "kernel_size", "strides", "padding", "units", "rate", "negative_slope", "target_shape"):
            if key in cfg:
                value = cfg[key]
                row.append((key, tuple(value) if isinstance(value, list) else value))
        if "activation" in cfg and cfg["activation"] != "linear":
            row.append(("activation", cfg["activation"]))
        rows.append(tuple(row))
    return rows


def test_lecture004_discriminator_is_the_lecture_definition_layer_by_layer():
    _, d = build_models("lecture004")

    def block(filters, stride):
        return [
            (
                "Conv2D",
                ("filters", filters),
                ("kernel_size", (5, 5)),
                ("strides", (stride, stride)),
                ("padding", "same"),
            ),
            ("LeakyReLU", ("negative_slope", 0.3)),
            ("Dropout", ("rate", 0.3)),
        ]

    expected = (
        block(32, 1)
        + block(64, 2)
        + block(128, 2)
        + block(256, 1)
        + [
            ("Flatten",),
            ("Dense", ("units", 2), ("activation", "softmax")),
        ]
    )
    assert _summary(d) == expected
    assert d.name == "D" and d.input_shape == (None, 28, 28, 1)


def test_lecture004_generator_is_the_lecture_definition_layer_by_layer():
    g, _ = build_models("lecture004")

    def block(filters, stride):
        return [
            (
                "Conv2DTranspose",
                ("filters", filters),
                ("kernel_size", (5, 5)),
                ("strides", (stride, stride)),
                ("padding", "same"),
            ),
            ("BatchNormalization",),
            ("LeakyReLU", ("negative_slope", 0.3)),
        ]

    expected = (
        [
            ("Dense", ("units", 256 * 7 * 7)),
            ("BatchNormalization",),
            ("LeakyReLU", ("negative_slope", 0.3)),
            ("Reshape", ("target_shape", (7, 7, 256))),
        ]
        + block(256, 1)
        + block(128, 1)
        + block(64, 2)
        + block(32, 2)
        + [
            (
                "Conv2DTranspose",
                ("filters", 1),
                ("kernel_size", (5, 5)),
                ("strides", (1, 1)),
                ("padding", "same"),
                ("activation", "tanh"),
            ),
        ]
    )
    assert _summary(g) == expected
    assert g.input_shape == (None, 100)


def test_upsample_generator_follows_lecture001():
    g, _ = build_models("upsample")
    kinds = [type(layer).__name__ for layer in g.layers[1:]]
    assert kinds == [
        "Dense",
        "Reshape",
        "BatchNormalization",
        "UpSampling2D",
        "Conv2D",
        "BatchNormalization",
        "LeakyReLU",
        "UpSampling2D",
        "Conv2D",
        "BatchNormalization",
        "LeakyReLU",
        "Conv2D",
    ]
    convs = [layer for layer in g.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [c.filters for c in convs] == [64, 32, 1] and all(c.kernel_size == (3, 3) for c in convs)
    assert g.get_layer("reshape").output.shape[1:] == (7, 7, 128)
    assert g.input_shape == (None, 64)


def test_dcgan_init_draws_conv_kernels_from_n0_002_and_gamma_from_n1_002():
    g = build_dcgan_generator(64, (28, 28, 1), stem_filters=128, filters=(256,), strides=(2,), init="dcgan", seed=3)
    kernel = g.get_layer("block1_conv").kernel.numpy()
    gamma = g.get_layer("block1_bn").gamma.numpy()
    assert abs(kernel.mean()) < 0.002 and abs(kernel.std() - 0.02) < 0.002
    assert abs(gamma.mean() - 1.0) < 0.01 and abs(gamma.std() - 0.02) < 0.01
    default = build_dcgan_generator(64, (28, 28, 1), stem_filters=128, filters=(256,), strides=(2,))
    assert np.all(default.get_layer("block1_bn").gamma.numpy() == 1.0)


def test_conditional_builders_take_labels():
    g, d = build_models("dcgan", (28, 28, 1), latent_dim=8, num_classes=10)
    z = np.zeros((3, 8), "float32")
    labels = np.array([[0], [5], [9]], "int32")
    images = np.asarray(g([z, labels]))
    assert images.shape == (3, 28, 28, 1)
    assert d([images, labels]).shape == (3, 1)


def test_hidden_units_add_infogan_style_fully_connected_layers_to_g_and_d():
    generator = build_dcgan_generator(8, (8, 8, 1), stem_filters=4, filters=(4,), hidden_units=(32,), seed=0)
    discriminator = build_dcgan_discriminator((8, 8, 1), filters=(4, 8), hidden_units=(16,), seed=0)
    assert [generator.get_layer(n).units for n in ("hidden1",)] == [32]
    assert generator.get_layer("project").input.shape[-1] == 32
    assert discriminator.get_layer("hidden1").units == 16
    assert discriminator.layers[-1].input.shape[-1] == 16
    plain = build_dcgan_discriminator((8, 8, 1), filters=(4, 8), seed=0)
    assert not any(layer.name.startswith("hidden") for layer in plain.layers)
    with pytest.raises(ValueError, match="hidden_units"):
        build_dcgan_generator(8, (8, 8, 1), hidden_units=(0,))
