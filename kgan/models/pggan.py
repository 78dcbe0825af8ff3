"""Progressive growing of GANs (Karras et al. 2018, arXiv 1710.10196): its layers and its two networks.

The networks are built once at the final resolution with every block (the
paper's "linear" structure, `networks.py` of tkarras/progressive_growing_of_gans):
G computes an image at each resolution (7 -> 14 -> 28 for MNIST, 4 -> 8 -> ...
otherwise) and fades each into the next, upsampled (nearest); D reads the
image at each resolution (average pooling) and fades each block in the same
way. How far the networks have grown is one number, the `level` held by the
network's `ProgressiveLevel` layer: `stage - 1 + alpha` once a block fades in,
so level 0 is the first resolution alone and level `k` resolution `k` alone.
Shapes are static, so the one train step, XLA, tf.distribute and the export
work as for any other network; the price is that the blocks not yet grown are
computed and faded out (benchmarks/RESULTS.md measures it).
"""

import math

import keras
import tensorflow as tf
from keras import layers, ops

from kgan.core.spec import MAX_LATENT_DIM
from kgan.core.utils import check_positive_int
from kgan.models.dcgan import _check_image_shape

MIN_RESOLUTION = 4  # the paper's first resolution; an image size is halved while it stays at least this


def progressive_resolutions(image_shape):
    """The resolutions `[(h, w), ...]` the networks grow through, smallest first, ending at the image size.

    The size is halved while both sides are even and their halves at least
    `MIN_RESOLUTION` (28 -> 14 -> 7; 32 -> 16 -> 8 -> 4).

    Raises:
        ValueError: if the size cannot be halved even once (odd sides, or below 8).

    Example:
        >>> progressive_resolutions((28, 28, 1))
        [(7, 7), (14, 14), (28, 28)]
    """
    height, width = _check_image_shape(image_shape)[:2]
    sizes = [(height, width)]
    while all(s % 2 == 0 and s // 2 >= MIN_RESOLUTION for s in sizes[0]):
        sizes.insert(0, (sizes[0][0] // 2, sizes[0][1] // 2))
    if len(sizes) < 2:
        raise ValueError(
            f"Progressive growing needs an image size that halves at least once to {MIN_RESOLUTION} or more "
            f"(even sides of at least {2 * MIN_RESOLUTION}). Received: image_shape={tuple(image_shape)!r}"
        )
    return sizes


def stage_filters(num_stages, base_filters=64, min_filters=16):
    """Channels per stage: `base_filters` at the first resolution, halved per stage, at least `min_filters`."""
    check_positive_int("base_filters", base_filters)
    check_positive_int("min_filters", min_filters)
    return tuple(max(min_filters, base_filters >> k) for k in range(num_stages))


def real_images_at_level(images, level, num_stages):
    """Real images shown at the networks' `level`, as the paper's `process_reals` does.

    At level `s - 1 + alpha` the images are `(1 - alpha)` times themselves at
    resolution `s - 1` plus `alpha` times themselves at resolution `s` (each
    average-pooled to it and upsampled back, nearest), so D compares real and
    generated images of the same detail.

    Args:
        images: `(batch, height, width, channels)` at the final resolution.
        level: the level, a scalar in `[0, num_stages - 1]`.
        num_stages: the number of resolutions.
    """
    level = ops.cast(level, images.dtype)
    result = ops.zeros_like(images)
    for k in range(num_stages):
        factor = 2 ** (num_stages - 1 - k)
        at_k = images
        if factor > 1:
            at_k = ops.average_pool(images, factor, factor, padding="valid")
            at_k = ops.repeat(ops.repeat(at_k, factor, axis=1), factor, axis=2)
        weight = ops.maximum(0.0, 1.0 - ops.abs(level - k))  # the two resolutions either side of the level
        result = result + weight * at_k
    return result


@keras.saving.register_keras_serializable(package="kgan")
class PixelNorm(keras.layers.Layer):
    """Pixelwise feature normalisation (Karras et al. 2018, Sec. 4.2): `x / sqrt(mean(x^2 over channels) + eps)`."""

    def __init__(self, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def call(self, inputs):
        return inputs * ops.rsqrt(ops.mean(ops.square(inputs), axis=-1, keepdims=True) + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="kgan")
class MinibatchStdDev(keras.layers.Layer):
    """Minibatch standard deviation (Karras et al. 2018, Sec. 3): one more feature map, D's view of variety.

    The batch is split into groups of `group_size` consecutive images (the
    last group may be smaller); within each, the standard deviation of every
    feature at every pixel is taken over the group, averaged over features and
    pixels, and the group's number is appended to its images as a constant map.

    Args:
        group_size: images per group (the paper's 4).
        epsilon: added to the variance before the square root.
    """

    def __init__(self, group_size=4, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.group_size = check_positive_int("group_size", group_size)
        self.epsilon = float(epsilon)

    def call(self, inputs):
        # Segment means, so the groups need not divide the batch (Keras ops have no segment mean).
        batch = tf.shape(inputs)[0]
        groups = tf.range(batch) // self.group_size
        count = (batch + self.group_size - 1) // self.group_size
        mean = tf.math.unsorted_segment_mean(inputs, groups, count)
        variance = tf.math.unsorted_segment_mean(tf.square(inputs - tf.gather(mean, groups)), groups, count)
        stddev = tf.reduce_mean(tf.sqrt(variance + self.epsilon), axis=[1, 2, 3])
        feature = tf.gather(stddev, groups)[:, None, None, None] * tf.ones_like(inputs[..., :1])
        return tf.concat([inputs, feature], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 1)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size, "epsilon": self.epsilon}


class _Equalized(keras.layers.Layer):
    """Equalised learning rate (Karras et al. 2018, Sec. 4.1): weights drawn N(0, 1), scaled by He's constant per call.

    The stored weight is `w`, the layer applies `w * gain / sqrt(fan_in)`, so
    Adam's step (relative to the gradient's scale) moves every layer's
    effective weights at the same rate.
    """

    def __init__(self, units, gain=math.sqrt(2.0), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int("units", units)
        self.gain = float(gain)
        self.seed = seed

    def _build_kernel(self, shape, fan_in):
        self.scale = self.gain / math.sqrt(fan_in)
        self.kernel = self.add_weight(
            shape=shape, initializer=keras.initializers.RandomNormal(0.0, 1.0, seed=self.seed), name="kernel"
        )
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def get_config(self):
        return {**super().get_config(), "units": self.units, "gain": self.gain, "seed": self.seed}


@keras.saving.register_keras_serializable(package="kgan")
class EqualizedDense(_Equalized):
    """A Dense layer with the equalised learning rate (no activation). Args: `units`, `gain`, `seed`."""

    def build(self, input_shape):
        self._build_kernel((input_shape[-1], self.units), input_shape[-1])

    def call(self, inputs):
        return ops.matmul(inputs, self.kernel * self.scale) + self.bias

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)


@keras.saving.register_keras_serializable(package="kgan")
class EqualizedConv2D(_Equalized):
    """A stride-1 "same" Conv2D with the equalised learning rate (no activation); `units` is its filters."""

    def __init__(self, units, kernel_size=3, **kwargs):
        super().__init__(units, **kwargs)
        self.kernel_size = check_positive_int("kernel_size", kernel_size)

    def build(self, input_shape):
        k, channels = self.kernel_size, input_shape[-1]
        self._build_kernel((k, k, channels, self.units), k * k * channels)

    def call(self, inputs):
        return ops.conv(inputs, self.kernel * self.scale, padding="same") + self.bias

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "kernel_size": self.kernel_size}


@keras.saving.register_keras_serializable(package="kgan")
class ProgressiveLevel(keras.layers.Layer):
    """Holds how far a network has grown (`level`, a non-trainable scalar) and outputs it, one row per input.

    `kgan.variants.PGGAN` sets it as training goes; the `Fade` layers read it.

    Args:
        num_stages: the number of resolutions; the level is in `[0, num_stages - 1]`.
        initial_level: the level the network is built at.
    """

    def __init__(self, num_stages, initial_level=0.0, **kwargs):
        super().__init__(**kwargs)
        self.num_stages = check_positive_int("num_stages", num_stages)
        if not 0.0 <= initial_level <= num_stages - 1:
            raise ValueError(
                f"`initial_level` must be in [0, {num_stages - 1}]. Received: initial_level={initial_level!r}"
            )
        self.initial_level = float(initial_level)
        # Every replica computes the same level: the first one's is kept.
        self.level = self.add_weight(
            shape=(),
            initializer=keras.initializers.Constant(self.initial_level),
            trainable=False,
            aggregation="only_first_replica",
            name="level",
        )

    def call(self, inputs):
        return ops.ones((ops.shape(inputs)[0], 1), "float32") * ops.cast(self.level, "float32")

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 1)

    def get_config(self):
        return {**super().get_config(), "num_stages": self.num_stages, "initial_level": self.initial_level}


@keras.saving.register_keras_serializable(package="kgan")
class Fade(keras.layers.Layer):
    """Fades stage `stage`'s block in: `[old, new, level] -> old + (new - old) * clip(level - stage + 1, 0, 1)`.

    Below level `stage - 1` the output is `old` (the lower resolution's path),
    from level `stage` on it is `new` (the block's), in between alpha of it.
    """

    def __init__(self, stage, **kwargs):
        super().__init__(**kwargs)
        self.stage = check_positive_int("stage", stage)

    def call(self, inputs):
        old, new, level = inputs
        alpha = ops.clip(level[:, 0] - (self.stage - 1), 0.0, 1.0)
        alpha = ops.reshape(ops.cast(alpha, old.dtype), (-1,) + (1,) * (len(old.shape) - 1))
        return old + (new - old) * alpha

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "stage": self.stage}


def _seeds(seed):
    """A different initializer seed per layer (`None` stays `None`: Keras' global seed)."""
    n = 0
    while True:
        yield None if seed is None else seed + n
        n += 1


def _conv_act_norm(x, filters, seeds, name, *, kernel_size=3, pixel_norm=True):
    x = EqualizedConv2D(filters, kernel_size, seed=next(seeds), name=f"{name}_conv")(x)
    x = layers.LeakyReLU(0.2, name=f"{name}_lrelu")(x)
    return PixelNorm(name=f"{name}_norm")(x) if pixel_norm else x


def build_pggan_generator(
    latent_dim=64,
    image_shape=(28, 28, 1),
    *,
    base_filters=64,
    min_filters=16,
    seed=None,
    name="generator",
):
    """Builds PGGAN's generator at the final resolution, with every block: latent -> image in [-1, 1].

    Pixel norm on the latent, a Dense stem to the first resolution and a 3x3
    conv; then per resolution: nearest upsampling and two 3x3 convs (leaky
    ReLU 0.2, pixel norm after each); a 1x1 `to_rgb{k}` per resolution. Every
    layer has the equalised learning rate. Each resolution's image is faded
    into the next (`fade{k}`) and the result goes through tanh, so the
    generator keeps kgan's [-1, 1] contract (the paper's output is linear).

    Args:
        latent_dim: latent size (the paper's 512; 64 suffices for MNIST).
        image_shape: `(height, width, channels)` of the final images.
        base_filters, min_filters: channels per stage (`stage_filters`).
        seed: seed of the initializers.
        name: model name.

    Returns:
        A functional `keras.Model` from `(batch, latent_dim)` to images, with
        a `ProgressiveLevel` layer named `level` (built at level 0).

    Example:
        >>> g = build_pggan_generator(64, (28, 28, 1))
        >>> g.output_shape, g.get_layer("to_rgb0").output.shape
        ((None, 28, 28, 1), (None, 7, 7, 1))
    """
    latent_dim = check_positive_int("latent_dim", latent_dim)
    if latent_dim > MAX_LATENT_DIM:
        raise ValueError(f"`latent_dim` must be at most {MAX_LATENT_DIM}. Received: latent_dim={latent_dim}")
    channels = _check_image_shape(image_shape)[2]
    sizes = progressive_resolutions(image_shape)
    filters = stage_filters(len(sizes), base_filters, min_filters)
    seeds = _seeds(seed)

    latent = keras.Input((latent_dim,), name="latent")
    level = ProgressiveLevel(len(sizes), name="level")(latent)
    (h0, w0), f0 = sizes[0], filters[0]
    x = PixelNorm(name="latent_norm")(latent)
    # The paper's stem gain, sqrt(2) / 4, keeps its 4x4 map's scale as a 3x3 conv's.
    x = EqualizedDense(h0 * w0 * f0, gain=math.sqrt(2.0) / 4, seed=next(seeds), name="stem_dense")(x)
    x = layers.Reshape((h0, w0, f0), name="stem_reshape")(x)
    x = layers.LeakyReLU(0.2, name="stem_dense_lrelu")(x)
    x = PixelNorm(name="stem_dense_norm")(x)
    x = _conv_act_norm(x, f0, seeds, "stem")
    images = EqualizedConv2D(channels, 1, gain=1.0, seed=next(seeds), name="to_rgb0")(x)
    for k in range(1, len(sizes)):
        x = layers.UpSampling2D(2, interpolation="nearest", name=f"block{k}_upsample")(x)
        x = _conv_act_norm(x, filters[k], seeds, f"block{k}_1")
        x = _conv_act_norm(x, filters[k], seeds, f"block{k}_2")
        new = EqualizedConv2D(channels, 1, gain=1.0, seed=next(seeds), name=f"to_rgb{k}")(x)
        old = layers.UpSampling2D(2, interpolation="nearest", name=f"rgb{k - 1}_upsample")(images)
        images = Fade(k, name=f"fade{k}")([old, new, level])
    images = layers.Activation("tanh", dtype="float32", name="images")(images)
    return keras.Model(latent, images, name=name)


def build_pggan_discriminator(
    image_shape=(28, 28, 1),
    *,
    base_filters=64,
    min_filters=16,
    group_size=4,
    seed=None,
    name="discriminator",
):
    """Builds PGGAN's discriminator (a critic: one linear output) at the final resolution, with every block.

    Per resolution, from the finest: a 1x1 `from_rgb{k}`, two 3x3 convs
    (leaky ReLU 0.2) and average pooling, faded (`fade{k}`) against
    `from_rgb{k-1}` of the image average-pooled to the lower resolution; at
    the first resolution the minibatch standard deviation, a 3x3 conv, a
    Dense and the linear `score`. Every layer has the equalised learning
    rate; there is no normalisation in D (the gradient penalty is per image).

    Args:
        image_shape: `(height, width, channels)` of the images.
        base_filters, min_filters: channels per stage (`stage_filters`).
        group_size: the minibatch standard deviation's group size.
        seed: seed of the initializers.
        name: model name.

    Returns:
        A functional `keras.Model` from images to a logit `(batch, 1)`, with
        a `ProgressiveLevel` layer named `level` (built at level 0).
    """
    _check_image_shape(image_shape)
    sizes = progressive_resolutions(image_shape)
    filters = stage_filters(len(sizes), base_filters, min_filters)
    seeds = _seeds(seed)
    last = len(sizes) - 1

    inputs = keras.Input(tuple(image_shape), name="images")
    level = ProgressiveLevel(len(sizes), name="level")(inputs)
    images = inputs
    x = _from_rgb(images, filters[last], seeds, last)
    for k in range(last, 0, -1):
        x = _conv_act_norm(x, filters[k], seeds, f"block{k}_1", pixel_norm=False)
        x = _conv_act_norm(x, filters[k - 1], seeds, f"block{k}_2", pixel_norm=False)
        new = layers.AveragePooling2D(2, name=f"block{k}_downsample")(x)
        images = layers.AveragePooling2D(2, name=f"images{k - 1}")(images)
        old = _from_rgb(images, filters[k - 1], seeds, k - 1)
        x = Fade(k, name=f"fade{k}")([old, new, level])
    x = MinibatchStdDev(group_size, name="minibatch_stddev")(x)
    x = _conv_act_norm(x, filters[0], seeds, "final", pixel_norm=False)
    x = layers.Flatten(name="final_flatten")(x)
    x = EqualizedDense(filters[0], seed=next(seeds), name="final_dense")(x)
    x = layers.LeakyReLU(0.2, name="final_dense_lrelu")(x)
    score = EqualizedDense(1, gain=1.0, seed=next(seeds), dtype="float32", name="score")(x)
    return keras.Model(inputs, score, name=name)


def _from_rgb(images, filters, seeds, k):
    x = EqualizedConv2D(filters, 1, seed=next(seeds), name=f"from_rgb{k}")(images)
    return layers.LeakyReLU(0.2, name=f"from_rgb{k}_lrelu")(x)
