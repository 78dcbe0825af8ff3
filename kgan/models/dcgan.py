"""Convolutional generators and discriminators (DCGAN, Radford et al. 2016).

One builder per network; the lecture architectures are presets of these
builders (see `kgan.models.ARCHITECTURES`), not copies of them.
"""

import math

import keras
from keras import layers

from kgan.core import layers as kgan_layers
from kgan.core.distribute import synchronized_batchnorm
from kgan.core.spec import MAX_LATENT_DIM
from kgan.core.utils import check_bool, check_positive_int

HEADS = ("logit", "sigmoid", "softmax2")
UPSAMPLING = ("transpose", "nearest")
INITS = ("default", "dcgan")


def _conv_initializers(init, seed):
    """Kernel and BatchNorm-gamma initializers for `init` ("default" or "dcgan").

    "dcgan" is the initialisation of lecture 001 (and Radford et al. 2016):
    conv kernels ~ N(0, 0.02), BatchNorm gamma ~ N(1, 0.02), biases and beta 0.
    """
    if init not in INITS:
        raise ValueError(f"`init` must be one of {INITS}. Received: init={init!r}")
    if init == "default":
        return "glorot_uniform", "ones"
    return (
        keras.initializers.RandomNormal(0.0, 0.02, seed=seed),
        keras.initializers.RandomNormal(1.0, 0.02, seed=None if seed is None else seed + 1),
    )


def _check_image_shape(image_shape):
    if len(tuple(image_shape)) != 3 or not all(isinstance(d, int) and d > 0 for d in image_shape):
        raise ValueError(
            "`image_shape` must be (height, width, channels) of positive integers. "
            f"Received: image_shape={image_shape!r}"
        )
    return tuple(image_shape)


def _check_lengths(filters, strides):
    if len(filters) != len(strides):
        raise ValueError(
            f"`filters` and `strides` must have the same length. Received: filters={filters!r}, strides={strides!r}"
        )


def _label_embedding(labels, num_classes, units, name):
    """Embeds integer class labels into `units` features (conditional models)."""
    x = layers.Embedding(num_classes, units, name=f"{name}_embedding")(labels)
    return layers.Flatten(name=f"{name}_embedding_flat")(x)


def build_dcgan_generator(
    latent_dim=100,
    image_shape=(28, 28, 1),
    *,
    stem_filters=128,
    filters=(64,),
    strides=(2,),
    kernel_size=4,
    output_kernel_size=None,
    output_stride=2,
    upsampling="transpose",
    stem="dense_norm_act",
    negative_slope=0.2,
    hidden_units=(),
    init="default",
    num_classes=None,
    categorical_code=None,
    seed=None,
    name="generator",
):
    """Builds a DCGAN generator: latent vector -> image in [-1, 1].

    The latent vector is projected by a Dense layer to a
    `(H / s, W / s, stem_filters)` map, where `s` is the product of all
    strides, then upsampled by blocks of (upsampling conv, BatchNorm,
    LeakyReLU), and mapped to `image_shape` channels by a final conv with tanh.

    Args:
        latent_dim: size of the latent vector.
        image_shape: `(height, width, channels)` of the generated images.
        stem_filters: channels of the map the latent vector is projected to.
        filters: channels of each upsampling block.
        strides: upsampling factor of each block (1 keeps the size).
        kernel_size: kernel size of the blocks.
        output_kernel_size: kernel size of the output conv (default `kernel_size`).
        output_stride: upsampling factor of the output conv.
        upsampling: `"transpose"` (Conv2DTranspose with stride, lecture 004) or
            `"nearest"` (UpSampling2D then a stride-1 Conv2D, lecture 001).
        stem: `"dense_norm_act"` (Dense, BatchNorm, LeakyReLU, Reshape: lecture
            004) or `"dense_reshape_norm"` (Dense, Reshape, BatchNorm over
            channels, no activation: lecture 001).
        negative_slope: slope of the LeakyReLU units.
        hidden_units: widths of fully connected layers (Dense, BatchNorm,
            LeakyReLU) between the latent vector and the projection, as
            InfoGAN's MNIST generator (Chen et al. 2016, Table 4: 1024).
            Cheap next to the convolutions; `()` adds none.
        init: `"default"` (Keras defaults) or `"dcgan"` (lecture 001: conv
            kernels N(0, 0.02), BatchNorm gamma N(1, 0.02)).
        num_classes: if set, the generator is conditional: it takes
            `[latent, labels]` and multiplies the latent vector by a learned
            embedding of the integer label.
        categorical_code: if set, the number of categories of an InfoGAN
            categorical code read from the latent vector's first entries
            (`kgan.core.layers.CategoricalCode`; the latent stays N(0, I)).
        seed: seed of the initializers.
        name: model name.

    Returns:
        A functional `keras.Model` named `name`.

    Raises:
        ValueError: if the image size is not divisible by the total stride, or
            an argument is out of range.

    Example:
        >>> g = build_dcgan_generator(latent_dim=16, image_shape=(28, 28, 1))
        >>> g.output_shape
        (None, 28, 28, 1)
    """
    check_positive_int("latent_dim", latent_dim, MAX_LATENT_DIM)
    height, width, channels = _check_image_shape(image_shape)
    filters, strides = tuple(filters), tuple(strides)
    _check_lengths(filters, strides)
    if upsampling not in UPSAMPLING:
        raise ValueError(f"`upsampling` must be one of {UPSAMPLING}. Received: upsampling={upsampling!r}")
    if stem not in ("dense_norm_act", "dense_reshape_norm"):
        raise ValueError(f"`stem` must be 'dense_norm_act' or 'dense_reshape_norm'. Received: stem={stem!r}")
    total_stride = math.prod(strides) * output_stride
    if height % total_stride or width % total_stride:
        raise ValueError(
            f"The image size must be divisible by the total upsampling factor {total_stride} "
            f"(strides {strides} x output_stride {output_stride}). Received: image_shape={image_shape!r}"
        )
    kernel_init, gamma_init = _conv_initializers(init, seed)
    h0, w0 = height // total_stride, width // total_stride

    latent = keras.Input((latent_dim,), name="latent")
    inputs = [latent]
    x = latent
    if num_classes is not None:
        check_positive_int("num_classes", num_classes)
        labels = keras.Input((1,), dtype="int32", name="labels")
        inputs.append(labels)
        x = layers.Multiply(name="condition")([x, _label_embedding(labels, num_classes, latent_dim, "label")])
    if categorical_code is not None:
        x = kgan_layers.CategoricalCode(categorical_code, name="categorical_code")(x)

    for i, units in enumerate(hidden_units, start=1):
        x = layers.Dense(check_positive_int("hidden_units", units), name=f"hidden{i}")(x)
        x = _batch_norm(gamma_init, name=f"hidden{i}_bn")(x)
        x = layers.LeakyReLU(negative_slope, name=f"hidden{i}_act")(x)
    x = layers.Dense(h0 * w0 * stem_filters, name="project")(x)
    if stem == "dense_norm_act":
        x = _batch_norm(gamma_init, name="project_bn")(x)
        x = layers.LeakyReLU(negative_slope, name="project_act")(x)
        x = layers.Reshape((h0, w0, stem_filters), name="reshape")(x)
    else:
        x = layers.Reshape((h0, w0, stem_filters), name="reshape")(x)
        x = _batch_norm(gamma_init, name="project_bn")(x)

    def upsample_conv(x, n, stride, k, block, **kwargs):
        if upsampling == "transpose":
            return layers.Conv2DTranspose(
                n, k, strides=stride, padding="same", kernel_initializer=kernel_init, name=f"{block}_conv", **kwargs
            )(x)
        if stride > 1:
            x = layers.UpSampling2D(stride, interpolation="nearest", name=f"{block}_upsample")(x)
        return layers.Conv2D(n, k, padding="same", kernel_initializer=kernel_init, name=f"{block}_conv", **kwargs)(x)

    for i, (n, stride) in enumerate(zip(filters, strides), start=1):
        x = upsample_conv(x, n, stride, kernel_size, f"block{i}")
        x = _batch_norm(gamma_init, name=f"block{i}_bn")(x)
        x = layers.LeakyReLU(negative_slope, name=f"block{i}_act")(x)
    images = upsample_conv(
        x, channels, output_stride, output_kernel_size or kernel_size, "output", activation="tanh", dtype="float32"
    )
    return keras.Model(inputs if len(inputs) > 1 else latent, images, name=name)


def build_dcgan_discriminator(
    image_shape=(28, 28, 1),
    *,
    filters=(64, 128),
    strides=(2, 2),
    kernel_size=4,
    negative_slope=0.2,
    dropout=0.0,
    batchnorm=False,
    hidden_units=(),
    head="logit",
    init="default",
    num_classes=None,
    spectral_norm=False,
    seed=None,
    name="discriminator",
):
    """Builds a DCGAN discriminator: image -> realness score.

    Blocks of (Conv2D, [BatchNorm], LeakyReLU, [Dropout]), then Flatten and a
    Dense head.

    Args:
        image_shape: `(height, width, channels)` of the input images.
        filters: channels of each conv block.
        strides: stride of each conv block.
        kernel_size: kernel size of the conv blocks.
        negative_slope: slope of the LeakyReLU units.
        dropout: dropout rate after each block (0 disables it).
        batchnorm: whether to put BatchNorm after each conv but the first.
        hidden_units: widths of fully connected layers (Dense, LeakyReLU)
            between the flattened features and the head, as InfoGAN's MNIST
            discriminator (Chen et al. 2016, Table 4: 1024); `()` adds none.
        head: `"logit"` (Dense(1), a logit: the default, numerically stable),
            `"sigmoid"` (Dense(1, sigmoid), lecture 000) or `"softmax2"`
            (Dense(2, softmax) over [fake, real], lecture 004). `kgan.GAN`
            accepts all three.
        init: `"default"` or `"dcgan"` (conv kernels N(0, 0.02), lecture 001).
        num_classes: if set, the discriminator is conditional: it takes
            `[images, labels]`, the label embedded as an extra image channel.
        spectral_norm: whether to wrap every Conv2D and the Dense head in
            `keras.layers.SpectralNormalization` (Miyato et al. 2018,
            "Spectral Normalization for Generative Adversarial Networks"),
            named `<layer>_sn`. A sigmoid or softmax head then becomes a
            linear Dense followed by an `Activation` layer named
            `score_activation`, so `kgan.GAN` still reads D's logits. The
            label embedding of a conditional D is not normalised.
        seed: seed of the initializers.
        name: model name.

    Returns:
        A functional `keras.Model` named `name`.

    Raises:
        ValueError: if an argument is out of range.

    Example:
        >>> d = build_dcgan_discriminator((28, 28, 1))
        >>> d.output_shape
        (None, 1)
    """
    height, width, channels = _check_image_shape(image_shape)
    filters, strides = tuple(filters), tuple(strides)
    _check_lengths(filters, strides)
    if head not in HEADS:
        raise ValueError(f"`head` must be one of {HEADS}. Received: head={head!r}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"`dropout` must be in [0, 1). Received: dropout={dropout!r}")
    check_bool("spectral_norm", spectral_norm)
    kernel_init, gamma_init = _conv_initializers(init, seed)

    images = keras.Input(image_shape, name="images")
    inputs = [images]
    x = images
    if num_classes is not None:
        check_positive_int("num_classes", num_classes)
        labels = keras.Input((1,), dtype="int32", name="labels")
        inputs.append(labels)
        label_map = _label_embedding(labels, num_classes, height * width, "label")
        label_map = layers.Reshape((height, width, 1), name="label_map")(label_map)
        x = layers.Concatenate(name="condition")([x, label_map])

    for i, (n, stride) in enumerate(zip(filters, strides), start=1):
        conv = layers.Conv2D(
            n, kernel_size, strides=stride, padding="same", kernel_initializer=kernel_init, name=f"block{i}_conv"
        )
        x = kgan_layers.spectral_normalized(conv, spectral_norm)(x)
        if batchnorm and i > 1:
            x = _batch_norm(gamma_init, name=f"block{i}_bn")(x)
        x = layers.LeakyReLU(negative_slope, name=f"block{i}_act")(x)
        if dropout:
            x = kgan_layers.Dropout(dropout, name=f"block{i}_dropout")(x)
    x = layers.Flatten(name="flatten")(x)
    for i, units in enumerate(hidden_units, start=1):
        dense = layers.Dense(check_positive_int("hidden_units", units), name=f"hidden{i}")
        x = kgan_layers.spectral_normalized(dense, spectral_norm)(x)
        x = layers.LeakyReLU(negative_slope, name=f"hidden{i}_act")(x)
    units, activation = {"logit": (1, None), "sigmoid": (1, "sigmoid"), "softmax2": (2, "softmax")}[head]
    score = kgan_layers.discriminator_head(x, units, activation, spectral_norm=spectral_norm)
    return keras.Model(inputs if len(inputs) > 1 else images, score, name=name)


def _batch_norm(gamma_initializer, name):
    # Synchronised under a multi-replica strategy: the moments of the global batch, not of each replica's slice.
    return layers.BatchNormalization(
        gamma_initializer=gamma_initializer, synchronized=synchronized_batchnorm(), name=name
    )
