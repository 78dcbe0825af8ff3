"""StackGAN's networks (Zhang et al. 2017, arXiv 1612.03242), sized for 28 x 28 digits on a CPU.

- `build_text_encoder`: captions (strings) to a text embedding: `TextVectorization`, `Embedding`, the masked
  mean of the word vectors, a dense layer and layer normalisation. The paper uses a pre-trained char-CNN-RNN;
  kgan's is small and trained with the discriminators (`kgan.variants.StackGAN`). The vocabulary is part of the
  model.
- `ConditioningAugmentation`: the paper's conditioning augmentation: a mean and a log-variance from
  the text embedding, a condition drawn from that Gaussian with the reparameterisation trick, and the KL
  divergence to N(0, I) (`kl_divergence`) that G adds to its loss.
- `build_stage1_generator` (G0): `(z, text embedding)` to low-resolution images (14 x 14 for 28 x 28 digits).
- `build_stage2_generator` (G1): `(G0's image, text embedding)` to full-resolution images: encoded down,
  joined with its own condition, residual blocks, and upsampled twice (the paper's stage-II generator).
- `build_matching_discriminator` (D0 and D1): `(image, text embedding)` to one logit, the text compressed and
  tiled over D's last feature map (the paper's matching-aware discriminator).

Both generators return `(images, kl)`, `kl` the per-image KL term of their conditioning augmentation.
"""

import keras
from keras import layers, ops

from kgan.core._keras_compat import SavesSeedState


def kl_divergence(mean, log_variance):
    """`KL(N(mean, exp(log_variance)) || N(0, I))` per row: `0.5 * sum(mean^2 + exp(log_variance) - 1 - log_variance)`.

    The regulariser of StackGAN's conditioning augmentation, for a diagonal Gaussian.
    """
    mean = ops.cast(mean, "float32")
    log_variance = ops.cast(log_variance, "float32")
    return 0.5 * ops.sum(ops.square(mean) + ops.exp(log_variance) - 1.0 - log_variance, axis=-1)


@keras.saving.register_keras_serializable(package="kgan")
class ConditioningAugmentation(SavesSeedState, keras.layers.Layer):
    """StackGAN's conditioning augmentation: a text embedding to `(condition, kl)`.

    A dense layer gives the mean and log-variance of a Gaussian over `units`-dimensional conditions; in training
    the condition is drawn from it (`mean + exp(log_variance / 2) * eps`, the reparameterisation trick, so
    gradients reach the mean and variance), in inference it is the mean, so an export's images depend on the
    caption and the latent alone. `kl` is `kl_divergence(mean, log_variance) / units`, one value per row: the KL
    per dimension of the condition, the scale the authors' released code weights (mean over the condition's
    elements, coefficient 2); the sum over 16 dimensions drowns the adversarial term and G ignores the text.

    Args:
        units: the condition's size (the paper's N_g = 128; kgan's digits use 16).
        seed: seed of the draws.
    """

    def __init__(self, units, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            raise ValueError(f"`units` must be an int >= 1. Received: units={units!r}")
        self.units = units
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.dense = layers.Dense(2 * units, name="mean_and_log_variance")

    def build(self, input_shape):
        self.dense.build(input_shape)

    def call(self, embedding, training=False):
        mean, log_variance = ops.split(self.dense(embedding), 2, axis=-1)
        condition = mean
        if training:
            noise = keras.random.normal(ops.shape(mean), dtype=mean.dtype, seed=self.seed_generator)
            condition = mean + ops.exp(0.5 * log_variance) * noise
        return condition, kl_divergence(mean, log_variance) / self.units

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units), tuple(input_shape[:-1])

    def get_config(self):
        return {**super().get_config(), "units": self.units, "seed": self.seed}


@keras.saving.register_keras_serializable(package="kgan")
class ResidualRefinement(keras.layers.Layer):
    """`(base, residual)` to `tanh(atanh(base) + residual)`: G1's image as a correction of the enlarged stage-I
    image, added before the tanh (base clipped just inside (-1, 1)). With a zero residual, stage II starts as
    stage I enlarged.

    Args:
        limit: if given, the correction is `limit * tanh(residual / limit)`: the same near zero, never beyond
            `limit`, so G1 can sharpen G0's strokes but not draw or erase whole ones. None: unbounded.
    """

    def __init__(self, limit=None, **kwargs):
        super().__init__(**kwargs)
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, (int, float)) or not 0 < limit < float("inf")
        ):
            raise ValueError(f"`limit` must be None or a finite number > 0. Received: limit={limit!r}")
        self.limit = None if limit is None else float(limit)

    def call(self, inputs):
        base, residual = inputs
        base = ops.clip(ops.cast(base, residual.dtype), -0.999, 0.999)
        if self.limit is not None:
            residual = self.limit * ops.tanh(residual / self.limit)
        return ops.tanh(ops.arctanh(base) + residual)

    def compute_output_shape(self, input_shape):
        return input_shape[1]

    def get_config(self):
        return {**super().get_config(), "limit": self.limit}


def _check(name, value, minimum=1):
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"`{name}` must be an int >= {minimum}. Received: {name}={value!r}")


def build_text_encoder(vectorizer, embedding_dim=32, text_dim=64, name="text_encoder"):
    """Captions to text embeddings: a `(batch,)` string input to `(batch, text_dim)` floats.

    Args:
        vectorizer: an adapted `keras.layers.TextVectorization` (`kgan.data.captions.caption_vectorizer`).
        embedding_dim: the size of the word vectors.
        text_dim: the size of the text embedding.
        name: the model's name.
    """
    _check("embedding_dim", embedding_dim)
    _check("text_dim", text_dim)
    vocabulary_size = vectorizer.vocabulary_size()
    if vocabulary_size <= 2:
        raise ValueError(f"The vectorizer must be adapted first. Received: vocabulary_size={vocabulary_size}")
    text = keras.Input(shape=(), dtype="string", name="text")
    tokens = vectorizer(text)
    words = layers.Embedding(vocabulary_size, embedding_dim, mask_zero=True, name="word_embedding")(tokens)
    pooled = layers.GlobalAveragePooling1D(name="mean_of_words")(words)
    embedding = layers.Dense(text_dim)(pooled)
    # Unit scale from the first step: the conditioning augmentation then sees the caption, not a faint signal
    # under its unit noise, and D and G learn to use it at once.
    embedding = layers.LayerNormalization(name="text_embedding")(embedding)
    return keras.Model(text, embedding, name=name)


def _tiled(condition, height, width):
    """`(batch, c)` to `(batch, height, width, c)`: the condition at every position (the paper's replication)."""
    tiled = layers.Reshape((1, 1, condition.shape[-1]))(condition)
    return layers.UpSampling2D((height, width))(tiled)


def build_stage1_generator(latent_dim, text_dim, image_shape=(14, 14, 1), condition_dim=16, filters=64, seed=None):
    """G0: `(latent, text embedding)` to `(images, kl)`, images of `image_shape` in [-1, 1].

    The condition (`ConditioningAugmentation`) joins z, a dense layer gives a `H/2 x W/2` map, and one transposed
    convolution doubles it (DCGAN-like, as the paper's upsampling blocks).

    Args:
        latent_dim: the size of z.
        text_dim: the size of the text embedding.
        image_shape: `(height, width, channels)` of the stage-I images; height and width even.
        condition_dim: the conditioning augmentation's size.
        filters: filters of the first feature map.
        seed: seed of the conditioning augmentation's draws.
    """
    for name, value in (("latent_dim", latent_dim), ("text_dim", text_dim)):
        _check(name, value)
    _check("condition_dim", condition_dim)
    _check("filters", filters, 2)
    height, width, channels = _image_shape(image_shape, 2)
    latent = keras.Input((latent_dim,), name="latent")
    text = keras.Input((text_dim,), name="text_embedding")
    condition, kl = ConditioningAugmentation(condition_dim, seed=seed, name="conditioning")(text)
    x = layers.Concatenate()([latent, condition])
    x = layers.Dense(height // 2 * width // 2 * filters, use_bias=False)(x)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.Reshape((height // 2, width // 2, filters))(x)
    x = layers.Conv2DTranspose(filters // 2, 4, strides=2, padding="same", use_bias=False)(x)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    images = layers.Conv2D(channels, 3, padding="same", activation="tanh", dtype="float32", name="images")(x)
    return keras.Model([latent, text], [images, layers.Identity(name="kl")(kl)], name="stage1_generator")


def build_stage2_generator(
    low_shape, text_dim, condition_dim=16, filters=64, residual_blocks=2, upsamples=1, correction_limit=1.0, seed=None
):
    """G1: `(stage-I images, text embedding)` to `(images, kl)`, images `2 ** upsamples` times larger.

    The stage-I image is encoded down once, joined with G1's own condition, refined by residual blocks and
    upsampled `upsamples + 1` times (the paper's stage-II generator, smaller). Unlike the paper's, its output is
    a correction of the stage-I image enlarged (`ResidualRefinement`): a G1 this small otherwise learns to
    ignore its input and draws one digit for every caption. The correction is bounded (`correction_limit`, before
    the tanh), so G1 sharpens the digit G0 drew instead of drifting to another as it trains.

    Args:
        low_shape: `(height, width, channels)` of the stage-I images; height and width even.
        text_dim: the size of the text embedding.
        condition_dim: the conditioning augmentation's size.
        filters: filters of the encoded map.
        residual_blocks: residual blocks at the encoded resolution.
        upsamples: how many times the output doubles the stage-I size.
        correction_limit: the bound of G1's correction (`ResidualRefinement`'s `limit`); None: unbounded.
        seed: seed of the conditioning augmentation's draws.
    """
    _check("text_dim", text_dim)
    _check("condition_dim", condition_dim)
    _check("filters", filters, 2)
    _check("residual_blocks", residual_blocks, 0)
    _check("upsamples", upsamples)
    height, width, channels = _image_shape(low_shape, 2)
    low = keras.Input((height, width, channels), name="stage1_images")
    text = keras.Input((text_dim,), name="text_embedding")
    condition, kl = ConditioningAugmentation(condition_dim, seed=seed, name="conditioning")(text)
    x = layers.Conv2D(filters, 4, strides=2, padding="same")(low)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Concatenate()([x, _tiled(condition, height // 2, width // 2)])
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    for _ in range(residual_blocks):
        y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        y = layers.ReLU()(layers.BatchNormalization()(y))
        y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(y)
        x = layers.ReLU()(layers.Add()([x, layers.BatchNormalization()(y)]))
    width_filters = filters
    for _ in range(upsamples + 1):
        width_filters = max(width_filters // 2, 8)
        x = layers.Conv2DTranspose(width_filters, 4, strides=2, padding="same", use_bias=False)(x)
        x = layers.ReLU()(layers.BatchNormalization()(x))
    residual = layers.Conv2D(channels, 3, padding="same", kernel_initializer="zeros", dtype="float32")(x)
    enlarged = layers.UpSampling2D(2**upsamples, interpolation="bilinear")(low)
    images = ResidualRefinement(correction_limit, dtype="float32", name="images")([enlarged, residual])
    return keras.Model([low, text], [images, layers.Identity(name="kl")(kl)], name="stage2_generator")


def build_matching_discriminator(image_shape, text_dim, filters=32, downsamples=2, text_units=16, name=None):
    """D0 or D1: `(images, text embedding)` to one logit per image, real and matching the text or not.

    Stride-2 convolutions bring the image down `downsamples` times; the text embedding, compressed to
    `text_units`, is tiled over that map and joined to it, and a 1 x 1 convolution and a dense layer judge the
    pair (the paper's matching-aware discriminator).

    Args:
        image_shape: `(height, width, channels)`; height and width multiples of `2 ** downsamples`.
        text_dim: the size of the text embedding.
        filters: filters of the first convolution, doubled at each further one.
        downsamples: stride-2 convolutions.
        text_units: the compressed text's size.
        name: the model's name (default: `discriminator_<height>`).
    """
    _check("text_dim", text_dim)
    _check("filters", filters)
    _check("downsamples", downsamples)
    _check("text_units", text_units)
    height, width, channels = _image_shape(image_shape, 2**downsamples)
    images = keras.Input((height, width, channels), name="images")
    text = keras.Input((text_dim,), name="text_embedding")
    x = images
    width_filters = filters
    for i in range(downsamples):
        x = layers.Conv2D(width_filters, 4, strides=2, padding="same", use_bias=i == 0)(x)
        if i:
            x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
        width_filters *= 2
    compressed = layers.LeakyReLU(0.2)(layers.Dense(text_units, name="compressed_text")(text))
    x = layers.Concatenate()([x, _tiled(compressed, height // 2**downsamples, width // 2**downsamples)])
    x = layers.Conv2D(width_filters // 2, 1, use_bias=False)(x)
    x = layers.LeakyReLU(0.2)(layers.BatchNormalization()(x))
    logits = layers.Dense(1, dtype="float32", name="logit")(layers.Flatten()(x))
    return keras.Model([images, text], logits, name=name or f"discriminator_{height}")


def _image_shape(image_shape, multiple):
    shape = tuple(image_shape)
    if len(shape) != 3 or not all(isinstance(d, int) and d > 0 for d in shape):
        raise ValueError(f"`image_shape` must be (height, width, channels). Received: image_shape={image_shape!r}")
    if shape[0] % multiple or shape[1] % multiple:
        raise ValueError(f"The image height and width must be multiples of {multiple}. Received: image_shape={shape}")
    return shape


# Named sizes: the generators' and discriminators' first filters, the text embedding, the conditions, G1's blocks.
NETWORK_SIZES = {
    "standard": dict(filters=64, discriminator_filters=32, text_dim=64, condition_dim=16, residual_blocks=2),
    "small": dict(filters=16, discriminator_filters=8, text_dim=16, condition_dim=4, residual_blocks=1),
}


def build_stackgan_networks(
    vectorizer, image_shape=(28, 28, 1), latent_dim=32, size="standard", correction_limit=1.0, seed=None
):
    """The five networks of a StackGAN for `image_shape` images: `(text_encoder, g0, d0, g1, d1)`.

    Stage I works at half the size (14 x 14 for 28 x 28 digits), stage II at the full size.

    Args:
        vectorizer: an adapted `TextVectorization` (`kgan.data.captions.caption_vectorizer`).
        image_shape: the final images' `(height, width, channels)`; height and width multiples of 4.
        latent_dim: the size of z.
        size: one of `NETWORK_SIZES`.
        correction_limit: the bound of G1's correction of G0's enlarged image (`build_stage2_generator`).
        seed: seed of the conditioning augmentations' draws.
    """
    if size not in NETWORK_SIZES:
        raise ValueError(f"`size` must be one of {sorted(NETWORK_SIZES)}. Received: size={size!r}")
    height, width, channels = _image_shape(image_shape, 4)
    low_shape = (height // 2, width // 2, channels)
    s = NETWORK_SIZES[size]
    text_dim, condition_dim, d_filters = s["text_dim"], s["condition_dim"], s["discriminator_filters"]
    second = None if seed is None else seed + 1
    return (
        build_text_encoder(vectorizer, embedding_dim=text_dim // 2, text_dim=text_dim),
        build_stage1_generator(latent_dim, text_dim, low_shape, condition_dim, s["filters"], seed=seed),
        build_matching_discriminator(low_shape, text_dim, d_filters, 1, name="stage1_discriminator"),
        build_stage2_generator(
            low_shape,
            text_dim,
            condition_dim,
            s["filters"],
            s["residual_blocks"],
            upsamples=1,
            correction_limit=correction_limit,
            seed=second,
        ),
        build_matching_discriminator(image_shape, text_dim, d_filters, 2, name="stage2_discriminator"),
    )
