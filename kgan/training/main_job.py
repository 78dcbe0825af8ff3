"""`train`: the main job as a library call (data -> GAN -> fit with callbacks -> export).

Scripts and the `kgan train` command are thin wrappers over this function.
"""

import atexit
import dataclasses
import datetime
import json
import pathlib
import shutil
import tempfile

import keras
import tensorflow as tf

from kgan import callbacks as kcallbacks
from kgan.core import GAN, distribute
from kgan.core.utils import atomic_path, check_positive_int
from kgan.data import load_arrays, make_dataset
from kgan.serving import export_generator
from kgan.serving.export import check_export_name
from kgan.training import runs
from kgan.training.classic import ClassicGAN
from kgan.variants import build_variant, check_variant_arch, get_variant


@dataclasses.dataclass
class TrainResult:
    """What `train` produced.

    Attributes:
        run_dir: the run directory (samples, plots, checkpoints, history, export).
        export_path: the SavedModel version folder (`.../<name>/<version>`).
        history: per-epoch metrics, as `keras.callbacks.History.history`.
        gan: the trained `kgan.GAN`.
    """

    run_dir: pathlib.Path
    export_path: pathlib.Path
    history: dict
    gan: GAN


TRAINERS = ("fit", "classic")

# The main job's recipe: what `python scripts/train_mnist_gan.py` and `kgan train` use unless told otherwise
# (`train()` itself defaults to the plain DCGAN). Chosen by the ablation in benchmarks/RESULTS.md.
MAIN_JOB = dict(variant="infogan", variant_options={"categories": 20}, arch="dcgan_fc", lr_d=5e-4, lr_g=5e-4,
                ema=0.999, augment="color,translation,cutout", augment_probability=0.0, ada_target=0.6, epochs=50)


def _trainee(gan, trainer, jit_compile):
    """What runs the epochs: `gan` itself (`fit`) or lecture 004's loop over its networks and optimizers."""
    return ClassicGAN.from_gan(gan, jit_compile=jit_compile) if trainer == "classic" else gan


def default_export_name(dataset, arch, variant):
    """`<dataset>_<variant>` (`mnist_infogan`); the plain GAN's export is named by its architecture (`mnist_dcgan`)."""
    return f"{dataset.replace('_embedded', '')}_{arch if get_variant(variant) is GAN else variant}"


def default_run_dir(name, root="runs"):
    """`runs/<name>-<YYYYmmdd-HHMMSS>`: a new folder per run, never an existing one."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return pathlib.Path(root) / f"{name}-{stamp}"


class TrainingDiverged(RuntimeError):
    """Raised by `train` when `DivergenceMonitor(action="stop")` stopped the run (no export is written)."""


def prepare_run_dir(run_dir, overwrite=False):
    """Creates `run_dir` or finds the interrupted run in it; never writes into anything else.

    Args:
        run_dir: the run directory.
        overwrite: start a finished run again from scratch (its files are deleted).

    Returns:
        A `kgan.training.runs.RunState`: `"new"` or `"resumable"`.

    Raises:
        FileExistsError: if `run_dir` holds a finished run (and not `overwrite`),
            or is a non-empty folder that is not a kgan run.
    """
    run_dir = pathlib.Path(run_dir)
    state = runs.inspect_run(run_dir)
    if state.kind == "finished":
        if not overwrite:
            raise FileExistsError(
                "The output directory holds a finished run; pass --overwrite to train it again from scratch, or "
                f"choose a new --output-dir. Received: {run_dir}"
            )
        runs.clear_run(run_dir)
        state = runs.RunState("new")
    run_dir.mkdir(parents=True, exist_ok=True)
    return state


def train(
    *,
    arch="dcgan",
    dataset="mnist_embedded",
    data_path=None,
    epochs=50,
    batch_size=64,
    latent_dim=None,
    lr_d=2e-4,
    lr_g=2e-4,
    beta_1=0.5,
    loss=None,
    init=None,
    seed=0,
    output_dir=None,
    export_name=None,
    export_dir=None,
    jit_compile=True,
    tensorboard=False,
    sample_every=1,
    verbose=1,
    extra_callbacks=(),
    trainer="fit",
    overwrite=False,
    deterministic=False,
    on_divergence="stop",
    variant="gan",
    variant_options=None,
    strategy=None,
    mixed_precision=False,
    steps_per_execution=1,
    ema=None,
    augment=None,
    augment_probability=1.0,
    ada_target=None,
    spectral_norm=False,
    r1=0.0,
):
    """Trains a GAN on an image dataset and exports its generator for TF Serving.

    Args:
        arch: a key of `kgan.models.ARCHITECTURES` (`dcgan`, `lecture004`, `upsample`).
        dataset: a name from `kgan.data.DATASETS`.
        data_path: the file or folder for the `npz` and `folder` datasets.
        epochs: passes over the dataset.
        batch_size: images per step.
        latent_dim: latent size (default: the architecture's).
        lr_d: discriminator learning rate (Adam).
        lr_g: generator learning rate (Adam).
        beta_1: Adam's beta_1 for both (0.5, DCGAN).
        loss: a name from `kgan.core.losses.LOSSES` (default: the variant's `default_loss`).
        init: `"dcgan"` or `"default"` to override the architecture's initialisation.
        seed: seed of data order, weights and noise.
        output_dir: the run directory (default `runs/<export_name>-<timestamp>`);
            must not exist or be empty.
        export_name: the model name of the export (default `<dataset>_<arch>`).
        export_dir: the SavedModel base folder (default `<run_dir>/saved_models`).
        jit_compile: compile the train step with XLA (about twice as fast on CPU).
        tensorboard: also log to `<run_dir>/tensorboard`.
        sample_every: save a sample grid every this many epochs.
        verbose: `fit`'s verbosity (1: progress bar).
        extra_callbacks: more Keras callbacks.
        trainer: `"fit"` (`GAN.fit`: one compiled train step) or `"classic"`
            (lecture 004's loop, `kgan.training.ClassicGAN`: D, then the combined DG
            model with D frozen, trained by `train_on_batch`), with the same data,
            callbacks, checkpoints and export.
        overwrite: if `output_dir` holds a finished run, delete it and start
            again (otherwise that is an error).
        deterministic: make the run bit-for-bit repeatable, also across a
            kill and resume (`tf.config.experimental.enable_op_determinism`,
            XLA off; slower).
        on_divergence: `"stop"` (no export, `TrainingDiverged`) or `"warn"`
            when losses turn NaN/Inf, D wins outright, or samples collapse
            (`kgan.callbacks.DivergenceMonitor`).
        variant: a key of `kgan.variants.VARIANTS` (`gan`, `wgan`, `wgan_gp`,
            `dragan`, `lsgan`, `began`, `cgan`, `acgan`). Conditional variants
            get the dataset's classes, a sample grid with one row per class and
            an export taking `labels`.
        variant_options: the variant's constructor arguments, e.g.
            `{"d_steps": 5, "gp_weight": 10.0}` or `{"validity_weight": 0.01}`
            (any `kgan.GAN` option too: `label_smoothing`, `instance_noise`, ...).
        mixed_precision: build G and D under the `"mixed_float16"` dtype
            policy (float16 compute, float32 weights and outputs, loss
            scaling): faster on recent GPUs, correct but slower on CPUs.
        steps_per_execution: train steps per call of the compiled function
            (fewer Python round trips; callbacks see every N-th batch).
        strategy: a `tf.distribute.Strategy`, or a name from
            `kgan.core.distribute.STRATEGIES` (`"mirrored"`: every GPU of this
            machine; `"multi_worker"`: one process per machine, set up by
            `TF_CONFIG`). The models are built and trained under it; `batch_size`
            is the global batch, split over the replicas. Only the chief
            writes `output_dir` and the export; other workers write to a
            temporary folder that is deleted at the end.
        ema: decay of the moving average of G's weights that the samples,
            metrics and export use (`kgan.GAN`'s `ema`; e.g. 0.999), or None.
        augment: differentiable augmentation of D's inputs, e.g.
            `"color,translation,cutout"` (`kgan.core.augment`), or None.
        augment_probability: probability of each augmentation (the start
            value when `ada_target` is set).
        ada_target: adapt the probability to keep `E[sign(D(real))]` at this
            target (ADA; 0.6), or None for a fixed probability.
        spectral_norm: spectrally normalise D's layers (Miyato et al. 2018).
        r1: weight gamma of the R1 penalty on D's gradient at real data
            (Mescheder et al. 2018); 0 disables it.

    Returns:
        A `TrainResult`.

    Raises:
        ValueError: for a bad argument or bad data.
        FileNotFoundError: for a missing dataset file.
        FileExistsError: if `output_dir` holds a finished run or is not a kgan run.
        TrainingDiverged: if training diverged and `on_divergence="stop"`.

    Resuming: when `output_dir` holds a run that was interrupted (killed,
    power loss), the same call continues it from its newest checkpoint: both
    models, both optimizers, the epoch, the noise state and the data order
    come back. Settings that define the run (architecture, dataset, batch
    size, seed, ...) must match; `epochs` may grow.

    Example:
        >>> result = kgan.train(epochs=1)  # doctest: +SKIP
        >>> result.export_path  # doctest: +SKIP
        PosixPath('runs/mnist_infogan-20261123-150000/saved_models/mnist_infogan/1')
    """
    check_positive_int("epochs", epochs)
    if trainer not in TRAINERS:
        raise ValueError(f"`trainer` must be one of {TRAINERS}. Received: trainer={trainer!r}")
    if trainer == "classic" and (ema is not None or augment or r1):
        raise ValueError("The EMA generator, augmentation and R1 need the fit trainer. "
                         f"Received: trainer='classic', ema={ema!r}, augment={augment!r}, r1={r1!r}")
    if not r1 >= 0:
        raise ValueError(f"`r1` must be >= 0. Received: r1={r1!r}")
    if trainer == "classic" and tensorboard:
        raise ValueError("TensorBoard logging needs the fit trainer. Received: trainer='classic', tensorboard=True")
    check_positive_int("batch_size", batch_size)
    if latent_dim is not None:
        check_positive_int("latent_dim", latent_dim)
    for name, value in (("lr_d", lr_d), ("lr_g", lr_g)):
        if not value > 0:
            raise ValueError(f"`{name}` must be a positive number. Received: {name}={value!r}")
    check_variant_arch(variant, arch)
    export_name = export_name or default_export_name(dataset, arch, variant)
    check_export_name(export_name)  # before any folder is made or epoch trained, not after the last
    if on_divergence not in ("stop", "warn"):
        raise ValueError(f"`on_divergence` must be 'stop' or 'warn'. Received: on_divergence={on_divergence!r}")
    if strategy is None or isinstance(strategy, str):
        strategy = distribute.get_strategy(strategy or "default")
    if trainer == "classic" and distribute.strategy_name(strategy) == "multi_worker":
        # Keras 3 cannot train_on_batch a plain model under MultiWorkerMirroredStrategy (keras-team/keras#20585).
        raise ValueError("The classic trainer runs on one machine (default or mirrored strategy); use the fit "
                         "trainer across machines. Received: trainer='classic', strategy='multi_worker'")
    chief = distribute.is_chief(strategy)
    run_dir = pathlib.Path(output_dir or default_run_dir(export_name))
    if chief:
        state = prepare_run_dir(run_dir, overwrite=overwrite)
    else:
        # Workers other than the chief read the chief's run (to resume with it) and write nowhere it can see.
        state = runs.inspect_run(run_dir)
        if state.kind == "finished":
            state = runs.RunState("new") if overwrite else prepare_run_dir(run_dir)  # the chief's error
        run_dir = pathlib.Path(tempfile.mkdtemp(prefix="kgan-worker-"))
        atexit.register(shutil.rmtree, run_dir, True)  # also after an error

    if deterministic:
        tf.config.experimental.enable_op_determinism()
        jit_compile = False  # Keras turns XLA off under op determinism anyway; say so here
    keras.utils.set_random_seed(seed)
    images, labels, info = load_arrays(dataset, data_path)
    variant_options = dict(variant_options or {})
    gan_options = dict(ema=ema, augment=augment, augment_probability=augment_probability, ada_target=ada_target)
    variant_options.update({k: v for k, v in gan_options.items() if v is not None})
    if r1:
        from kgan.core.penalties import R1Penalty  # noqa: PLC0415

        variant_options["penalties"] = [*variant_options.get("penalties", ()), R1Penalty(r1)]
    check_positive_int("steps_per_execution", steps_per_execution)
    policy = keras.config.dtype_policy()
    try:
        if mixed_precision:
            keras.config.set_dtype_policy("mixed_float16")
        with strategy.scope():
            gan = _build_gan(variant, arch, info, latent_dim, init, seed, loss, variant_options, dataset,
                             spectral_norm)
            gan.compile(
                d_optimizer=keras.optimizers.Adam(lr_d, beta_1=beta_1),
                g_optimizer=keras.optimizers.Adam(lr_g, beta_1=beta_1),
                # The classic trainer compiles its own D and DG (below); the GAN's step is fit's.
                jit_compile=jit_compile and strategy.num_replicas_in_sync == 1 and trainer == "fit",
                steps_per_execution=steps_per_execution,
            )
    finally:
        keras.config.set_dtype_policy(policy)  # the models keep theirs; later layers get the caller's
    num_classes = gan.num_classes if gan.conditional else None
    config = dict(
        arch=arch, dataset=dataset, data_path=str(data_path) if data_path else None, epochs=epochs,
        batch_size=batch_size, latent_dim=gan.latent_dim, latent_distribution=gan.latent_distribution,
        lr_d=lr_d, lr_g=lr_g, beta_1=beta_1, loss=gan.gan_loss.name, init=init, seed=seed,
        image_shape=list(info.image_shape),
        num_examples=info.num_examples, variant=variant, num_classes=num_classes, ema=ema, augment=augment,
        augment_probability=augment_probability, ada_target=ada_target, spectral_norm=bool(spectral_norm), r1=r1,
        variant_options={k: [repr(p) for p in v] if k == "penalties" else v for k, v in variant_options.items()},
    )
    initial_epoch = 0
    if state.kind == "resumable":
        runs.check_resumable(state.config, config)
        with strategy.scope():
            gan = keras.saving.load_model(state.checkpoint)
        initial_epoch = state.epoch
        print(f"Resuming the interrupted run in {run_dir} after epoch {initial_epoch} (from {state.checkpoint}).",
              flush=True)
    config["trainer"] = trainer
    config["mixed_precision"] = bool(mixed_precision)
    config["steps_per_execution"] = steps_per_execution
    config["strategy"] = {"name": distribute.strategy_name(strategy), "replicas": strategy.num_replicas_in_sync}
    with atomic_path(run_dir / "config.json") as tmp:
        tmp.write_text(json.dumps(config, indent=2))

    # The caller's callbacks come first, so what they add to the logs (GANMetrics' scores)
    # reaches history.csv, the plot and TensorBoard.
    callbacks = [
        *extra_callbacks,
        kcallbacks.SampleGrid(run_dir / "samples", every=sample_every, seed=seed, num_classes=num_classes,
                              tensorboard_dir=run_dir / "tensorboard" / "samples" if tensorboard else None),
        kcallbacks.HistoryLog(run_dir, title=f"{export_name}: training curves"),
        kcallbacks.DivergenceMonitor(on_divergence, checkpoint_dir=run_dir / "checkpoints"),
        kcallbacks.Checkpoint(run_dir / "checkpoints"),
    ]
    if tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(str(run_dir / "tensorboard")))
    history = {}
    if initial_epoch < epochs:
        # Epoch-indexed shuffling: a resumed run sees the batches an uninterrupted one would.
        data = make_dataset(images, labels, batch_size=batch_size, seed=seed, epochs=epochs,
                                     initial_epoch=initial_epoch)
        data = distribute.shard_by_data(data)
        # shuffle=False: the tf.data pipeline already shuffles (and Keras would warn).
        with strategy.scope():
            trainee = _trainee(gan, trainer, jit_compile and strategy.num_replicas_in_sync == 1)
        history = trainee.fit(data, epochs=epochs, initial_epoch=initial_epoch,
                          steps_per_epoch=info.num_examples // batch_size, callbacks=callbacks, verbose=verbose,
                          shuffle=False).history
    monitor = next(c for c in callbacks if isinstance(c, kcallbacks.DivergenceMonitor))
    if monitor.reason and on_divergence == "stop":
        raise TrainingDiverged(monitor.reason)

    export_path = export_generator(
        gan.sampler,  # the EMA generator when there is one
        (export_dir if chief else None) or run_dir / "saved_models",
        export_name,
        metadata={**config, "final_metrics": {k: v[-1] for k, v in history.items()}},
    )
    if not chief:
        # Every worker saved (saving may need all of them); only the chief's files are kept:
        # this worker's temp folder goes at exit (the atexit hook above, also after an error).
        return TrainResult(None, None, history, gan)
    runs.mark_finished(run_dir, export_path=export_path)
    return TrainResult(run_dir, export_path, history, gan)


def _build_gan(variant, arch, info, latent_dim, init, seed, loss, variant_options, dataset, spectral_norm=False):
    """The uncompiled GAN of `variant` (under the caller's strategy scope)."""
    if get_variant(variant).needs_labels and not info.num_classes:
        raise ValueError(f"The {variant} variant needs a labelled dataset. Received: dataset={dataset!r}")
    if loss is not None:  # an explicit loss overrides the variant's own (its `default_loss`)
        variant_options.setdefault("loss", loss)
    return build_variant(variant, arch, info.image_shape, latent_dim, num_classes=info.num_classes, init=init,
                         seed=seed, spectral_norm=spectral_norm, **variant_options)
