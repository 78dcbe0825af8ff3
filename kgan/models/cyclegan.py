"""CycleGAN's networks (Zhu et al. 2017, arXiv 1703.10593, appendix 7.2), sized for small images.

- `build_resnet_generator`: an image-to-image generator: a 7 x 7 stem, `downsamples` stride-2 convolutions,
  `residual_blocks` residual blocks, as many stride-2 transposed convolutions, and a 7 x 7 tanh output. The
  paper's is `c7s1-64, d128, d256, R256 x 9, u128, u64, c7s1-3` (`filters=64, residual_blocks=9`) for 256 x 256
  images; `GENERATOR_SIZES` holds kgan's smaller ones for 28 x 28 digits.
- `build_patch_discriminator`: a PatchGAN: stride-2 4 x 4 convolutions, one stride-1, and a one-channel map of
  per-patch verdicts (the paper's 70 x 70 PatchGAN is `C64-C128-C256-C512`, `filters=64, layers=3`).

Both use instance normalisation (`GroupNormalization(groups=-1)`: one group per channel) as the paper does, and
zero padding where the paper reflects (Keras has no reflection-padding layer).
"""

import keras
from keras import layers

# Named generator sizes: `filters` at the input resolution (doubled at each downsampling) and residual blocks.
GENERATOR_SIZES = {
    "standard": dict(filters=32, residual_blocks=6),
    "small": dict(filters=16, residual_blocks=3),
}


def _norm():
    return layers.GroupNormalization(groups=-1, epsilon=1e-5)


def _check(name, value, minimum):
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"`{name}` must be an int >= {minimum}. Received: {name}={value!r}")


def _check_image_shape(image_shape, downsamples):
    shape = tuple(image_shape)
    if len(shape) != 3 or not all(isinstance(d, int) and d > 0 for d in shape):
        raise ValueError(f"`image_shape` must be (height, width, channels). Received: image_shape={image_shape!r}")
    factor = 2**downsamples
    if shape[0] % factor or shape[1] % factor:
        raise ValueError(
            f"The image height and width must be multiples of {factor} ({downsamples} downsamplings). "
            f"Received: image_shape={shape}"
        )
    return shape


def build_resnet_generator(image_shape, filters=32, residual_blocks=6, downsamples=2, name="generator"):
    """CycleGAN's ResNet generator: images `(batch, H, W, C)` in [-1, 1] to images of the same shape.

    Args:
        image_shape: `(height, width, channels)`; height and width multiples of `2 ** downsamples`.
        filters: filters of the stem; each downsampling doubles them.
        residual_blocks: residual blocks (two 3 x 3 convolutions each) at the lowest resolution.
        downsamples: stride-2 convolutions down (and transposed convolutions back up).
        name: the model's name.

    Returns:
        A functional `keras.Model` with input `images` and a tanh output.
    """
    _check("filters", filters, 1)
    _check("residual_blocks", residual_blocks, 0)
    _check("downsamples", downsamples, 0)
    shape = _check_image_shape(image_shape, downsamples)
    inputs = keras.Input(shape, name="images")
    x = layers.Conv2D(filters, 7, padding="same", use_bias=False)(inputs)
    x = layers.ReLU()(_norm()(x))
    width = filters
    for _ in range(downsamples):
        width *= 2
        x = layers.Conv2D(width, 3, strides=2, padding="same", use_bias=False)(x)
        x = layers.ReLU()(_norm()(x))
    for _ in range(residual_blocks):
        y = layers.Conv2D(width, 3, padding="same", use_bias=False)(x)
        y = layers.ReLU()(_norm()(y))
        y = layers.Conv2D(width, 3, padding="same", use_bias=False)(y)
        x = layers.Add()([x, _norm()(y)])
    for _ in range(downsamples):
        width //= 2
        x = layers.Conv2DTranspose(width, 3, strides=2, padding="same", use_bias=False)(x)
        x = layers.ReLU()(_norm()(x))
    outputs = layers.Conv2D(shape[-1], 7, padding="same", activation="tanh", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=name)


def build_patch_discriminator(image_shape, filters=64, layers_down=2, name="discriminator"):
    """A PatchGAN discriminator: images to a `(batch, h, w, 1)` map of linear verdicts, one per patch.

    Args:
        image_shape: `(height, width, channels)`.
        filters: filters of the first convolution, doubled at each further one.
        layers_down: stride-2 4 x 4 convolutions (the first without normalisation); then one stride-1
            convolution and the one-channel output convolution.
        name: the model's name.
    """
    _check("filters", filters, 1)
    _check("layers_down", layers_down, 1)
    shape = _check_image_shape(image_shape, 0)
    inputs = keras.Input(shape, name="images")
    x = inputs
    width = filters
    for i in range(layers_down):
        x = layers.Conv2D(width, 4, strides=2, padding="same", use_bias=i == 0)(x)
        if i:
            x = _norm()(x)
        x = layers.LeakyReLU(0.2)(x)
        width *= 2
    x = layers.Conv2D(width, 4, padding="same", use_bias=False)(x)
    x = layers.LeakyReLU(0.2)(_norm()(x))
    outputs = layers.Conv2D(1, 4, padding="same", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=name)


def build_cyclegan_networks(image_shape_a, image_shape_b=None, size="standard", discriminator_filters=None):
    """The four networks of a CycleGAN: `(generator_ab, generator_ba, discriminator_a, discriminator_b)`.

    Args:
        image_shape_a: domain A's `(height, width, channels)`.
        image_shape_b: domain B's (default: A's); it must equal A's (convert the channels of one domain,
            `kgan.data.domains.load_domain(..., channels=...)`).
        size: one of `GENERATOR_SIZES`.
        discriminator_filters: the PatchGANs' first filters (default: twice the generator's).
    """
    if size not in GENERATOR_SIZES:
        raise ValueError(f"`size` must be one of {sorted(GENERATOR_SIZES)}. Received: size={size!r}")
    shape_a = tuple(image_shape_a)
    shape_b = shape_a if image_shape_b is None else tuple(image_shape_b)
    if shape_a != shape_b:
        raise ValueError(
            f"Both domains need the same image shape. Received: image_shape_a={shape_a}, image_shape_b={shape_b}"
        )
    settings = GENERATOR_SIZES[size]
    d_filters = discriminator_filters or 2 * settings["filters"]

    return (
        build_resnet_generator(shape_a, **settings, name="generator_ab"),
        build_resnet_generator(shape_a, **settings, name="generator_ba"),
        build_patch_discriminator(shape_a, d_filters, name="discriminator_a"),
        build_patch_discriminator(shape_b, d_filters, name="discriminator_b"),
    )
