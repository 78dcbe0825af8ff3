"""PGGAN's layers (Karras et al. 2018, arXiv 1710.10196): pixel norm, minibatch standard deviation, the
equalised learning rate, and the two layers that grow a network (`ProgressiveLevel`, `Fade`).

`kgan.models.pggan` builds the networks from them and re-exports them.
"""

import math

import keras
import tensorflow as tf
from keras import ops

from kgan.core.utils import check_positive_int


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
