"""Layers kgan's builders use where Keras' own fall short for GAN training, and D's spectrally normalised blocks."""

import keras
import tensorflow as tf
from keras import ops

from kgan.core.distribute import replica_rows


@keras.saving.register_keras_serializable(package="kgan")
class Dropout(keras.layers.Dropout):
    """`keras.layers.Dropout`, with a mask that is fast under XLA and different on every replica.

    Same arguments, same behaviour and the same seeded `SeedGenerator` as
    Keras' layer, with two differences in training mode:

    - the mask is drawn with the Philox generator: Keras' dropout uses
      `tf.nn.experimental.stateless_dropout`'s default `"auto_select"`
      algorithm, which under XLA on a CPU is far slower (`benchmarks/xla_rng.py`;
      figures in benchmarks/RESULTS.md): half of lecture 004's compiled train step;
    - under `tf.distribute`, each replica takes its rows of a mask drawn for
      the global batch (`kgan.core.distribute.replica_rows`), where Keras' layer
      would give every replica the same mask.

    With `noise_shape`, Keras' own implementation is used.
    """

    def call(self, inputs, training=False):
        if not training or self.rate == 0.0 or self.noise_shape is not None:
            return super().call(inputs, training=training)
        if self.rate >= 1.0:
            return ops.zeros_like(inputs)
        seed = tf.cast(tf.math.floormod(self.seed_generator.next(), 2**31 - 1), "int32")
        shape = tf.shape(inputs)

        def draw(rows):
            return tf.random.stateless_uniform(tf.concat([[rows], shape[1:]], 0), seed=seed, alg="philox")

        keep = replica_rows(draw, shape[0]) >= self.rate
        return tf.where(keep, inputs / ops.cast(1.0 - self.rate, inputs.dtype), ops.zeros_like(inputs))


def spectral_normalized(layer, enabled=True):
    """`layer` wrapped in `keras.layers.SpectralNormalization` (Miyato et al. 2018), or `layer` itself.

    The wrapper is named `<layer name>_sn` and computes in the layer's dtype
    policy, so a float32 head stays float32 under mixed precision (the
    wrapper casts its output to its input's dtype).

    Keras' wrapper differs from the paper's Algorithm 1 in one respect: each
    call in training mode runs one power iteration and *stores* `W / sigma(W)`
    in the wrapped kernel, then applies the layer; the gradient flows to that
    normalised kernel, not through `sigma`. Between two training calls the
    optimizer's update moves the kernel's spectral norm slightly off 1, so in
    inference mode the layer applies the last normalised kernel as updated.

    Args:
        layer: a layer with a `kernel` (`Dense`, `Conv2D`, ...).
        enabled: if false, `layer` is returned unchanged.

    Returns:
        The wrapped layer, or `layer`.

    Example:
        >>> spectral_normalized(keras.layers.Dense(1, name="score")).name
        'score_sn'
    """
    if not enabled:
        return layer
    return keras.layers.SpectralNormalization(layer, name=f"{layer.name}_sn", dtype=layer.dtype_policy)


def discriminator_head(x, units, activation, *, spectral_norm=False, kernel_initializer="glorot_uniform", name="score"):
    """D's float32 Dense head named `name`, applied to the features `x`.

    Without spectral normalisation this is `Dense(units, activation)`. With
    it, a spectrally normalised linear Dense (`<name>_sn`) followed, for a
    sigmoid or softmax head, by an `Activation` layer `<name>_activation`:
    `kgan.core.heads.logit_reader` reads D's logits at that layer's input, where it
    cannot see inside the wrapper, and `kgan.core.heads.head_kind` reads the
    activation from it.

    Args:
        x: D's features.
        units: 1 (a logit or sigmoid probability) or 2 (a softmax over [fake, real]).
        activation: `None`, `"sigmoid"` or `"softmax"`.
        spectral_norm: whether to normalise the Dense (Miyato et al. 2018).
        kernel_initializer: the Dense's kernel initializer.
        name: the Dense's name.

    Returns:
        D's output tensor.
    """
    if not spectral_norm:
        return keras.layers.Dense(
            units, activation=activation, kernel_initializer=kernel_initializer, dtype="float32", name=name
        )(x)
    dense = keras.layers.Dense(units, kernel_initializer=kernel_initializer, dtype="float32", name=name)
    x = spectral_normalized(dense)(x)
    if activation is None:
        return x
    return keras.layers.Activation(activation, dtype="float32", name=f"{name}_activation")(x)


def check_categories(categories, latent_dim=None):
    """`categories` if it is a categorical code's size: an integer in `[2, latent_dim]`; else a one-line ValueError.

    `latent_dim` None: no upper bound (the latent size is not known yet).
    """
    largest = "" if latent_dim is None else f" and at most the latent size {latent_dim}"
    if (
        not isinstance(categories, int)
        or isinstance(categories, bool)
        or categories < 2
        or (latent_dim is not None and categories > latent_dim)
    ):
        raise ValueError(f"`categories` must be an integer >= 2{largest}. Received: categories={categories!r}")
    return categories


@keras.saving.register_keras_serializable(package="kgan")
class CategoricalCode(keras.layers.Layer):
    """Reads a categorical code from a Gaussian latent vector and puts it in front as a one-hot.

    `z -> concat(one_hot(argmax(z[:, :categories])), z)`. The argmax of
    `categories` independent N(0, 1) draws is uniform over the categories,
    so a generator that starts with this layer keeps the plain N(0, I)
    latent contract (exports, metrics and `kgan sample` need nothing new)
    while it is given a discrete choice, the categorical code of InfoGAN
    (Chen et al. 2016). `kgan.variants.InfoGAN` trains G to make that code
    readable from its images.

    Args:
        categories: the number of categories (at most the latent size).

    Example:
        >>> code = CategoricalCode(3)
        >>> code(np.array([[0.1, 2.0, -1.0, 0.5]], "float32"))  # category 1 of 3, then z
        array([[0. , 1. , 0. , 0.1, 2. , -1. , 0.5]], dtype=float32)
    """

    def __init__(self, categories, **kwargs):
        super().__init__(**kwargs)
        self.categories = check_categories(categories)

    def build(self, input_shape):
        check_categories(self.categories, input_shape[-1])

    def call(self, latent):
        code = ops.one_hot(ops.argmax(latent[:, : self.categories], axis=-1), self.categories, dtype=latent.dtype)
        return ops.concatenate([code, latent], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], None if input_shape[-1] is None else input_shape[-1] + self.categories)

    def get_config(self):
        return {**super().get_config(), "categories": self.categories}
