"""Lecture 002's convolutional notebooks compared: the same data, seed and budget for each, one picture, one table.

Lecture 002 (STAT 479) links five MNIST notebooks (Raschka, `rasbt/stat479-deep-learning-ss19`,
`L17_gans/code/`) that teach by what goes wrong: a conv GAN whose losses converge while it fails, a GAN with
mode collapse, one that is "not great", one that is "relatively good" because it has BatchNorm, and the same
with label smoothing. `CONV_NOTEBOOKS` holds each notebook's networks (a `kgan.models` preset, see
`kgan.models.lecture002_conv`) and settings; `compare_conv_notebooks` trains them all with `kgan.train` and
scores each export with `kgan.metrics` (the shipped classifier, docs/metrics.md's protocol).

Every notebook trains with Adam (PyTorch's defaults: beta_1 0.9) at its learning rate, batches of 128, a
latent vector of 100 drawn from U[-1, 1], images scaled to [-1, 1] and the binary cross-entropy with G's
flipped target (the non-saturating loss), D's loss the mean of its real and fake losses. What kgan does
differently: the notebooks take G's step before D's in each iteration (kgan: D's, then G's, as Algorithm 1),
train 100 epochs of the 60,000 MNIST digits (46,900 steps; here: the 5,000 embedded digits and the budget the
caller gives), and the label-smoothing notebook also aims G's loss at 0.9 where kgan's one-sided smoothing
leaves G's target at 1 (D's real target is 0.9 in both).
"""

import dataclasses
import json
import pathlib
import time

import numpy as np

from kgan.core.plotting import save_montage
from kgan.core.utils import atomic_path, check_positive_int
from kgan.metrics import Evaluator, evaluate_export
from kgan.training import TrainConfig, train


@dataclasses.dataclass(frozen=True)
class ConvNotebook:
    """One of lecture 002's convolutional notebooks, as kgan settings.

    Attributes:
        key: a short name (the run's folder and `--notebooks` value).
        label: its row label in the comparison picture (a few characters).
        notebook: the notebook's file in `L17_gans/code/`.
        arch: its networks, a `kgan.models.ARCHITECTURES` preset.
        lesson: what the notebook shows.
        lr: the learning rate of both Adam optimizers.
        label_smoothing: one-sided label smoothing: D's real target is `1 - label_smoothing`.
    """

    key: str
    label: str
    notebook: str
    arch: str
    lesson: str
    lr: float
    label_smoothing: float = 0.0


CONV_NOTEBOOKS = (
    ConvNotebook(
        "cnn_fail", "fails", "gan-cnn-mnist-converge-but-fail.ipynb", "lecture002_cnn_fail", "converges but fails", 1e-4
    ),
    ConvNotebook(
        "halfcnn_collapse",
        "collapse",
        "gan-halfcnn-mnist-mode-collapse.ipynb",
        "lecture002_halfcnn_collapse",
        "mode collapse",
        1e-3,
    ),
    ConvNotebook(
        "cnn_not_great", "not great", "gan-cnn-mnist-not-great.ipynb", "lecture002_cnn_not_great", "not great", 1e-4
    ),
    ConvNotebook(
        "cnn_bn", "BatchNorm", "gan-cnn-mnist.ipynb", "lecture002_cnn_bn", "relatively good, with BatchNorm", 1e-4
    ),
    ConvNotebook(
        "cnn_bn_label_smoothing",
        "smoothing",
        "gan-cnn-mnist-label-smoothing.ipynb",
        "lecture002_cnn_bn",
        "BatchNorm and label smoothing (0.9)",
        1e-4,
        label_smoothing=0.1,
    ),
)

#: What every notebook shares (kgan.TrainConfig fields and GAN options).
NOTEBOOK_SETTINGS = dict(batch_size=128, beta_1=0.9, loss="non_saturating", latent_distribution="uniform")


def select_notebooks(keys=None):
    """The notebooks named by `keys` (default: all five), in `CONV_NOTEBOOKS`' order.

    Raises:
        ValueError: naming a key that is not a notebook's.
    """
    if keys is None:
        return CONV_NOTEBOOKS
    known = [nb.key for nb in CONV_NOTEBOOKS]
    unknown = [key for key in keys if key not in known]
    if unknown or not keys:
        raise ValueError(f"The notebooks are {known}. Received: notebooks={list(keys)!r}")
    return tuple(nb for nb in CONV_NOTEBOOKS if nb.key in keys)


@dataclasses.dataclass(frozen=True)
class NotebookResult:
    """One notebook's run: its scores (`kgan.metrics.Evaluator.score`), final losses, samples and time.

    Attributes:
        notebook: the `ConvNotebook`.
        scores: `classifier_score`, `frechet_distance`, `kid`, `classes_covered`, `histogram`, ...
        d_loss, g_loss: the last epoch's mean losses.
        d_real_acc, d_fake_acc: the last epoch's share of real (fake) images D called real (fake).
        samples: generated images in [-1, 1], the same latent vectors for every notebook.
        seconds: wall time of training, export and scoring.
        run_dir: the run's folder (samples per epoch, curves, checkpoints, the export).
    """

    notebook: ConvNotebook
    scores: dict
    d_loss: float
    g_loss: float
    d_real_acc: float
    d_fake_acc: float
    samples: np.ndarray
    seconds: float
    run_dir: pathlib.Path


def compare_conv_notebooks(
    output_dir,
    notebooks=None,
    *,
    epochs=5,
    batch_size=NOTEBOOK_SETTINGS["batch_size"],
    seed=0,
    dataset="mnist_embedded",
    data_path=None,
    num_samples=12,
    jit_compile=True,
    verbose=0,
    progress=None,
    evaluator=None,
):
    """Trains every notebook's GAN with the same data, seed and budget and scores it.

    Each run is a `kgan.train` run in `output_dir/<key>` (its run folder: samples, curves, checkpoints, the
    SavedModel export), scored by `kgan.metrics.evaluate_export` on the shipped MNIST classifier. A run whose
    samples collapse or whose D wins outright goes on to the end (`on_divergence="warn"`): that is what some
    notebooks show.

    Args:
        output_dir: a new or empty folder for the runs.
        notebooks: `ConvNotebook`s (default: `CONV_NOTEBOOKS`).
        epochs: passes over the data, the same for every notebook.
        batch_size: images per step (the notebooks': 128).
        seed: seed of data order, weights and noise, the same for every notebook.
        dataset, data_path: the training data (`kgan.TrainConfig`'s; default: the 5,000 embedded digits).
        num_samples: samples per notebook for the picture (the same latent vectors for all).
        jit_compile: compile the train step with XLA.
        verbose: `fit`'s verbosity.
        progress: `fn(NotebookResult)` called after each notebook (e.g. to print it).
        evaluator: a `kgan.metrics.Evaluator` (default: the shipped MNIST classifier's).

    Returns:
        A list of `NotebookResult`, in the order of `notebooks`.

    Raises:
        ValueError: for a bad setting (before any training).

    Example:
        >>> results = compare_conv_notebooks("runs/l002", epochs=1)  # doctest: +SKIP
        >>> print(format_notebook_table(results))  # doctest: +SKIP
    """
    notebooks = CONV_NOTEBOOKS if notebooks is None else tuple(notebooks)
    if not notebooks:
        raise ValueError("Need at least one notebook to compare. Received: notebooks=()")
    check_positive_int("num_samples", num_samples)
    output_dir = pathlib.Path(output_dir)
    configs = [  # built first, so a bad setting fails before the first run
        TrainConfig(
            arch=nb.arch,
            epochs=epochs,
            batch_size=batch_size,
            lr_d=nb.lr,
            lr_g=nb.lr,
            beta_1=NOTEBOOK_SETTINGS["beta_1"],
            loss=NOTEBOOK_SETTINGS["loss"],
            seed=seed,
            dataset=dataset,
            data_path=data_path,
            output_dir=output_dir / nb.key,
            export_name=f"lecture002_{nb.key}",
            jit_compile=jit_compile,
            verbose=verbose,
            on_divergence="warn",  # the failures are the lesson: a collapsed or overpowered run goes on
            label_smoothing=nb.label_smoothing,
            variant_options={"latent_distribution": NOTEBOOK_SETTINGS["latent_distribution"]},
        )
        for nb in notebooks
    ]
    evaluator = evaluator or Evaluator.from_classifier("mnist")
    results = []
    for nb, config in zip(notebooks, configs):
        start = time.perf_counter()
        run = train(config)
        scored = evaluate_export(run.export_path, evaluator=evaluator, verbose=False)
        latent = run.gan.spec.latent_from_seed(seed, num_samples)  # the same vectors for every notebook
        samples = np.asarray(run.gan.sampler(latent, training=False))
        last = {key: float(values[-1]) for key, values in run.history.items()} if run.history else {}
        result = NotebookResult(
            nb,
            scored["scores"],
            last.get("d_loss", float("nan")),
            last.get("g_loss", float("nan")),
            last.get("d_real_acc", float("nan")),
            last.get("d_fake_acc", float("nan")),
            samples,
            time.perf_counter() - start,
            run.run_dir,
        )
        results.append(result)
        if progress is not None:
            progress(result)
    return results


def format_notebook_table(results, reference=None):
    """The comparison as a Markdown table: scores, classes covered, final losses and D's accuracies.

    Args:
        results: `NotebookResult`s.
        reference: the classifier card's real-against-real scores (`Evaluator.reference`), added as a last row.
    """
    lines = [
        "| notebook | shows | classifier score | Fréchet distance | classes covered | final D loss | final G loss "
        "| D real / fake acc. | seconds |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s = r.scores
        lines.append(
            f"| `{r.notebook.key}` | {r.notebook.lesson} | {s['classifier_score']:.2f} | {s['frechet_distance']:.1f} "
            f"| {s['classes_covered']}/{len(s['histogram'])} | {r.d_loss:.3f} | {r.g_loss:.3f} "
            f"| {r.d_real_acc:.2f} / {r.d_fake_acc:.2f} | {r.seconds:.0f} |"
        )
    if reference:
        lines.append(
            f"| real digits | the reference | {reference['classifier_score']:.2f} "
            f"| {reference['frechet_distance']:.1f} | {reference['classes_covered']}/10 | | | | |"
        )
    return "\n".join(lines)


def plot_notebook_comparison(results, path, title=None):
    """Saves one labelled row of samples per notebook (`kgan.core.plotting.save_montage`, written atomically)."""
    labels = [f"{r.notebook.label}\nscore {r.scores['classifier_score']:.1f}" for r in results]
    return save_montage([r.samples for r in results], labels, path, title=title)


def save_comparison(results, output_dir, reference=None):
    """Writes `comparison.png` (the samples), `results.md` (the table) and `results.json` into `output_dir`.

    Returns:
        The three paths.
    """
    output_dir = pathlib.Path(output_dir)
    picture = plot_notebook_comparison(
        results, output_dir / "comparison.png", title="Lecture 002's convolutional notebooks (same seed and budget)"
    )
    table = output_dir / "results.md"
    with atomic_path(table) as tmp:
        tmp.write_text(format_notebook_table(results, reference) + "\n")
    record = {
        r.notebook.key: {
            "notebook": r.notebook.notebook,
            "arch": r.notebook.arch,
            "lr": r.notebook.lr,
            "label_smoothing": r.notebook.label_smoothing,
            "scores": r.scores,
            "d_loss": r.d_loss,
            "g_loss": r.g_loss,
            "d_real_acc": r.d_real_acc,
            "d_fake_acc": r.d_fake_acc,
            "seconds": r.seconds,
            "run_dir": str(r.run_dir),
        }
        for r in results
    }
    numbers = output_dir / "results.json"
    with atomic_path(numbers) as tmp:
        tmp.write_text(json.dumps({"notebooks": record, "reference": reference}, indent=2))
    return picture, table, numbers
