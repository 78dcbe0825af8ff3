"""Progressive growing of GANs (Karras et al. 2018, arXiv 1710.10196): its two networks (layers: `pggan_layers`).

The networks are built once at the final resolution with every block (the
paper's "linear" structure, `networks.py` of tkarras/progressive_growing_of_gans):
G computes an image at each resolution (7 -> 14 -> 28 for MNIST, 4 -> 8 -> ...
otherwise) and fades each into the next, upsampled (nearest); D reads the
image at each resolution (average pooling) and fades each block in the same
way. How far the networks have grown is one number, the `level` held by the
network's `ProgressiveLevel` layer: `stage - 1 + alpha` once a block fades in,
so level 0 is the first resolution alone and level `k` resolution `k` alone.
Shapes are static, so the one train step, XLA, tf.distribute and the export
work as for any other network. `stage_networks` wires the same layers into
one G and D per stage that leave out the blocks not yet grown, for training.
"""

import math

import keras
from keras import layers, ops

from kgan.core.layers import CategoricalCode, check_categories
from kgan.core.spec import MAX_LATENT_DIM
from kgan.core.utils import check_positive_int
from kgan.models.dcgan import _check_image_shape
from kgan.models.pggan_layers import (
    EqualizedConv2D,
    EqualizedDense,
    Fade,
    MinibatchStdDev,
    PixelNorm,
    ProgressiveLevel,
    _Equalized,
)

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


class _Layers:
    """`layer(cls, name, *args, **kwargs)`: `network`'s layer `name` if a network is given (a stage of it), else a new
    `cls(*args, name=name, **kwargs)` (equalised layers get seeds `seed`, `seed + 1`, ...; `None`: Keras' global seed).
    """

    def __init__(self, network=None, seed=None):
        self.network = network
        self.layers = {} if network is None else {layer.name: layer for layer in network.layers}
        self.seed, self.seeds_used = seed, 0

    def __call__(self, cls, name, *args, **kwargs):
        if name not in self.layers:
            if self.network is not None:
                raise ValueError(
                    "PGGAN's stages are wired from the layers of kgan.models.build_pggan_generator and "
                    f"build_pggan_discriminator. Received: {self.network.name!r} without a layer {name!r}"
                )
            if issubclass(cls, _Equalized):
                kwargs["seed"] = None if self.seed is None else self.seed + self.seeds_used
                self.seeds_used += 1
            self.layers[name] = cls(*args, name=name, **kwargs)
        return self.layers[name]


def _conv_act_norm(x, layer, name, filters, *, kernel_size=3, pixel_norm=True):
    x = layer(EqualizedConv2D, f"{name}_conv", filters, kernel_size)(x)
    x = layer(layers.LeakyReLU, f"{name}_lrelu", 0.2)(x)
    return layer(PixelNorm, f"{name}_norm")(x) if pixel_norm else x


def _generator_graph(latent, layer, sizes, channels, top, filters, categories=None):
    """G's graph up to stage `top`, its image upsampled (nearest) to the final size; `layer` gives the layers."""
    level = layer(ProgressiveLevel, "level", len(sizes))(latent)
    (h0, w0), f0 = sizes[0], filters[0]
    x = latent
    if categories is not None:  # InfoGAN's code, read from the latent vector (kgan.variants.PGGAN's `categories`)
        x = layer(CategoricalCode, "categorical_code", categories)(x)
    x = layer(PixelNorm, "latent_norm")(x)
    # The paper's stem gain, sqrt(2) / 4, keeps its 4x4 map's scale as a 3x3 conv's.
    x = layer(EqualizedDense, "stem_dense", h0 * w0 * f0, gain=math.sqrt(2.0) / 4)(x)
    x = layer(layers.Reshape, "stem_reshape", (h0, w0, f0))(x)
    x = layer(layers.LeakyReLU, "stem_dense_lrelu", 0.2)(x)
    x = layer(PixelNorm, "stem_dense_norm")(x)
    x = _conv_act_norm(x, layer, "stem", f0)
    images = layer(EqualizedConv2D, "to_rgb0", channels, 1, gain=1.0)(x)
    for k in range(1, top + 1):
        x = layer(layers.UpSampling2D, f"block{k}_upsample", 2, interpolation="nearest")(x)
        x = _conv_act_norm(x, layer, f"block{k}_1", filters[k])
        x = _conv_act_norm(x, layer, f"block{k}_2", filters[k])
        new = layer(EqualizedConv2D, f"to_rgb{k}", channels, 1, gain=1.0)(x)
        old = layer(layers.UpSampling2D, f"rgb{k - 1}_upsample", 2, interpolation="nearest")(images)
        images = layer(Fade, f"fade{k}", k)([old, new, level])
    if top < len(sizes) - 1:
        factor = 2 ** (len(sizes) - 1 - top)
        images = layers.UpSampling2D(factor, interpolation="nearest", name=f"stage{top}_upsample")(images)
    return layer(layers.Activation, "images", "tanh", dtype="float32")(images)


def build_pggan_generator(
    latent_dim=64,
    image_shape=(28, 28, 1),
    *,
    base_filters=64,
    min_filters=16,
    categorical_code=None,
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
        categorical_code: if set, the number of categories of an InfoGAN
            code read from the latent vector's first entries, before the
            pixel norm (`kgan.core.layers.CategoricalCode`; kgan's addition
            to the paper, trained by `kgan.variants.PGGAN(categories=...)`).
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
    _check_code(categorical_code, latent_dim)
    channels = _check_image_shape(image_shape)[2]
    sizes = progressive_resolutions(image_shape)
    filters = stage_filters(len(sizes), base_filters, min_filters)
    latent = keras.Input((latent_dim,), name="latent")
    layer = _Layers(seed=seed)
    images = _generator_graph(latent, layer, sizes, channels, len(sizes) - 1, filters, categorical_code)
    return keras.Model(latent, images, name=name)


def _check_code(categories, latent_dim=None):
    """Refuses a code size that is not an integer in `[2, latent_dim]` (None: no code) before a layer is built."""
    if categories is not None:
        check_categories(categories, latent_dim)


def _discriminator_graph(inputs, layer, sizes, top, filters, group_size=None, categories=None):
    """D's graph from the images average-pooled to stage `top`'s resolution; `layer` gives the layers."""
    level = layer(ProgressiveLevel, "level", len(sizes))(inputs)
    images = inputs
    for k in range(len(sizes) - 2, top - 1, -1):  # down to stage `top`'s resolution (none for the full D)
        images = layer(layers.AveragePooling2D, f"images{k}", 2)(images)
    x = _from_rgb(images, layer, top, filters[top])
    for k in range(top, 0, -1):
        x = _conv_act_norm(x, layer, f"block{k}_1", filters[k], pixel_norm=False)
        x = _conv_act_norm(x, layer, f"block{k}_2", filters[k - 1], pixel_norm=False)
        new = layer(layers.AveragePooling2D, f"block{k}_downsample", 2)(x)
        images = layer(layers.AveragePooling2D, f"images{k - 1}", 2)(images)
        old = _from_rgb(images, layer, k - 1, filters[k - 1])
        x = layer(Fade, f"fade{k}", k)([old, new, level])
    x = layer(MinibatchStdDev, "minibatch_stddev", group_size)(x)
    x = _conv_act_norm(x, layer, "final", filters[0], pixel_norm=False)
    x = layer(layers.Flatten, "final_flatten")(x)
    x = layer(EqualizedDense, "final_dense", filters[0])(x)
    x = layer(layers.LeakyReLU, "final_dense_lrelu", 0.2)(x)
    score = layer(EqualizedDense, "score", 1, gain=1.0, dtype="float32")(x)
    if categories is None:
        return score
    # InfoGAN's Q head on the features the score reads: one D call gives both.
    return [score, layer(EqualizedDense, "code", categories, gain=1.0, dtype="float32")(x)]


def build_pggan_discriminator(
    image_shape=(28, 28, 1),
    *,
    base_filters=64,
    min_filters=16,
    group_size=4,
    categorical_code=None,
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
        categorical_code: if set, a second head, InfoGAN's Q (`code`: this
            many logits, linear, on the features of `score`), for a G built
            with the same `categorical_code`.
        seed: seed of the initializers.
        name: model name.

    Returns:
        A functional `keras.Model` from images to a logit `(batch, 1)` (with
        the code: to `[logit (batch, 1), code logits (batch, categories)]`),
        with a `ProgressiveLevel` layer named `level` (built at level 0).
    """
    _check_image_shape(image_shape)
    _check_code(categorical_code)
    sizes = progressive_resolutions(image_shape)
    filters = stage_filters(len(sizes), base_filters, min_filters)
    inputs = keras.Input(tuple(image_shape), name="images")
    layer = _Layers(seed=seed)
    outputs = _discriminator_graph(inputs, layer, sizes, len(sizes) - 1, filters, group_size, categorical_code)
    return keras.Model(inputs, outputs, name=name)


def _from_rgb(images, layer, k, filters):
    x = layer(EqualizedConv2D, f"from_rgb{k}", filters, 1)(images)
    return layer(layers.LeakyReLU, f"from_rgb{k}_lrelu", 0.2)(x)


def stage_networks(generator, discriminator):
    """G and D computing up to each stage, sharing their layers: `(generators, discriminators)`, one per stage.

    Stage `k`'s G runs the blocks up to resolution `k` and upsamples (nearest)
    its image to the final size; its D average-pools the images to resolution
    `k` and runs the blocks from there. At any level up to `k` they compute
    what the full networks do, without the faded-out blocks above `k`. G's
    code and D's Q head, if they have them, are in every stage.

    Raises:
        ValueError: for networks not built by `build_pggan_generator` and
            `build_pggan_discriminator`.
    """
    sizes = progressive_resolutions(generator.output_shape[1:])
    filters = (1,) * len(sizes)  # not read: every layer exists
    g_layers, d_layers = _Layers(generator).layers, _Layers(discriminator).layers
    code = g_layers["categorical_code"].categories if "categorical_code" in g_layers else None
    q_head = d_layers["code"].units if "code" in d_layers else None
    generators, discriminators = [], []
    for top in range(len(sizes)):
        latent = keras.Input(generator.input_shape[1:], name="latent")
        channels = generator.output_shape[-1]
        images = _generator_graph(latent, _Layers(generator), sizes, channels, top, filters, code)
        generators.append(keras.Model(latent, images, name=f"{generator.name}_stage{top}"))
        inputs = keras.Input(discriminator.input_shape[1:], name="images")
        outputs = _discriminator_graph(inputs, _Layers(discriminator), sizes, top, filters, categories=q_head)
        discriminators.append(keras.Model(inputs, outputs, name=f"{discriminator.name}_stage{top}"))
    return tuple(generators), tuple(discriminators)
