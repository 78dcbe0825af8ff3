"""`train_classifier`: trains a domain classifier and writes its weights and card, with the protocol's references.

Apart from `kgan.metrics.classifier` because the card holds the evaluation
protocol's real-against-real references (`kgan.metrics.evaluation`), which in
turn scores with a loaded classifier.
"""

import datetime
import json
import pathlib

import keras
import numpy as np
import tensorflow as tf

from kgan.core.utils import atomic_path, check_positive_int
from kgan.metrics.classifier import (
    CARD_SUFFIX,
    FEATURE_LAYER,
    HELD_OUT_PER_CLASS,
    WEIGHTS_SUFFIX,
    build_classifier,
    load_split,
    sha256,
    to_unit_range,
)
from kgan.metrics.evaluation import Protocol, reference_scores


def train_classifier(
    output_dir,
    *,
    dataset="mnist_embedded",
    data_path=None,
    name=None,
    epochs=15,
    batch_size=64,
    learning_rate=1e-3,
    seed=0,
    command=None,
    verbose=2,
    deterministic=True,
):
    """Trains a classifier, scores it on held-out images and writes its weights and card.

    Training is seeded and uses deterministic TensorFlow ops, so the same
    command on the same machine writes the same weights. After training, the
    card gets the held-out accuracy, the SHA-256 of the weights and the
    real-against-real reference values of the evaluation protocol
    (`kgan.metrics.reference_scores`).

    Args:
        output_dir: folder for `<name>_classifier.weights.h5` and `.json`.
        dataset: `"mnist_embedded"`, `"mnist"`, `"fashion_mnist"`, `"npz"` or `"usps"`.
        data_path: the npz file for `"npz"` (or a Keras-layout npz for the
            tensorflow-datasets names).
        name: file name prefix (default: the dataset, with `mnist_embedded`
            named `mnist`).
        epochs: passes over the training images.
        batch_size: images per step.
        learning_rate: Adam's learning rate.
        seed: seed of weights, data order and dropout.
        command: the command line to record in the card.
        verbose: `fit`'s verbosity.
        deterministic: turn on TensorFlow's op determinism (for the whole
            process: it cannot be turned off again, and Keras then trains
            without XLA). False leaves it as it is, for a caller that trains a
            GAN in the same process (`kgan.lectures.usps`); training stays seeded.

    Returns:
        The card (a dict), also written as JSON.
    """
    check_positive_int("epochs", epochs)
    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    name = name or ("mnist" if dataset == "mnist_embedded" else dataset)
    train_x, train_y, test_x, test_y, info = load_split(dataset, data_path)
    model = build_classifier(info.image_shape, info.num_classes, seed=seed)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    order = np.random.default_rng(seed).permutation(len(train_x))
    model.fit(
        to_unit_range(train_x[order]),
        train_y[order],
        batch_size=batch_size,
        epochs=epochs,
        shuffle=True,
        verbose=verbose,
    )
    predictions = np.argmax(model.predict(to_unit_range(test_x), batch_size=256, verbose=0), axis=1)
    accuracy = float(np.mean(predictions == test_y))

    output_dir = pathlib.Path(output_dir)
    weights_path = output_dir / f"{name}_classifier{WEIGHTS_SUFFIX}"
    # A fresh copy holds the weights only: saving the trained model would also store Adam's slots (3x the size).
    shipped = build_classifier(info.image_shape, info.num_classes, seed=seed)
    shipped.set_weights(model.get_weights())
    with atomic_path(weights_path) as tmp:
        shipped.save_weights(str(tmp))
    protocol = Protocol()
    card = {
        "name": name,
        "weights": weights_path.name,
        "sha256": sha256(weights_path),
        "architecture": {
            "image_shape": list(info.image_shape),
            "num_classes": info.num_classes,
            "feature_dim": model.get_layer(FEATURE_LAYER).units,
            "feature_layer": FEATURE_LAYER,
        },
        "class_names": list(info.class_names),
        "dataset": dataset,
        "data_path": str(data_path) if data_path else None,
        "split": (
            f"embedded digits: per class the first {500 - HELD_OUT_PER_CLASS} train, the last "
            f"{HELD_OUT_PER_CLASS} are held out"
            if dataset == "mnist_embedded"
            else "train / test"
        ),
        "num_train": int(len(train_x)),
        "num_held_out": int(len(test_x)),
        "held_out_accuracy": accuracy,
        "training": {"epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate, "seed": seed},
        "protocol": protocol.to_dict(),
        "command": command,
        "keras_version": keras.__version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    card["reference"] = reference_scores(model, train_x, test_x, protocol)
    with atomic_path(output_dir / f"{name}_classifier{CARD_SUFFIX}") as tmp:
        tmp.write_text(json.dumps(card, indent=2) + "\n")
    return card
