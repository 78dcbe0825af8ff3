"""Lecture 000's exercise, "Create a GAN to generate USPS samples", solved, with a quality check of its own.

The USPS digits are 16 x 16 (`kgan.data.usps` reads `usps.h5` and the LIBSVM files). The MNIST classifier that
scores kgan's 28 x 28 digits does not apply to them, so the exercise runs in three steps:

1. `prepare_usps_classifier`: trains a small classifier on the USPS training labels (`kgan.metrics.
   train_classifier`: the network and card of the MNIST classifier, at 16 x 16) and measures its accuracy on the
   USPS test split; a classifier already trained on the same file is reused.
2. `kgan.train` with `dataset="usps"` (`USPS_RECIPE`): the usual run directory, sample grids and export.
3. `evaluate_usps_run`: scores the exported generator with that classifier under the protocol of
   docs/metrics.md (`kgan.metrics.evaluate_export`: classifier score, classes covered, Fréchet distance and KID
   on the classifier's features, beside the real-against-real references of its card).

`write_usps_standin` writes a stand-in for machines without the USPS file: the digits embedded in kgan,
cropped to their 20 x 20 centre (USPS digits fill their frame) and resized to 16 x 16, in a USPS file format.
It is MNIST, not USPS; scores measured on it say how the exercise runs, not how well a GAN learns USPS.
"""

import json
import os
import pathlib

import numpy as np
import tensorflow as tf

from kgan.core.utils import atomic_path, read_json_object
from kgan.data import load_arrays
from kgan.data.usps import SIDE, write_usps
from kgan.metrics import evaluate_export, load_classifier, read_card, train_classifier
from kgan.metrics.classifier import WEIGHTS_SUFFIX, split_embedded_mnist
from kgan.training.runs import FINISHED

# The exercise's defaults (TrainConfig settings): ACGAN (lecture 001), which uses the labels USPS comes with, on
# the light DCGAN preset, whose total stride of 4 fits 16 x 16; the main job's learning rates and an EMA generator
# for the samples and the export. In 25 epochs on the stand-in it scored far better than the plain GAN of lecture
# 000 (`--variant gan`) and than the learning rates 2e-4 (benchmarks/RESULTS.md, "The USPS exercise").
USPS_RECIPE = dict(dataset="usps", arch="dcgan", variant="acgan", lr_d=5e-4, lr_g=5e-4, ema=0.999, epochs=25)
CLASSIFIER_EPOCHS = 10  # passes over the USPS training digits
CLASSIFIER_NAME = "usps"
EVALUATION_FILE = "usps_evaluation.json"


def check_usps_config(config):
    """Refuses a `TrainConfig` that does not train on a USPS file (one line, naming the setting)."""
    if config.dataset != "usps":
        raise ValueError(f"The USPS exercise trains on dataset 'usps'. Received: dataset={config.dataset!r}")
    if config.data_path is None:
        raise ValueError(
            "The USPS exercise needs the USPS file: --data-path usps.h5 or the LIBSVM usps[.bz2] (with usps.t[.bz2] "
            "beside it, the test split). Received: data_path=None"
        )


def prepare_usps_classifier(data_path, classifier_dir, *, epochs=CLASSIFIER_EPOCHS, seed=0, verbose=2, command=None):
    """The 16 x 16 classifier of the USPS labels: trained on the training split, scored on the test split.

    A classifier in `classifier_dir` trained on the same file (its card's
    `data_path`) is reused after its weights' SHA-256 is checked; a new one is
    trained otherwise (seeded, in the caller's TensorFlow determinism mode).

    Args:
        data_path: the USPS file (`kgan.data.usps`); the test split is its
            `test` group or the LIBSVM `.t` file beside it.
        classifier_dir: folder of `usps_classifier.weights.h5` and its card.
        epochs: passes over the training digits.
        seed: seed of weights, data order and dropout.
        verbose: `fit`'s verbosity.
        command: the command line to record in the card.

    Returns:
        `(weights_path, card)`; `card["held_out_accuracy"]` is the accuracy on the test split.

    Raises:
        ValueError: if `classifier_dir` holds a classifier of another data set
            or file, or the data is not a USPS file with both splits.
        FileNotFoundError: if the data (or the LIBSVM test file) is missing.
    """
    data_path = os.path.abspath(os.fspath(data_path))
    weights = pathlib.Path(classifier_dir) / f"{CLASSIFIER_NAME}_classifier{WEIGHTS_SUFFIX}"
    if weights.exists() or weights.with_name(f"{CLASSIFIER_NAME}_classifier.json").exists():
        card = read_card(weights)
        if card["dataset"] != "usps" or card.get("data_path") != data_path:
            raise ValueError(
                f"{classifier_dir} holds a classifier of {card['dataset']} at {card.get('data_path')}, not of this "
                f"file; choose another --classifier-dir. Received: data_path={data_path!r}"
            )
        _, card = load_classifier(weights)  # checks the weights against the card
        return weights, card
    card = train_classifier(
        classifier_dir,
        dataset="usps",
        data_path=data_path,
        name=CLASSIFIER_NAME,
        epochs=epochs,
        seed=seed,
        command=command,
        verbose=verbose,
        deterministic=False,  # op determinism is process-wide and would take XLA from the GAN trained next
    )
    return weights, card


def evaluate_usps_run(run_dir, classifier):
    """Scores a finished USPS run's export with the USPS classifier (`kgan.metrics.evaluate_export`).

    The export is the one the run's `finished.json` names; the scores are
    also written to `<run_dir>/usps_evaluation.json`.

    Args:
        run_dir: a finished run directory of `kgan.train`.
        classifier: the `usps_classifier.weights.h5` of `prepare_usps_classifier`.

    Returns:
        `evaluate_export`'s dict (`scores`, `reference`, `export`, `report`)
        and `held_out_accuracy`, the classifier's accuracy on the test split.

    Raises:
        FileNotFoundError: if `run_dir` holds no finished run.
        ValueError: if the export does not make 16 x 16 images the classifier takes.
    """
    finished = pathlib.Path(run_dir) / FINISHED
    if not finished.is_file():
        raise FileNotFoundError(f"No finished run in {run_dir} (no {FINISHED}). Received: run_dir={str(run_dir)!r}")
    export = read_json_object(finished, "run record", required=("export_path",))["export_path"]
    result = evaluate_export(export, str(classifier), verbose=False)
    result["held_out_accuracy"] = read_card(classifier)["held_out_accuracy"]
    with atomic_path(pathlib.Path(run_dir) / EVALUATION_FILE) as tmp:
        tmp.write_text(json.dumps({**result, "classifier": str(classifier)}, indent=2) + "\n")
    return result


def write_usps_standin(path):
    """Writes the stand-in: the 5,000 embedded MNIST digits as 16 x 16 USPS digits, in `path`'s USPS format.

    Each digit's 20 x 20 centre (where MNIST puts the digit) is resized to
    16 x 16 (bilinear, antialiased). The split is the embedded digits' own
    (`kgan.metrics.split_embedded_mnist`): 4,000 train, 1,000 test.

    Args:
        path: `*.h5` for the HDF5 layout, else LIBSVM (`.bz2` compressed;
            the test split goes to the `.t` file beside it).

    Returns:
        The paths written.
    """
    images, labels, _ = load_arrays("mnist_embedded")
    centre = tf.cast(images[:, 4:24, 4:24], tf.float32)
    small = tf.image.resize(centre, (SIDE, SIDE), method="bilinear", antialias=True)
    small = np.clip(np.round(small.numpy()), 0, 255).astype(np.uint8)
    train_x, train_y, test_x, test_y = split_embedded_mnist(small, labels)
    return write_usps(path, (train_x, train_y), (test_x, test_y))
