"""`train_cyclegan`: CycleGAN's run, from two domains to an export, resumable; `digit_accuracies` scores it.

A run directory holds `config.json` (the settings), `checkpoints/` (`kgan.callbacks.Checkpoint`: the whole
CycleGAN after every epoch, with both optimizers, the learning-rate schedule and both image pools),
`samples/epoch_NNNN.png` (`TranslationGrid`), `history.csv`/`history.png` (`kgan.callbacks.HistoryLog`) and
`saved_models/<export_name>/<version>` (`kgan.serving.translation.export_translator`). Run the same command
again to continue an interrupted run from its newest checkpoint.
"""

import json
import pathlib

import keras
import numpy as np

from kgan.callbacks import Checkpoint, HistoryLog
from kgan.core import plotting
from kgan.core.utils import atomic_path, check_positive_int, read_json_object
from kgan.data.domains import load_domain, steps_per_epoch, unpaired_dataset
from kgan.metrics.classifier import load_classifier
from kgan.models.cyclegan import GENERATOR_SIZES, build_cyclegan_networks
from kgan.serving.metadata import latest_version
from kgan.serving.translation import export_translator
from kgan.variants.cyclegan import CycleGAN, cyclegan_optimizer

# The settings that define a run: resuming with other values is refused.
_RUN_SETTINGS = (
    "domain_a",
    "domain_b",
    "image_size",
    "size",
    "epochs",
    "batch_size",
    "cycle_weight",
    "identity_weight",
    "pool_size",
    "learning_rate",
    "seed",
)


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
    size="small",
    epochs=3,
    batch_size=16,
    cycle_weight=10.0,
    identity_weight=0.0,
    pool_size=50,
    learning_rate=2e-4,
    seed=0,
    export_name="cyclegan",
    max_steps_per_epoch=None,
    verbose=2,
):
    """Trains a CycleGAN between two domains, resuming `output_dir` if it holds an interrupted run.

    Args:
        output_dir: the run directory.
        domain_a, domain_b: `"mnist_embedded"`, `"uci_digits"` or an image folder (`kgan.data.domains`).
        image_size: the side the images of both domains are resized to (a multiple of 4).
        size: the generators' size, one of `kgan.models.cyclegan.GENERATOR_SIZES`.
        epochs: passes over the larger domain; the learning rates decay linearly over the second half.
        batch_size: images of each domain per step.
        cycle_weight, identity_weight, pool_size: `kgan.variants.CycleGAN`'s.
        learning_rate: Adam's initial learning rate, for both pairs of networks.
        seed: seed of the networks' weights, the shuffling and the pools.
        export_name: the export's folder in `output_dir/saved_models`; None: no export.
        max_steps_per_epoch: at most this many steps per epoch (quick runs, tests).
        verbose: `fit`'s verbosity.

    Returns:
        `(model, history, export_path)`; `history` is None for a run already finished (which is not exported
        again), `export_path` None without an export.

    Raises:
        ValueError: on a bad setting, or settings other than those of the run being resumed.
    """
    for name, value in (("epochs", epochs), ("batch_size", batch_size), ("image_size", image_size)):
        check_positive_int(name, value)
    if size not in GENERATOR_SIZES:
        raise ValueError(f"`size` must be one of {sorted(GENERATOR_SIZES)}. Received: size={size!r}")
    if not learning_rate > 0:
        raise ValueError(f"`learning_rate` must be > 0. Received: learning_rate={learning_rate!r}")
    if max_steps_per_epoch is not None:
        check_positive_int("max_steps_per_epoch", max_steps_per_epoch)
    settings = {name: value for name, value in locals().items() if name in _RUN_SETTINGS}
    output_dir = pathlib.Path(output_dir)
    checkpoints = output_dir / "checkpoints"
    latest = Checkpoint.latest(checkpoints)
    _record_settings(output_dir / "config.json", settings, resuming=latest is not None)

    images_a, _ = load_domain(domain_a, image_size)
    images_b, _ = load_domain(domain_b, image_size)
    if images_a.shape[-1] != images_b.shape[-1]:
        channels = max(images_a.shape[-1], images_b.shape[-1])
        images_a, _ = load_domain(domain_a, image_size, channels)
        images_b, _ = load_domain(domain_b, image_size, channels)
    steps = steps_per_epoch(len(images_a), len(images_b), batch_size)
    steps = min(steps, max_steps_per_epoch or steps)

    keras.utils.set_random_seed(seed)
    if latest is not None:
        model = keras.saving.load_model(latest)
        initial_epoch = Checkpoint.list(checkpoints)[-1][0]
    else:
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
        initial_epoch = 0
    rng = np.random.default_rng(seed)
    grid = TranslationGrid(
        output_dir / "samples",
        images_a[rng.choice(len(images_a), min(8, len(images_a)), replace=False)],
        images_b[rng.choice(len(images_b), min(8, len(images_b)), replace=False)],
    )
    callbacks = [grid, HistoryLog(output_dir, title="CycleGAN"), Checkpoint(checkpoints)]
    history = None
    if initial_epoch < epochs:
        history = model.fit(
            unpaired_dataset(images_a, images_b, batch_size, seed=seed + initial_epoch),
            steps_per_epoch=steps,
            epochs=epochs,
            initial_epoch=initial_epoch,
            callbacks=callbacks,
            shuffle=False,  # each domain is shuffled by unpaired_dataset
            verbose=verbose,
        )
    export_path = None
    published = None if export_name is None else latest_version(output_dir / "saved_models" / export_name)
    if export_name is not None and history is None and published is not None:
        export_path = output_dir / "saved_models" / export_name / str(published)  # a finished run, run again
    elif export_name is not None:
        metadata = {"domains": {"a": {"source": str(domain_a)}, "b": {"source": str(domain_b)}}, "epochs": epochs}
        export_path = export_translator(model, output_dir / "saved_models", export_name, metadata=metadata)
    return model, history, export_path


def _record_settings(path, settings, resuming):
    """Writes `config.json` for a new run; for a resumed one, refuses settings that differ from it."""
    if resuming and path.is_file():
        recorded = read_json_object(path, "run settings")
        changed = {k: v for k, v in settings.items() if recorded.get(k) != v}
        if changed:
            name, value = next(iter(changed.items()))
            raise ValueError(
                f"{path.parent} holds a run with {name}={recorded.get(name)!r}; resume it with the same settings "
                f"or choose another output folder. Received: {name}={value!r}"
            )
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(settings, indent=2))


def digit_accuracies(translate, images_a, labels_a, images_b, labels_b, classifier=None, batch_size=256):
    """The shipped MNIST classifier's accuracies on a digits-to-digits CycleGAN (domain A: MNIST-like).

    Args:
        translate: `translate(images, direction)`, e.g. a `CycleGAN`'s `translate` or an `ExportedTranslator`.
        images_a, labels_a, images_b, labels_b: both domains in [-1, 1] at 28 x 28 x 1, with their labels.
        classifier: a Keras classifier from [-1, 1] images to class probabilities (default: the shipped one).

    Returns:
        A dict of floats: `b` (the classifier on B itself), `b_to_a` (on B translated to A, against B's labels),
        `a` (on A), `a_to_b_to_a` (on A's round trip, against A's labels).
    """
    if classifier is None:
        classifier, _ = load_classifier("mnist")

    def accuracy(images, labels):
        predicted = np.argmax(classifier.predict(np.asarray(images), batch_size=batch_size, verbose=0), axis=-1)
        return float(np.mean(predicted == np.asarray(labels)))

    def chunks(images, direction):
        return np.concatenate(
            [np.asarray(translate(images[i : i + batch_size], direction)) for i in range(0, len(images), batch_size)]
        )

    to_b = chunks(images_a, "a_to_b")
    return {
        "b": accuracy(images_b, labels_b),
        "b_to_a": accuracy(chunks(images_b, "b_to_a"), labels_b),
        "a": accuracy(images_a, labels_a),
        "a_to_b_to_a": accuracy(chunks(to_b, "b_to_a"), labels_a),
    }
