"""Multilayer-perceptron generators and discriminators: the MLPs of lectures 000, 002 and 003.

One generic builder per network (`build_mlp_generator`,
`build_mlp_discriminator`); the lecture networks are functions that call them
with the lecture's values as defaults, so a test can pin each one to its
lecture definition. Image-shaped data is flattened on the way into D and
reshaped on the way out of G, so the MNIST MLPs plug into the image pipeline,
the callbacks and the export like the DCGANs.
"""

import math

import keras
from keras import layers

from kgan.core import layers as kgan_layers
from kgan.core.spec import MAX_LATENT_DIM
from kgan.core.utils import check_bool, check_positive_int

HEADS = ("logit", "sigmoid")


def _shape(shape, name):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if not shape or not all(isinstance(d, int) and d > 0 for d in shape):
        raise ValueError(f"`{name}` must be a positive integer or a shape of them. Received: {name}={shape!r}")
    return shape


def _activation(x, activation, negative_slope, name):
    if activation == "leaky_relu":
        return layers.LeakyReLU(negative_slope, name=name)(x)
    return layers.Activation(activation, name=name)(x)


def build_mlp_generator(
    latent_dim,
    output_shape,
    *,
    hidden_units=(128,),
    activation="leaky_relu",
    negative_slope=0.2,
    dropout=0.0,
    output_activation="tanh",
    num_classes=None,
    label_embedding_dim=10,
    seed=None,
    name="generator",
):
    """Builds an MLP generator: latent vector (and label) -> Dense blocks -> `output_shape`.

    Args:
        latent_dim: size of the latent vector.
        output_shape: an int (vectors) or a shape such as `(28, 28, 1)`; the
            last Dense layer has `prod(output_shape)` units and is reshaped.
        hidden_units: units of each hidden Dense layer.
        activation: hidden activation: `"leaky_relu"` or any Keras name (`"selu"`, `"elu"`, ...).
        negative_slope: slope of LeakyReLU.
        dropout: dropout rate after each hidden activation (0: none).
        output_activation: activation of the output layer (`"tanh"`, `"selu"`, `None`).
        num_classes: if set, the generator is conditional (lecture 003): it
            takes `[latent, labels]` and concatenates the latent vector with a
            learned `label_embedding_dim`-dimensional embedding of the label.
        label_embedding_dim: size of the label embedding.
        seed: seed of the initializers.
        name: model name.

    Returns:
        A functional `keras.Model`.
    """
    check_positive_int("latent_dim", latent_dim, MAX_LATENT_DIM)
    output_shape = _shape(output_shape, "output_shape")
    latent = keras.Input((latent_dim,), name="latent")
    inputs, x = [latent], latent
    if num_classes is not None:
        check_positive_int("num_classes", num_classes)
        labels = keras.Input((1,), dtype="int32", name="labels")
        inputs.append(labels)
        # N(0, 1) as PyTorch's nn.Embedding in lecture 003: Keras' U(-0.05, 0.05) start is so small next to
        # the latent that G learns to ignore the label.
        normal = keras.initializers.RandomNormal(0.0, 1.0, seed=seed)
        embedding = layers.Embedding(
            num_classes, label_embedding_dim, name="label_embedding", embeddings_initializer=normal
        )(labels)
        embedding = layers.Flatten(name="label_embedding_flat")(embedding)
        x = layers.Concatenate(name="latent_and_label")([latent, embedding])
    init = keras.initializers.GlorotUniform(seed=seed)
    for i, units in enumerate(hidden_units, start=1):
        x = layers.Dense(units, kernel_initializer=init, name=f"dense_{i}")(x)
        x = _activation(x, activation, negative_slope, f"act_{i}")
        if dropout:
            x = kgan_layers.Dropout(dropout, seed=seed, name=f"dropout_{i}")(x)
    x = layers.Dense(
        math.prod(output_shape), activation=output_activation, kernel_initializer=init, dtype="float32", name="output"
    )(x)
    if len(output_shape) > 1:
        x = layers.Reshape(output_shape, name="to_image")(x)
    return keras.Model(inputs if len(inputs) > 1 else latent, x, name=name)


def build_mlp_discriminator(
    input_shape,
    *,
    hidden_units=(128,),
    activation="leaky_relu",
    negative_slope=0.2,
    dropout=0.0,
    head="sigmoid",
    num_classes=None,
    label_embedding_dim=10,
    spectral_norm=False,
    seed=None,
    name="discriminator",
):
    """Builds an MLP discriminator: sample (and label) -> Dense blocks -> one score.

    Args:
        input_shape: an int (vectors) or a shape such as `(28, 28, 1)`, flattened first.
        hidden_units: units of each hidden Dense layer.
        activation: hidden activation: `"leaky_relu"` or any Keras name.
        negative_slope: slope of LeakyReLU.
        dropout: dropout rate after each hidden activation (0: none).
        head: `"sigmoid"` (Dense(1, sigmoid), the lectures) or `"logit"` (Dense(1)).
        num_classes: if set, D is conditional (lecture 003): it takes
            `[samples, labels]` and concatenates the flattened sample with a
            learned embedding of the label.
        label_embedding_dim: size of the label embedding.
        spectral_norm: whether to wrap every Dense, the head included, in
            `keras.layers.SpectralNormalization` (Miyato et al. 2018,
            "Spectral Normalization for Generative Adversarial Networks"),
            named `<layer>_sn`. A sigmoid head then becomes a linear Dense
            followed by an `Activation` layer `score_activation`, so
            `kgan.GAN` still reads D's logits. The label embedding is not
            normalised.
        seed: seed of the initializers.
        name: model name.

    Returns:
        A functional `keras.Model` with output `(batch, 1)`.
    """
    input_shape = _shape(input_shape, "input_shape")
    if head not in HEADS:
        raise ValueError(f"`head` must be one of {HEADS}. Received: head={head!r}")
    check_bool("spectral_norm", spectral_norm)
    samples = keras.Input(input_shape, name="images" if len(input_shape) > 1 else "samples")
    inputs = [samples]
    x = layers.Flatten(name="flatten")(samples) if len(input_shape) > 1 else samples
    if num_classes is not None:
        check_positive_int("num_classes", num_classes)
        labels = keras.Input((1,), dtype="int32", name="labels")
        inputs.append(labels)
        # N(0, 1) as PyTorch's nn.Embedding in lecture 003: Keras' U(-0.05, 0.05) start is so small next to
        # the latent that G learns to ignore the label.
        normal = keras.initializers.RandomNormal(0.0, 1.0, seed=seed)
        embedding = layers.Embedding(
            num_classes, label_embedding_dim, name="label_embedding", embeddings_initializer=normal
        )(labels)
        embedding = layers.Flatten(name="label_embedding_flat")(embedding)
        x = layers.Concatenate(name="sample_and_label")([x, embedding])
    init = keras.initializers.GlorotUniform(seed=seed)
    for i, units in enumerate(hidden_units, start=1):
        dense = layers.Dense(units, kernel_initializer=init, name=f"dense_{i}")
        x = kgan_layers.spectral_normalized(dense, spectral_norm)(x)
        x = _activation(x, activation, negative_slope, f"act_{i}")
        if dropout:
            x = kgan_layers.Dropout(dropout, seed=seed, name=f"dropout_{i}")(x)
    x = kgan_layers.discriminator_head(
        x, 1, "sigmoid" if head == "sigmoid" else None, spectral_norm=spectral_norm, kernel_initializer=init
    )
    return keras.Model(inputs if len(inputs) > 1 else samples, x, name=name)


def build_lecture000_generator(input_size=50, hidden_size=150, output_size=10, *, seed=None):
    """Lecture 000's generator: Linear-SELU, Linear-SELU, Linear-SELU (SELU on the output too).

    Defaults are the values of the lecture's example 1 (latent 50, hidden
    150, vectors of length 10); `output_size` is the length of a data vector
    (2 for the points-on-a-line example).
    """
    return build_mlp_generator(
        input_size,
        output_size,
        hidden_units=(hidden_size, hidden_size),
        activation="selu",
        output_activation="selu",
        seed=seed,
        name="generator",
    )


def build_lecture000_discriminator(input_size=10, hidden_size=75, *, seed=None):
    """Lecture 000's discriminator: Linear-ELU, Linear-ELU, Linear-Sigmoid (hidden 75, output 1)."""
    return build_mlp_discriminator(
        input_size,
        hidden_units=(hidden_size, hidden_size),
        activation="elu",
        head="sigmoid",
        seed=seed,
        name="discriminator",
    )


def build_lecture002_generator(latent_dim=100, image_shape=(28, 28, 1), *, seed=None):
    """Lecture 002's MLP generator on MNIST (Raschka's `gan-mlp-mnist`, the lecture's full code example 1).

    Linear(latent, 128), LeakyReLU (PyTorch's default slope 0.01), Dropout(0.5),
    Linear(128, 784), Tanh, reshaped to the image.
    """
    return build_mlp_generator(
        latent_dim,
        image_shape,
        hidden_units=(128,),
        negative_slope=0.01,
        dropout=0.5,
        output_activation="tanh",
        seed=seed,
        name="generator",
    )


def build_lecture002_discriminator(image_shape=(28, 28, 1), *, seed=None):
    """Lecture 002's MLP discriminator.

    Flatten, Linear(784, 128), LeakyReLU(0.01), Dropout(0.5), Linear(128, 1), Sigmoid.
    """
    return build_mlp_discriminator(
        image_shape,
        hidden_units=(128,),
        negative_slope=0.01,
        dropout=0.5,
        head="sigmoid",
        seed=seed,
        name="discriminator",
    )


def build_lecture003_generator(latent_dim=100, image_shape=(28, 28, 1), num_classes=10, *, seed=None):
    """Lecture 003's MLP cGAN generator: [z (100), Embedding(10, 10)(label)] -> 110-256-512-1024-784.

    LeakyReLU(0.2) after each hidden layer, Tanh on the output, reshaped to the image.
    """
    return build_mlp_generator(
        latent_dim,
        image_shape,
        hidden_units=(256, 512, 1024),
        negative_slope=0.2,
        output_activation="tanh",
        num_classes=num_classes,
        label_embedding_dim=10,
        seed=seed,
        name="generator",
    )


def build_lecture003_discriminator(image_shape=(28, 28, 1), num_classes=10, *, seed=None):
    """Lecture 003's MLP cGAN discriminator: [flattened image (784), Embedding(10, 10)(label)] -> 794-1024-512-256-1.

    LeakyReLU(0.2) and Dropout(0.3) after each hidden layer, Sigmoid on the output.
    """
    return build_mlp_discriminator(
        image_shape,
        hidden_units=(1024, 512, 256),
        negative_slope=0.2,
        dropout=0.3,
        head="sigmoid",
        num_classes=num_classes,
        label_embedding_dim=10,
        seed=seed,
        name="discriminator",
    )
