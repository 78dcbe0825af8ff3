"""`train_stackgan`: StackGAN's run, captions to an export in two stages, resumable; `caption_accuracy` scores it.

A run directory is a kgan run (`kgan.training.runs`: the `kgan-run.json` marker first, never a folder kgan did not
make, a finished run started again only with `overwrite`, which deletes only what the run wrote). It holds
`config.json` (the settings), `checkpoints/stage1/` and `checkpoints/stage2/` (`kgan.callbacks.Checkpoint`: the
whole StackGAN after every epoch of that stage, with its optimizers), `samples/stage1/` and `samples/stage2/`
(`epoch_NNNN.png`, `CaptionGrid`, and `history.csv`/`history.png`), `saved_models/<export_name>/<version>`
(`kgan.serving.text_to_image`) and, at the end, `finished.json`. Stage I runs first, then stage II from stage
I's last checkpoint with G0 frozen (the paper's order). Run the same command again to continue an interrupted run
from the newest checkpoint of the stage it was in: each stage's batches come from one stream seeded by the run's
seed and the stage (a resumed stage skips the batches its finished epochs took), and the checkpoints hold the noise
states, so the resumed run ends with the weights of an uninterrupted one.
"""

import pathlib

import keras
import numpy as np
from matplotlib.figure import Figure

from kgan.callbacks import Checkpoint, HistoryLog
from kgan.core import plotting
from kgan.core.utils import atomic_path, check_positive_int
from kgan.data import load_arrays
from kgan.data.captions import caption_dataset, caption_vectorizer, make_captions
from kgan.metrics.classifier import load_classifier
from kgan.metrics.scores import classifier_score
from kgan.models.stackgan import NETWORK_SIZES, build_stackgan_networks
from kgan.serving.text_to_image import export_text_to_image
from kgan.training import runs
from kgan.variants.stackgan import StackGAN

# The settings that define a run: resuming with other values is refused.
_RUN_SETTINGS = (
    "data",
    "image_size",
    "size",
    "correction_limit",
    "stage1_epochs",
    "stage2_epochs",
    "batch_size",
    "latent_dim",
    "learning_rate",
    "kl_weight",
    "pull_weight",
    "seed",
)


class CaptionGrid(keras.callbacks.Callback):
    """After every epoch, `epoch_NNNN.png`: one row per caption, its stage-I images beside its stage-II images.

    The latent vectors are fixed, so the grids of successive epochs compare; stage-I images are shown enlarged
    to the stage-II size. With `stage1_only` (during stage I, when G1 is untrained) only stage I is shown.
    """

    def __init__(self, directory, captions, per_caption=4, seed=0, stage1_only=False):
        super().__init__()
        self.directory = pathlib.Path(directory)
        self.captions = [str(c) for c in captions]
        self.per_caption = per_caption
        self.seed = seed
        self.stage1_only = stage1_only

    def images(self):
        """`(stage1, stage2)`: float arrays `(captions, per_caption, H, W, C)` in [-1, 1]."""
        n, k = len(self.captions), self.per_caption
        latent = np.random.default_rng(self.seed).standard_normal((k, self.model.latent_dim)).astype("float32")
        images, low = self.model.generate(np.repeat(self.captions, k), np.tile(latent, (n, 1)))
        images, low = np.asarray(images), np.asarray(low)
        return low.reshape(n, k, *low.shape[1:]), images.reshape(n, k, *images.shape[1:])

    def on_epoch_end(self, epoch, logs=None):
        self.directory.mkdir(parents=True, exist_ok=True)
        stage1, stage2 = self.images()
        title = f"StackGAN stage {'I' if self.stage1_only else 'II'}, epoch {epoch + 1}"
        stage2 = None if self.stage1_only else stage2
        save_caption_grid(self.captions, stage1, stage2, self.directory / f"epoch_{epoch + 1:04d}.png", title)


def save_caption_grid(captions, stage1, stage2, path, title=None, scale=2):
    """Saves one row per caption: the caption, its stage-I images, then (if given) its stage-II images.

    Args:
        captions: the row labels.
        stage1: `(len(captions), K, h, w, C)` images in [-1, 1]; enlarged (nearest) to `stage2`'s size.
        stage2: `(len(captions), K, H, W, C)` images in [-1, 1], or None.
        path: the PNG (written atomically).
    """
    stage1 = np.asarray(stage1)
    if stage2 is not None:
        stage2 = np.asarray(stage2)
        factor = stage2.shape[2] // stage1.shape[2]
        stage1 = stage1.repeat(factor, axis=2).repeat(factor, axis=3)
    rows = []
    for i in range(len(captions)):
        row = plotting.tile_images(stage1[i], ncols=stage1.shape[1])
        if stage2 is not None:
            gap = np.full((row.shape[0], 4, row.shape[2]), 255, "uint8")
            row = np.concatenate([row, gap, plotting.tile_images(stage2[i], ncols=stage2.shape[1])], axis=1)
        rows.append(row)
    grid = np.concatenate(rows, axis=0)
    dpi, left, top = 100, 200, 28 if title else 4
    height, width = grid.shape[0] * scale, grid.shape[1] * scale
    fig = Figure(figsize=((width + left) / dpi, (height + top) / dpi), dpi=dpi)
    ax = fig.add_axes([left / (width + left), 0, width / (width + left), height / (height + top)])
    ax.imshow(grid[..., 0] if grid.shape[-1] == 1 else grid, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    ax.set_xticks([])
    row_height = grid.shape[0] / len(captions)
    ax.set_yticks([(i + 0.5) * row_height for i in range(len(captions))], captions, fontsize=8)
    if title:
        labels = "stage I | stage II" if stage2 is not None else "stage I"
        fig.suptitle(f"{title} ({labels})", fontsize=10, y=1 - 4 / (height + top), va="top")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    return path


def train_stackgan(
    output_dir,
    *,
    data="mnist_embedded",
    image_size=28,
    size="standard",
    correction_limit=1.0,
    stage1_epochs=80,
    stage2_epochs=10,
    batch_size=64,
    latent_dim=32,
    learning_rate=2e-4,
    kl_weight=2.0,
    pull_weight=0.0,
    seed=0,
    export_name="stackgan",
    max_steps_per_epoch=None,
    overwrite=False,
    verbose=2,
):
    """Trains a StackGAN on captioned digits, stage I then stage II, resuming `output_dir`'s interrupted run.

    Args:
        output_dir: the run directory (a new or empty folder, or a kgan run).
        data: `"mnist_embedded"` (the 5,000 shipped digits) or a `.npz` of digits with labels (`x`, `y`).
        image_size: the side of the stage-II images (a multiple of 4); stage I draws half of it.
        size: the networks' size, one of `kgan.models.stackgan.NETWORK_SIZES`.
        correction_limit: the bound of G1's correction of G0's enlarged image, before the tanh
            (`kgan.models.stackgan.ResidualRefinement`).
        stage1_epochs, stage2_epochs: passes over the data in each stage.
        batch_size: images per step.
        latent_dim: the size of z.
        learning_rate: Adam's (beta_1 = 0.5), for every network.
        kl_weight: the conditioning augmentation's KL weight in G's loss.
        pull_weight: the weight in G1's loss of the L1 distance of its images to G0's enlarged (stage II).
        seed: seed of the weights, the shuffling, the captions and the latent draws.
        export_name: the export's folder in `output_dir/saved_models`; None: no export.
        max_steps_per_epoch: at most this many steps per epoch (quick runs, tests).
        overwrite: train a finished run again from scratch (deleting only what it wrote).
        verbose: `fit`'s verbosity.

    Returns:
        `(model, export_path)`; `export_path` is None without an export.

    Raises:
        ValueError: on a bad setting, or settings other than those of the run being resumed.
        FileExistsError: if `output_dir` holds a finished run (and not `overwrite`) or is not a kgan run.
    """
    for name, value in (("stage1_epochs", stage1_epochs), ("stage2_epochs", stage2_epochs)):
        check_positive_int(name, value)
    for name, value in (("batch_size", batch_size), ("image_size", image_size), ("latent_dim", latent_dim)):
        check_positive_int(name, value)
    if image_size % 4:
        raise ValueError(f"`image_size` must be a multiple of 4. Received: image_size={image_size}")
    if size not in NETWORK_SIZES:
        raise ValueError(f"`size` must be one of {sorted(NETWORK_SIZES)}. Received: size={size!r}")
    numbers = {
        "learning_rate": learning_rate,
        "kl_weight": kl_weight,
        "pull_weight": pull_weight,
        "correction_limit": correction_limit,
    }
    for name, value in numbers.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
            raise ValueError(f"`{name}` must be a finite number >= 0. Received: {name}={value!r}")
    for name, value in (("learning_rate", learning_rate), ("correction_limit", correction_limit)):
        if not value > 0:
            raise ValueError(f"`{name}` must be > 0. Received: {name}={value!r}")
    if max_steps_per_epoch is not None:
        check_positive_int("max_steps_per_epoch", max_steps_per_epoch)
    settings = {name: value for name, value in locals().items() if name in _RUN_SETTINGS}
    images, labels = _load_digits(data, image_size)
    if batch_size > len(images):
        raise ValueError(f"`batch_size` must be at most the {len(images)} images. Received: batch_size={batch_size}")

    output_dir = pathlib.Path(output_dir)
    checkpoints = {stage: output_dir / "checkpoints" / f"stage{stage}" for stage in (1, 2)}
    newest_first = [checkpoints[2], checkpoints[1]]
    state = runs.prepare_run_dir(output_dir, overwrite, checkpoints=newest_first)

    keras.utils.set_random_seed(seed)
    model, done = None, 0
    if state.kind == "resumable" or state.skipped:
        runs.check_resumable(state.config, settings, keys=list(settings))  # its flags are `--` + the names
        model, done = runs.load_newest(newest_first, keras.saving.load_model, state=state)
    runs.write_config(output_dir, settings)
    if model is None:
        model = StackGAN(
            *build_stackgan_networks(
                caption_vectorizer(), images.shape[1:], latent_dim, size, correction_limit, seed=seed
            ),
            stage=1,
            kl_weight=kl_weight,
            pull_weight=pull_weight,
            seed=seed,
        )
        model.compile(d_optimizer=_adam(learning_rate), g_optimizer=_adam(learning_rate))
    steps = min(len(images) // batch_size, max_steps_per_epoch or len(images))
    grid_captions = make_captions(np.arange(10), "train", seed=seed)
    for stage, epochs in ((1, stage1_epochs), (2, stage2_epochs)):
        if model.stage > stage:
            continue
        if model.stage < stage:  # stage I is complete: stage II starts from its networks, G0 frozen
            model.stage = stage
            model.compile(d_optimizer=_adam(learning_rate), g_optimizer=_adam(learning_rate))
            done = 0
        if done >= epochs:
            continue
        samples = output_dir / "samples" / f"stage{stage}"
        callbacks = [
            CaptionGrid(samples, grid_captions, seed=seed, stage1_only=stage == 1),
            HistoryLog(samples, title=f"StackGAN stage {stage}"),
            Checkpoint(checkpoints[stage]),
        ]
        # One stream of batches per stage whose order depends on the seed alone, as the uninterrupted run's (fit
        # keeps its iterator across epochs): a resumed stage skips the batches its finished epochs took.
        model.fit(
            caption_dataset(images, labels, batch_size, seed=seed + 1000 * stage).skip(done * steps),
            steps_per_epoch=steps,
            epochs=epochs,
            initial_epoch=done,
            callbacks=callbacks,
            shuffle=False,  # caption_dataset shuffles
            verbose=verbose,
        )
    base = output_dir / "saved_models"
    export_path = runs.publish(
        output_dir,
        None if export_name is None else base / export_name,
        lambda version: export_text_to_image(model, base, export_name, version=version, metadata=settings),
    )
    return model, export_path


def _adam(learning_rate):
    return keras.optimizers.Adam(learning_rate, beta_1=0.5)


def _load_digits(data, image_size):
    """`(images in [-1, 1] at image_size, labels)` of the embedded digits or a labelled `.npz`."""
    if data == "mnist_embedded":
        images, labels, _ = load_arrays("mnist_embedded", image_size=None if image_size == 28 else image_size)
    elif isinstance(data, (str, pathlib.Path)) and str(data).lower().endswith(".npz"):
        images, labels, _ = load_arrays("npz", str(data), image_size=image_size, channels=1)
    else:
        raise ValueError(f"`data` must be 'mnist_embedded' or a .npz of digits with labels. Received: data={data!r}")
    if labels is None:
        raise ValueError(f"StackGAN's captions are made from labels; {data} has none. Received: data={data!r}")
    return images.astype("float32") / 127.5 - 1.0, np.asarray(labels)


def caption_accuracy(generate, templates="held_out", per_digit=100, seed=0, classifier=None, batch_size=250):
    """How often the shipped MNIST classifier reads the digit a caption names, and its classifier score.

    Args:
        generate: `generate(captions, latent_seed)` -> 28 x 28 x 1 images in [-1, 1] (a model's or an export's).
        templates: the caption templates, `"held_out"` (the goal) or `"train"`.
        per_digit: images per digit.
        seed: seed of the captions and of the latent draws.
        classifier: a Keras classifier of [-1, 1] images (default: the shipped one, docs/metrics.md).

    Returns:
        `{"accuracy": ..., "classifier_score": ..., "images": n}`.
    """
    check_positive_int("per_digit", per_digit)
    if classifier is None:
        classifier, _ = load_classifier("mnist")
    labels = np.repeat(np.arange(10), per_digit)
    captions = make_captions(labels, templates, seed=seed)
    probabilities = []
    for i in range(0, len(labels), batch_size):
        images = np.asarray(generate(captions[i : i + batch_size], seed + i))
        probabilities.append(classifier.predict(images, verbose=0))
    probabilities = np.concatenate(probabilities)
    return {
        "accuracy": float(np.mean(np.argmax(probabilities, axis=-1) == labels)),
        "classifier_score": float(classifier_score(probabilities)),
        "images": int(len(labels)),
    }
