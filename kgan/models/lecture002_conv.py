"""Lecture 002's convolutional GANs: the networks of the STAT 479 notebooks (Raschka, `L17_gans/code/`), exactly.

Lecture 002 links four convolutional MNIST notebooks that teach by failing, and a fifth with label smoothing:

- `cnn_fail` (`gan-cnn-mnist-converge-but-fail`): G is Linear(3136), LeakyReLU, reshaped to 64 x 7 x 7, then
  ConvT k2 s2 (64), Conv k2 p1 (32), ConvT k2 s2 (32), Conv k2 p1 (16), Conv k3 p1 (8), Conv k3 (4), each with
  BatchNorm and LeakyReLU, and Conv k2 (1), tanh. D is six 3x3 convs with padding 1 (8, 8, 16, 16, 32, 32
  maps, every second one of stride 2), each with BatchNorm and LeakyReLU, a global average pool, Linear(16),
  LeakyReLU, BatchNorm1d, Linear(1), sigmoid.
- `halfcnn` (`gan-halfcnn-mnist-mode-collapse`): G is lecture 002's MLP (Linear(128), LeakyReLU, Dropout(0.5),
  Linear(784), tanh); D is `cnn_fail`'s without any BatchNorm.
- `cnn_not_great` (`gan-cnn-mnist-not-great`): G is Linear(784), LeakyReLU, reshaped to 16 x 7 x 7, then
  ConvT k2 s2 (16), Conv k2 p1 (8), ConvT k3 s2 p1 (8), Conv k3 p1 (4), each with LeakyReLU, and Conv k2 (1),
  tanh; no BatchNorm. D is `cnn_fail`'s without any BatchNorm.
- `cnn_bn` (`gan-cnn-mnist`, "relatively good ... this has BatchNorm", and `gan-cnn-mnist-label-smoothing`,
  the same networks): G is Linear(3136, no bias), BatchNorm1d, LeakyReLU, reshaped to 64 x 7 x 7, then
  ConvT k3 s2 p1 (32), ConvT k3 s2 p1 (16), ConvT k3 (8), each with BatchNorm and LeakyReLU, and ConvT k2 (1),
  tanh, none with a bias. D is Conv k3 s2 p1 (8) and Conv k3 s2 p1 (32), each without bias, with BatchNorm and
  LeakyReLU, then Flatten and Linear(1): a logit.

Every activation is PyTorch's LeakyReLU (slope 0.01; 0.0001 in `cnn_bn`), G ends in tanh. PyTorch's padding
is reproduced with `ZeroPadding2D` before a valid convolution and `Cropping2D` after a valid transposed one, so
every map has the notebook's size (28 -> 14 -> 7 -> 4 in D; 7 -> 14 -> 15 -> 30 -> 31 -> 31 -> 29 -> 28 in
`cnn_fail`'s G), BatchNorm has PyTorch's momentum (0.1, Keras' 0.9) and epsilon (1e-5), and `init="torch"` (the
presets' default) draws weights and biases as PyTorch's default initialisation does, U(+-1/sqrt(fan_in)) (but
for D's head, `kgan.core.layers.discriminator_head`, whose bias starts at 0).

The trainable weights are the notebooks' parameters, one for one (tests/test_lecture002_conv.py); Keras also
stores BatchNorm's moving mean and variance as non-trainable weights (PyTorch's buffers). Two differences of
layout, not of function: Keras images are channels-last (PyTorch's `view(N, 64, 7, 7)` is a `Reshape((7, 7,
64))`), and the MLP generator of `halfcnn` returns a (28, 28, 1) image rather than a flat vector.

Every generator starts from a `(H/4, W/4)` map and every discriminator ends in a pooling or a Dense of the map it
gets, so the networks build for any image size divisible by 4 (the notebooks': 28 x 28 x 1).
"""

import math

import keras
from keras import layers

from kgan.core import layers as kgan_layers
from kgan.core.distribute import synchronized_batchnorm
from kgan.core.spec import MAX_LATENT_DIM
from kgan.core.utils import check_bool, check_positive_int

NETWORKS = ("cnn_fail", "halfcnn", "cnn_not_great", "cnn_bn")
INITS = ("torch", "default", "dcgan")
TORCH_SLOPE = 0.01  # PyTorch's LeakyReLU default
BN_SLOPE = 0.0001  # gan-cnn-mnist's LeakyReLU(negative_slope=0.0001)


class _Init:
    """Weight and bias initializers of one network, a fresh seed for every layer (so no two layers match)."""

    def __init__(self, init, seed):
        if init not in INITS:
            raise ValueError(f"`init` must be one of {INITS}. Received: init={init!r}")
        self.init, self.seed = init, seed

    def _next_seed(self):
        if self.seed is None:
            return None
        self.seed += 1
        return self.seed

    def __call__(self, fan_in):
        """`dict(kernel_initializer=..., bias_initializer=...)` for a layer whose kernel has `fan_in` inputs."""
        if self.init == "torch":
            # PyTorch's kaiming_uniform_(a=sqrt(5)): U(-1/sqrt(fan_in), 1/sqrt(fan_in)), for the bias too.
            # Keras' fan_in of a Conv2DTranspose kernel is (k * k * out), as PyTorch's of ConvTranspose2d.
            bound = 1.0 / math.sqrt(fan_in)
            return dict(
                kernel_initializer=keras.initializers.VarianceScaling(
                    1.0 / 3.0, "fan_in", "uniform", seed=self._next_seed()
                ),
                bias_initializer=keras.initializers.RandomUniform(-bound, bound, seed=self._next_seed()),
            )
        if self.init == "dcgan":
            return dict(kernel_initializer=keras.initializers.RandomNormal(0.0, 0.02, seed=self._next_seed()))
        return dict(kernel_initializer=keras.initializers.GlorotUniform(seed=self._next_seed()))


def _batch_norm(name):
    # PyTorch's BatchNorm: momentum 0.1 (Keras counts it the other way: 0.9) and epsilon 1e-5.
    return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, synchronized=synchronized_batchnorm(), name=name)


def _conv(x, init, filters, kernel, name, *, stride=1, padding=0, use_bias=True, spectral_norm=False, **kwargs):
    """PyTorch's `Conv2d(..., padding=p)`: zero padding of `p` on every side, then a valid convolution."""
    if padding:
        x = layers.ZeroPadding2D(padding, name=f"{name}_pad")(x)
    fan_in = x.shape[-1] * kernel * kernel
    weights = init(fan_in) if use_bias else {"kernel_initializer": init(fan_in)["kernel_initializer"]}
    conv = layers.Conv2D(filters, kernel, strides=stride, use_bias=use_bias, name=name, **weights, **kwargs)
    return kgan_layers.spectral_normalized(conv, spectral_norm)(x)


def _conv_transpose(x, init, filters, kernel, name, *, stride=1, padding=0, use_bias=True, **kwargs):
    """PyTorch's `ConvTranspose2d(..., padding=p)`: a valid transposed convolution cropped by `p` on every side."""
    weights = init(filters * kernel * kernel)
    if not use_bias:
        weights.pop("bias_initializer", None)
    x = layers.Conv2DTranspose(filters, kernel, strides=stride, use_bias=use_bias, name=name, **weights, **kwargs)(x)
    return layers.Cropping2D(padding, name=f"{name}_crop")(x) if padding else x


def _dense(x, init, units, name, *, use_bias=True, spectral_norm=False, **kwargs):
    weights = init(x.shape[-1])
    if not use_bias:
        weights.pop("bias_initializer", None)
    dense = layers.Dense(units, use_bias=use_bias, name=name, **weights, **kwargs)
    return kgan_layers.spectral_normalized(dense, spectral_norm)(x)


def _head(x, init, activation, spectral_norm):
    """D's float32 Dense(1) head (`kgan.core.layers.discriminator_head`); its bias starts at 0, not PyTorch's U."""
    kernel = init(x.shape[-1])["kernel_initializer"]
    return kgan_layers.discriminator_head(x, 1, activation, spectral_norm=spectral_norm, kernel_initializer=kernel)


def _leaky(x, name, slope=TORCH_SLOPE):
    return layers.LeakyReLU(slope, name=name)(x)


def _stem(latent, init, h0, w0, filters, *, batchnorm=False, use_bias=True, slope=TORCH_SLOPE):
    """Linear(latent, h0 * w0 * filters), [BatchNorm1d], LeakyReLU, reshaped to a `(h0, w0, filters)` map."""
    x = _dense(latent, init, h0 * w0 * filters, "project", use_bias=use_bias)
    if batchnorm:
        x = _batch_norm("project_bn")(x)
    x = _leaky(x, "project_act", slope)
    return layers.Reshape((h0, w0, filters), name="reshape")(x)


def _cnn_fail_generator(latent, init, h0, w0, channels):
    x = _stem(latent, init, h0, w0, 64)
    blocks = (  # (transposed?, filters, kernel, stride, padding): the notebook's six blocks, each BatchNorm, LeakyReLU
        (True, 64, 2, 2, 0),
        (False, 32, 2, 1, 1),
        (True, 32, 2, 2, 0),
        (False, 16, 2, 1, 1),
        (False, 8, 3, 1, 1),
        (False, 4, 3, 1, 0),
    )
    for i, (transposed, filters, kernel, stride, padding) in enumerate(blocks, start=1):
        layer = _conv_transpose if transposed else _conv
        x = layer(x, init, filters, kernel, f"block{i}_conv", stride=stride, padding=padding)
        x = _batch_norm(f"block{i}_bn")(x)
        x = _leaky(x, f"block{i}_act")
    return _conv(x, init, channels, 2, "output", activation="tanh", dtype="float32")


def _cnn_not_great_generator(latent, init, h0, w0, channels):
    x = _stem(latent, init, h0, w0, 16)
    blocks = ((True, 16, 2, 2, 0), (False, 8, 2, 1, 1), (True, 8, 3, 2, 1), (False, 4, 3, 1, 1))
    for i, (transposed, filters, kernel, stride, padding) in enumerate(blocks, start=1):
        layer = _conv_transpose if transposed else _conv
        x = layer(x, init, filters, kernel, f"block{i}_conv", stride=stride, padding=padding)
        x = _leaky(x, f"block{i}_act")
    return _conv(x, init, channels, 2, "output", activation="tanh", dtype="float32")


def _cnn_bn_generator(latent, init, h0, w0, channels):
    x = _stem(latent, init, h0, w0, 64, batchnorm=True, use_bias=False, slope=BN_SLOPE)
    for i, (filters, kernel, stride, padding) in enumerate(((32, 3, 2, 1), (16, 3, 2, 1), (8, 3, 1, 0)), start=1):
        x = _conv_transpose(x, init, filters, kernel, f"block{i}_conv", stride=stride, padding=padding, use_bias=False)
        x = _batch_norm(f"block{i}_bn")(x)
        x = _leaky(x, f"block{i}_act", BN_SLOPE)
    return _conv_transpose(x, init, channels, 2, "output", use_bias=False, activation="tanh", dtype="float32")


def _halfcnn_generator(latent, init, image_shape, seed):
    # Lecture 002's MLP generator (`mlp_lecture002`), here with PyTorch's initialisation.
    x = _dense(latent, init, 128, "dense_1")
    x = _leaky(x, "act_1")
    x = kgan_layers.Dropout(0.5, seed=seed, name="dropout_1")(x)
    x = _dense(x, init, math.prod(image_shape), "output", activation="tanh", dtype="float32")
    return layers.Reshape(image_shape, name="to_image")(x)


_GENERATORS = {
    "cnn_fail": _cnn_fail_generator,
    "cnn_not_great": _cnn_not_great_generator,
    "cnn_bn": _cnn_bn_generator,
}


def _check_network(network):
    if network not in NETWORKS:
        raise ValueError(f"`network` must be one of {NETWORKS}. Received: network={network!r}")


def _check_image_shape(image_shape):
    shape = tuple(image_shape)
    if len(shape) != 3 or not all(isinstance(d, int) and d > 0 for d in shape) or shape[0] % 4 or shape[1] % 4:
        raise ValueError(
            "`image_shape` must be (height, width, channels) of positive integers, height and width divisible "
            f"by 4 (lecture 002's networks start from a (H/4, W/4) map). Received: image_shape={image_shape!r}"
        )
    return shape


def _check_unconditional(num_classes):
    if num_classes is not None:
        raise ValueError(
            f"Lecture 002's convolutional networks are unconditional. Received: num_classes={num_classes!r}"
        )


def build_lecture002_conv_generator(
    latent_dim=100, image_shape=(28, 28, 1), *, network="cnn_bn", init="torch", num_classes=None, seed=None
):
    """Builds the generator of one of lecture 002's convolutional notebooks (see the module's table).

    Args:
        latent_dim: size of the latent vector (the notebooks': 100, drawn from U[-1, 1]).
        image_shape: `(height, width, channels)`, height and width divisible by 4 (the notebooks': 28 x 28 x 1).
        network: `"cnn_fail"`, `"halfcnn"`, `"cnn_not_great"` or `"cnn_bn"`.
        init: `"torch"` (PyTorch's default initialisation, the notebooks'), `"default"` (Keras' Glorot) or
            `"dcgan"` (N(0, 0.02) kernels).
        num_classes: must be None: the notebooks' GANs are unconditional.
        seed: seed of the initializers.

    Returns:
        A functional `keras.Model` named `"generator"`, from `(batch, latent_dim)` to images in [-1, 1].

    Raises:
        ValueError: naming a bad network, init, latent size, image shape or `num_classes`.

    Example:
        >>> g = build_lecture002_conv_generator(network="cnn_fail")
        >>> g.output_shape
        (None, 28, 28, 1)
    """
    _check_network(network)
    check_positive_int("latent_dim", latent_dim, MAX_LATENT_DIM)
    height, width, channels = _check_image_shape(image_shape)
    _check_unconditional(num_classes)
    init = _Init(init, seed)
    latent = keras.Input((latent_dim,), name="latent")
    if network == "halfcnn":
        images = _halfcnn_generator(latent, init, (height, width, channels), seed)
    else:
        images = _GENERATORS[network](latent, init, height // 4, width // 4, channels)
    return keras.Model(latent, images, name="generator")


def build_lecture002_conv_discriminator(
    image_shape=(28, 28, 1), *, network="cnn_bn", init="torch", num_classes=None, spectral_norm=False, seed=None
):
    """Builds the discriminator of one of lecture 002's convolutional notebooks (see the module's table).

    Args:
        image_shape: `(height, width, channels)`, height and width divisible by 4.
        network: `"cnn_fail"` (BatchNorm), `"halfcnn"` and `"cnn_not_great"` (the same D without BatchNorm), or
            `"cnn_bn"`.
        init: `"torch"`, `"default"` or `"dcgan"`, as for the generator.
        num_classes: must be None: the notebooks' GANs are unconditional.
        spectral_norm: whether to wrap every Conv2D and Dense in `keras.layers.SpectralNormalization`
            (Miyato et al. 2018); the networks are then no longer the notebooks'.
        seed: seed of the initializers.

    Returns:
        A functional `keras.Model` named `"discriminator"` with output `(batch, 1)`: a sigmoid probability
        (`cnn_fail`, `halfcnn`, `cnn_not_great`, whose notebooks use `binary_cross_entropy`) or a logit
        (`cnn_bn`, whose notebooks use `binary_cross_entropy_with_logits`). `kgan.GAN` reads both as logits.

    Raises:
        ValueError: naming a bad network, init, image shape, `num_classes` or `spectral_norm`.
    """
    _check_network(network)
    _check_image_shape(image_shape)
    _check_unconditional(num_classes)
    check_bool("spectral_norm", spectral_norm)
    init = _Init(init, seed)
    images = keras.Input(tuple(image_shape), name="images")
    sn = dict(spectral_norm=spectral_norm)
    if network == "cnn_bn":
        x = images
        for i, filters in enumerate((8, 32), start=1):
            x = _conv(x, init, filters, 3, f"block{i}_conv", stride=2, padding=1, use_bias=False, **sn)
            x = _batch_norm(f"block{i}_bn")(x)
            x = _leaky(x, f"block{i}_act", BN_SLOPE)
        x = layers.Flatten(name="flatten")(x)
        score = _head(x, init, None, spectral_norm)
        return keras.Model(images, score, name="discriminator")
    batchnorm = network == "cnn_fail"
    x = images
    for i, (filters, stride) in enumerate(((8, 1), (8, 2), (16, 1), (16, 2), (32, 1), (32, 2)), start=1):
        x = _conv(x, init, filters, 3, f"block{i}_conv", stride=stride, padding=1, **sn)
        if batchnorm:
            x = _batch_norm(f"block{i}_bn")(x)
        x = _leaky(x, f"block{i}_act")
    x = layers.GlobalAveragePooling2D(name="pool")(x)  # PyTorch's AdaptiveAvgPool2d(1) and Flatten
    x = _dense(x, init, 16, "hidden1", **sn)
    x = _leaky(x, "hidden1_act")
    if batchnorm:
        x = _batch_norm("hidden1_bn")(x)  # after the activation, as in the notebook
    score = _head(x, init, "sigmoid", spectral_norm)
    return keras.Model(images, score, name="discriminator")
