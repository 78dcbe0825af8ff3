"""The small domain classifiers whose features and outputs score generated images.

A classifier comes as two files side by side: `<name>_classifier.weights.h5`
(Keras weights) and `<name>_classifier.json` (its card: architecture, the
SHA-256 of the weights, its accuracy on held-out real images, the evaluation
protocol and the real-against-real reference values). kgan ships the MNIST
pair, trained on the 5,000 embedded digits by `scripts/train_classifier.py`;
a Fashion-MNIST pair is made by the same script where that data is available.

The split of the 5,000 embedded digits is deterministic: for every class, the
first 400 digits (in the shipped file's order) train the classifier and the
last 100 are held out, 4,000 and 1,000 in all.
"""

import hashlib
import importlib.resources
import pathlib

import keras
import numpy as np

from kgan.core.utils import check_positive_int, read_json_object
from kgan.data import load_arrays

FEATURE_LAYER = "features"
CARD_SUFFIX = ".json"
WEIGHTS_SUFFIX = ".weights.h5"
# Names of the classifiers shipped inside the package.
SHIPPED = ("mnist",)
# Held-out images per class of the embedded digits (100 x 10 = 1,000).
HELD_OUT_PER_CLASS = 100


def build_classifier(image_shape=(28, 28, 1), num_classes=10, feature_dim=128, dropout=0.3, seed=0):
    """A compact CNN classifier with a named penultimate feature layer.

    conv3x3(32) - maxpool - conv3x3(64) - maxpool - conv3x3(64, stride 2) -
    dense(`feature_dim`, ReLU, named `"features"`) - dropout - dense softmax
    (`"probabilities"`): about 130k weights (0.5 MB) for 28x28 images. Inputs
    are images in [-1, 1], the range of a tanh generator.

    Args:
        image_shape: `(H, W, C)` of the images.
        num_classes: number of classes.
        feature_dim: size of the feature layer the distances are computed on.
        dropout: dropout rate before the softmax (training only).
        seed: seed of the initial weights and the dropout.

    Returns:
        A functional `keras.Model` from images to class probabilities.

    Example:
        >>> model = build_classifier()
        >>> model.get_layer("features").output.shape
        (None, 128)
    """
    check_positive_int("num_classes", num_classes)
    check_positive_int("feature_dim", feature_dim)
    init = keras.initializers.GlorotUniform(seed=seed)
    images = keras.Input(shape=tuple(image_shape), name="images")
    x = keras.layers.Conv2D(32, 3, padding="same", activation="relu", kernel_initializer=init, name="conv1")(images)
    x = keras.layers.MaxPooling2D(name="pool1")(x)
    x = keras.layers.Conv2D(64, 3, padding="same", activation="relu", kernel_initializer=init, name="conv2")(x)
    x = keras.layers.MaxPooling2D(name="pool2")(x)
    x = keras.layers.Conv2D(64, 3, strides=2, activation="relu", kernel_initializer=init, name="conv3")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(feature_dim, activation="relu", kernel_initializer=init, name=FEATURE_LAYER)(x)
    x = keras.layers.Dropout(dropout, seed=seed, name="dropout")(x)
    probabilities = keras.layers.Dense(
        num_classes, activation="softmax", kernel_initializer=init, name="probabilities"
    )(x)
    return keras.Model(images, probabilities, name="classifier")


def feature_model(classifier, layer=FEATURE_LAYER):
    """The classifier as a model returning `(features, probabilities)`."""
    return keras.Model(classifier.input, [classifier.get_layer(layer).output, classifier.output])


def sha256(path):
    """The hex SHA-256 of a file."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def card_paths(name_or_path):
    """`(weights_path, card_path)` of a shipped name (`"mnist"`) or a weights file path."""
    if name_or_path in SHIPPED:
        folder = importlib.resources.files(__package__)
        return (
            pathlib.Path(str(folder.joinpath(f"{name_or_path}_classifier{WEIGHTS_SUFFIX}"))),
            pathlib.Path(str(folder.joinpath(f"{name_or_path}_classifier{CARD_SUFFIX}"))),
        )
    weights = pathlib.Path(name_or_path)
    if not weights.name.endswith(WEIGHTS_SUFFIX):
        raise ValueError(
            f"A classifier is a shipped name {SHIPPED} or a `*{WEIGHTS_SUFFIX}` file with its "
            f"`*{CARD_SUFFIX}` card beside it. Received: classifier={str(name_or_path)!r}"
        )
    return weights, weights.with_name(weights.name[: -len(WEIGHTS_SUFFIX)] + CARD_SUFFIX)


def read_card(name_or_path="mnist"):
    """Reads a classifier's card (the JSON beside its weights) without loading the weights."""
    weights, card = card_paths(name_or_path)
    if not card.is_file():
        raise FileNotFoundError(
            f"No classifier card at {card}; train one with scripts/train_classifier.py. "
            f"Received: classifier={str(name_or_path)!r}"
        )
    card = read_json_object(card, "classifier card", required=("sha256", "architecture", "dataset"))
    if not isinstance(card["architecture"], dict) or not {"image_shape", "num_classes", "feature_dim"} <= set(
        card["architecture"]
    ):
        raise ValueError(
            "A classifier card's architecture needs image_shape, num_classes and feature_dim. "
            f"Received: architecture={card['architecture']!r} in {str(name_or_path)!r}"
        )
    return card


def load_classifier(name_or_path="mnist"):
    """Loads a classifier after checking its weights' SHA-256 against its card.

    Args:
        name_or_path: `"mnist"` (shipped with kgan) or the path of a
            `*_classifier.weights.h5` written by `scripts/train_classifier.py`,
            with its `.json` card beside it.

    Returns:
        `(model, card)`: the Keras classifier (images in [-1, 1] to class
        probabilities) and its card as a dict.

    Raises:
        FileNotFoundError: if the weights or the card are missing.
        ValueError: if the weights' SHA-256 differs from the card's (a
            corrupted or replaced file).

    Example:
        >>> model, card = load_classifier("mnist")
        >>> card["held_out_accuracy"] > 0.95
        True
    """
    weights, _ = card_paths(name_or_path)
    card = read_card(name_or_path)
    if not weights.is_file():
        raise FileNotFoundError(f"No classifier weights at {weights}. Received: classifier={str(name_or_path)!r}")
    actual = sha256(weights)
    if actual != card["sha256"]:
        raise ValueError(
            f"The classifier weights {weights} are corrupted or were replaced: their SHA-256 is {actual}, "
            f"its card records {card['sha256']}. Received: classifier={str(name_or_path)!r}"
        )
    arch = card["architecture"]
    model = build_classifier(tuple(arch["image_shape"]), arch["num_classes"], arch["feature_dim"])
    model.load_weights(str(weights))
    return model, card


def split_embedded_mnist(images, labels, held_out_per_class=HELD_OUT_PER_CLASS):
    """The deterministic train / held-out split of the embedded digits.

    For every class, the last `held_out_per_class` images (in array order) are
    held out and the others train.

    Returns:
        `(train_images, train_labels, held_out_images, held_out_labels)`.
    """
    held_out = np.zeros(len(labels), dtype=bool)
    for c in np.unique(labels):
        held_out[np.flatnonzero(labels == c)[-held_out_per_class:]] = True
    return images[~held_out], labels[~held_out], images[held_out], labels[held_out]


def load_split(dataset="mnist_embedded", data_path=None):
    """The classifier's training and held-out images (uint8) and labels.

    - `mnist_embedded`: `split_embedded_mnist` of the 5,000 shipped digits.
    - `mnist`, `fashion_mnist`: the tensorflow-datasets `train` and `test`
      splits (or a Keras-layout npz at `data_path`).
    - `npz`: `x_train`/`y_train` and `x_test`/`y_test` of a Keras-layout npz.
    - `usps`: the `train` and `test` splits of a USPS file (`kgan.data.usps`:
      the HDF5 groups, or the LIBSVM file and the `.t` file beside it).

    Returns:
        `(train_images, train_labels, held_out_images, held_out_labels, info)`.
    """
    if dataset == "mnist_embedded":
        images, labels, info = load_arrays("mnist_embedded")
        return (*split_embedded_mnist(images, labels), info)
    if dataset not in ("mnist", "fashion_mnist", "npz", "usps"):
        raise ValueError(
            "A classifier trains on 'mnist_embedded', 'mnist', 'fashion_mnist', a Keras-layout 'npz' or 'usps'. "
            f"Received: dataset={dataset!r}"
        )
    train_images, train_labels, info = load_arrays(dataset, data_path, split="train")
    test_images, test_labels, _ = load_arrays(dataset, data_path, split="test")
    if train_labels is None or test_labels is None:
        raise ValueError(f"A classifier needs labelled images. Received: dataset={dataset!r} without labels")
    return train_images, train_labels, test_images, test_labels, info


def to_unit_range(images):
    """uint8 images to float32 in [-1, 1], the generators' range."""
    return np.asarray(images, dtype=np.float32) / 127.5 - 1.0
