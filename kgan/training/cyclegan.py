"""`train_cyclegan`: CycleGAN's run, from two domains to an export, resumable; `digit_accuracies` scores it.

The run directory is one of `kgan.training.runs`, like `kgan.train`'s: `kgan-run.json` (the ownership marker,
written first), `config.json` (the settings), `checkpoints/` (`kgan.callbacks.Checkpoint`: the whole CycleGAN
after every epoch, with both optimizers, the learning-rate schedule's step and both image pools with their
random state), `samples/epoch_NNNN.png` (`TranslationGrid`), `history.csv`/`history.png`
(`kgan.callbacks.HistoryLog`), `saved_models/<export_name>/<version>`
(`kgan.serving.translation.export_translator`) and, last, `finished.json`. Run the same call again to continue
an interrupted run from its newest checkpoint: it ends with the weights an uninterrupted run ends with. A
finished run is trained again only with `overwrite=True`; kgan never writes into a folder that is not its run.
"""

import pathlib

import keras
import numpy as np

from kgan.callbacks import Checkpoint, HistoryLog
from kgan.core import plotting
from kgan.core.utils import check_positive_int, check_seed, check_writable_dir
from kgan.data.domains import load_domain, steps_per_epoch, unpaired_dataset
from kgan.data.validation import standardize_image_size
from kgan.metrics.classifier import load_classifier
from kgan.models.cyclegan import GENERATOR_SIZES, build_cyclegan_networks
from kgan.serving.export import check_export_name
from kgan.serving.translation import export_translator
from kgan.training import runs
from kgan.variants.cyclegan import CycleGAN, cyclegan_optimizer

VARIANT = "cyclegan"
# The settings that define a run (`config.json`): resuming with another value is refused. `epochs` is one of
# them, since the learning rates decay to 0 at the last step of the last epoch. `variant` keeps a run of
# `kgan train` and a CycleGAN run from resuming each other.
RUN_SETTINGS = (
    "variant",
    "domain_a",
    "domain_b",
    "image_size",
    "size",
    "epochs",
    "batch_size",
    "steps_per_epoch",
    "cycle_weight",
    "identity_weight",
    "pool_size",
    "learning_rate",
    "seed",
)
# The script's flags whose name is not the setting's (`kgan.cli.cyclegan`); the others are `--` + its name.
RENAMED_FLAGS = {"domain_a": "--data-path-a", "domain_b": "--data-path-b", "variant": "variant="}


class TranslationGrid(keras.callbacks.Callback):
    """After every epoch, `samples/epoch_NNNN.png`: rows A, A->B, A->B->A, B, B->A, B->A->B of fixed images."""

    def __init__(self, directory, images_a, images_b):
        super().__init__()
        self.directory = pathlib.Path(directory)
        self.images_a = np.asarray(images_a, dtype="float32")
        self.images_b = np.asarray(images_b, dtype="float32")

    def rows(self):
        """The six rows of the grid, as float arrays in [-1, 1]."""
        to_b = self.model.translate(self.images_a, "a_to_b")
        to_a = self.model.translate(self.images_b, "b_to_a")
        back_a = self.model.translate(to_b, "b_to_a")
        back_b = self.model.translate(to_a, "a_to_b")
        return [np.asarray(r) for r in (self.images_a, to_b, back_a, self.images_b, to_a, back_b)]

    def on_epoch_end(self, epoch, logs=None):
        self.directory.mkdir(parents=True, exist_ok=True)
        labels = ["A", "A->B", "A->B->A", "B", "B->A", "B->A->B"]
        path = self.directory / f"epoch_{epoch + 1:04d}.png"
        plotting.save_montage(self.rows(), labels, path, title=f"CycleGAN, epoch {epoch + 1}")


def train_cyclegan(
    output_dir,
    *,
    domain_a="mnist_embedded",
    domain_b="uci_digits",
    image_size=28,
    size="standard",
    epochs=1,
    batch_size=16,
    cycle_weight=20.0,
    identity_weight=0.0,
    pool_size=50,
    learning_rate=2e-4,
    seed=0,
    export_name="cyclegan",
    max_steps_per_epoch=None,
    overwrite=False,
    callbacks=(),
    verbose=2,
):
    """Trains a CycleGAN between two domains, resuming `output_dir` if it holds an interrupted run.

    Args:
        output_dir: the run directory: new, empty, or holding a CycleGAN run (see the module docstring).
        domain_a, domain_b: `"mnist_embedded"`, `"uci_digits"` or an image folder (`kgan.data.domains`).
        image_size: the side, or `(height, width)`, the images of both domains are resized to (multiples of 4).
        size: the generators' size, one of `kgan.models.cyclegan.GENERATOR_SIZES`.
        epochs: passes over the larger domain; the learning rates decay linearly over the second half.
        batch_size: images of each domain per step.
        cycle_weight, identity_weight, pool_size: `kgan.variants.CycleGAN`'s (its cycle weight is the paper's 10;
            20 here, with the standard generators for one epoch and no identity loss, read best on the digits:
            benchmarks/RESULTS.md, "CycleGAN"). On your own domains raise `epochs` (the paper: 200 at batch 1).
        learning_rate: Adam's initial learning rate, for both pairs of networks.
        seed: seed of the networks' weights, the data order and the pools.
        export_name: the export's folder in `output_dir/saved_models`; None: no export.
        max_steps_per_epoch: at most this many steps per epoch (quick runs, tests).
        overwrite: if `output_dir` holds a finished run, delete what it wrote and train again.
        callbacks: more Keras callbacks, run before kgan's.
        verbose: `fit`'s verbosity.

    Returns:
        `(model, history, export_path)`: the trained `CycleGAN`, `fit`'s `History` (None if the interrupted
        run had trained every epoch already), and the export's version folder (None without an export).

    Raises:
        ValueError: on a bad setting, or a setting that defines the run (`RUN_SETTINGS`) other than the
            interrupted run's.
        FileExistsError: if `output_dir` holds a finished run (and not `overwrite`), or is a non-empty folder
            that is not a kgan run.
    """
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        check_positive_int(name, value)
    image_size = standardize_image_size(image_size)
    check_seed("seed", seed)
    if size not in GENERATOR_SIZES:
        raise ValueError(f"`size` must be one of {sorted(GENERATOR_SIZES)}. Received: size={size!r}")
    if not learning_rate > 0:
        raise ValueError(f"`learning_rate` must be > 0. Received: learning_rate={learning_rate!r}")
    if max_steps_per_epoch is not None:
        check_positive_int("max_steps_per_epoch", max_steps_per_epoch)
    if export_name is not None:
        check_export_name(export_name)  # before any folder is made or epoch trained
    output_dir = pathlib.Path(output_dir)
    check_writable_dir(output_dir, "output_dir")
    model_dir = None if export_name is None else output_dir / "saved_models" / export_name
    state = runs.prepare_run_dir(output_dir, overwrite=overwrite, stale=[model_dir] if model_dir else [])

    images_a, _ = load_domain(domain_a, image_size)
    images_b, _ = load_domain(domain_b, image_size)
    if images_a.shape[-1] != images_b.shape[-1]:
        channels = max(images_a.shape[-1], images_b.shape[-1])
        images_a, _ = load_domain(domain_a, image_size, channels)
        images_b, _ = load_domain(domain_b, image_size, channels)
    steps = steps_per_epoch(len(images_a), len(images_b), batch_size)
    steps = min(steps, max_steps_per_epoch or steps)
    record = dict(
        variant=VARIANT,
        domain_a=str(domain_a),
        domain_b=str(domain_b),
        image_size=list(image_size),
        size=size,
        epochs=epochs,
        steps_per_epoch=steps,
        batch_size=batch_size,
        cycle_weight=cycle_weight,
        identity_weight=identity_weight,
        pool_size=pool_size,
        learning_rate=learning_rate,
        seed=seed,
        export_name=export_name,
        image_shape=list(images_a.shape[1:]),
        num_examples={"a": len(images_a), "b": len(images_b)},
    )
    keras.utils.set_random_seed(seed)
    model, initial_epoch = None, 0
    if state.kind == "resumable" or state.skipped:
        runs.check_resumable(state.config, record, keys=RUN_SETTINGS, renamed=RENAMED_FLAGS)  # before anything moves
        model, initial_epoch = runs.load_newest([output_dir / "checkpoints"], _load_cyclegan, state=state)
    if model is None:
        model = CycleGAN(
            *build_cyclegan_networks(images_a.shape[1:], images_b.shape[1:], size=size),
            cycle_weight=cycle_weight,
            identity_weight=identity_weight,
            pool_size=pool_size,
            seed=seed,
        )
        total = epochs * steps
        model.compile(
            d_optimizer=cyclegan_optimizer(learning_rate, total), g_optimizer=cyclegan_optimizer(learning_rate, total)
        )
    runs.write_config(output_dir, record)

    rng = np.random.default_rng(seed)
    grid = TranslationGrid(
        output_dir / "samples",
        images_a[rng.choice(len(images_a), min(8, len(images_a)), replace=False)],
        images_b[rng.choice(len(images_b), min(8, len(images_b)), replace=False)],
    )
    callbacks = [*callbacks, grid, HistoryLog(output_dir, title="CycleGAN"), Checkpoint(output_dir / "checkpoints")]
    history = None
    if initial_epoch < epochs:
        # One endless stream of batches whose order depends on the seed alone (as an uninterrupted run's
        # iterator, which fit keeps across epochs): a resumed run skips the batches its epochs took.
        data = unpaired_dataset(images_a, images_b, batch_size, seed=seed).skip(initial_epoch * steps)
        history = model.fit(
            data,
            steps_per_epoch=steps,
            epochs=epochs,
            initial_epoch=initial_epoch,
            callbacks=callbacks,
            shuffle=False,  # each domain is shuffled by unpaired_dataset
            verbose=verbose,
        )

    final = {} if history is None else {k: v[-1] for k, v in history.history.items()}
    metadata = {
        **record,
        "domains": {"a": {"source": str(domain_a)}, "b": {"source": str(domain_b)}},
        "final_metrics": final,
    }
    export_path = runs.publish(
        output_dir,
        model_dir,
        lambda version: export_translator(
            model, output_dir / "saved_models", export_name, version=version, metadata=metadata
        ),
    )
    return model, history, export_path


def _load_cyclegan(path):
    """The CycleGAN of a checkpoint; a checkpoint of another model is refused (`runs.OtherModelError`)."""
    model = keras.saving.load_model(path)
    if not isinstance(model, CycleGAN):
        raise runs.OtherModelError(
            f"{path.parent.parent} holds an interrupted run of another model than CycleGAN; choose a new "
            f"--output-dir. Received: {path}"
        )
    return model


def digit_accuracies(translate, images_a, labels_a, images_b, labels_b, classifier=None, batch_size=256):
    """The shipped MNIST classifier's accuracies on a digits-to-digits CycleGAN (domain A: MNIST-like).

    Args:
        translate: `translate(images, direction)`, e.g. a `CycleGAN`'s `translate` or an `ExportedTranslator`.
        images_a, labels_a, images_b, labels_b: both domains in [-1, 1] at 28 x 28 x 1, with their labels.
        classifier: a Keras classifier from [-1, 1] images to class probabilities (default: the shipped one).

    Returns:
        A dict: the floats `b` (the classifier on B itself), `b_to_a` (on B translated to A, against B's labels),
        `a` (on A), `a_to_b_to_a` (on A's round trip, against A's labels); and `b_per_class`, `b_to_a_per_class`:
        `{digit: accuracy}` over B's images of each digit, which show the digits the translation helps or harms.
    """
    if classifier is None:
        classifier, _ = load_classifier("mnist")

    def predict(images):
        return np.argmax(classifier.predict(np.asarray(images), batch_size=batch_size, verbose=0), axis=-1)

    def per_class(predicted, labels):
        return {int(digit): float(np.mean(predicted[labels == digit] == digit)) for digit in np.unique(labels)}

    def chunks(images, direction):
        return np.concatenate(
            [np.asarray(translate(images[i : i + batch_size], direction)) for i in range(0, len(images), batch_size)]
        )

    labels_a, labels_b = np.asarray(labels_a), np.asarray(labels_b)
    on_b, on_b_to_a = predict(images_b), predict(chunks(images_b, "b_to_a"))
    return {
        "b": float(np.mean(on_b == labels_b)),
        "b_to_a": float(np.mean(on_b_to_a == labels_b)),
        "a": float(np.mean(predict(images_a) == labels_a)),
        "a_to_b_to_a": float(np.mean(predict(chunks(chunks(images_a, "a_to_b"), "b_to_a")) == labels_a)),
        "b_per_class": per_class(on_b, labels_b),
        "b_to_a_per_class": per_class(on_b_to_a, labels_b),
    }
