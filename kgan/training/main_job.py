"""`train`: the main job as a library call (data -> GAN -> fit with callbacks -> export).

Scripts and the `kgan train` command are thin wrappers over this function.
"""

import atexit
import dataclasses
import datetime
import pathlib
import shutil
import tempfile

import keras
import tensorflow as tf

from kgan import callbacks as kcallbacks
from kgan.core import GAN, distribute
from kgan.core.optimizers import build_optimizer
from kgan.core.penalties import R1Penalty, WeightPenalty
from kgan.data import open_source
from kgan.serving import export_generator
from kgan.training import runs
from kgan.training.classic import ClassicGAN
from kgan.training.config import TRAINERS, TrainConfig, default_export_name  # noqa: F401 (public here too)
from kgan.training.device_choice import (
    POLICIES,
    DeviceChoice,
    choose_mixed_precision,
    choose_steps_per_execution,
    step_seconds,
)
from kgan.training.recipes import MAIN_JOB  # noqa: F401 (public here too)
from kgan.training.xla_choice import choose_for_run
from kgan.variants import build_variant, get_variant


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


def _trainee(gan, trainer, jit_compile):
    """What runs the epochs: `gan` itself (`fit`) or lecture 004's loop over its networks and optimizers."""
    return ClassicGAN.from_gan(gan, jit_compile=jit_compile) if trainer == "classic" else gan


def default_run_dir(name, root="runs"):
    """`runs/<name>-<YYYYmmdd-HHMMSS>`: a new folder per run, never an existing one."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return pathlib.Path(root) / f"{name}-{stamp}"


def check_batch_size(num_examples, batch_size):
    """Raises `ValueError` when the data holds no full batch (an epoch drops the last partial one)."""
    if num_examples < batch_size:
        raise ValueError(
            f"The dataset has {num_examples} images, too few for one batch of {batch_size}; lower --batch-size "
            f"to at most {num_examples}. Received: batch_size={batch_size}"
        )


class TrainingDiverged(RuntimeError):
    """Raised by `train` when `DivergenceMonitor(action="stop")` stopped the run (no export is written)."""


def train(config=None, /, **settings):
    """Trains a GAN on an image dataset and exports its generator for TF Serving.

    Args:
        config: a `kgan.training.TrainConfig` (every setting, its default and
            its check); or None to build one from `settings`.
        **settings: `TrainConfig` fields, e.g. `train(epochs=1, variant="wgan_gp")`
            (with `config`: changes to it).

    Returns:
        A `TrainResult`.

    Raises:
        ValueError: for a bad setting (before any folder is made) or bad data.
        FileNotFoundError: for a missing dataset file.
        FileExistsError: if `output_dir` holds a finished run or is not a kgan run.
        TrainingDiverged: if training diverged and `on_divergence="stop"`.

    Resuming: when `output_dir` holds a run that was interrupted (killed,
    power loss), the same call continues it from its newest checkpoint: both
    models, both optimizers, the epoch, the noise state and the data order
    come back. Settings that define the run (`TrainConfig`'s `MATCH` fields:
    architecture, dataset, batch size, seed, ...) must match; the others may
    change and take effect (`epochs` may grow; new learning rates and
    betas are set on the restored optimizers).

    Example:
        >>> result = kgan.train(epochs=1)  # doctest: +SKIP
        >>> result.export_path  # doctest: +SKIP
        PosixPath('runs/mnist_dcgan-20261123-150000/saved_models/mnist_dcgan/1')
    """
    if config is None:
        config = TrainConfig(**settings)
    elif not isinstance(config, TrainConfig):
        raise TypeError(f"`config` must be a kgan.training.TrainConfig. Received: config={config!r}")
    elif settings:
        config = dataclasses.replace(config, **settings)
    c = config
    strategy = c.strategy if not isinstance(c.strategy, str) else distribute.get_strategy(c.strategy)
    if c.trainer == "classic" and distribute.strategy_name(strategy) == "multi_worker":
        # Keras 3 cannot train_on_batch a plain model under MultiWorkerMirroredStrategy (keras-team/keras#20585).
        raise ValueError(
            "The classic trainer runs on one machine (default or mirrored strategy); use the fit "
            "trainer across machines. Received: trainer='classic', strategy='multi_worker'"
        )
    export_name = c.resolved_export_name
    chief = distribute.is_chief(strategy)
    run_dir = pathlib.Path(c.output_dir or default_run_dir(export_name))
    checkpoints = run_dir / "checkpoints"  # the chief's, which every worker resumes from
    if chief:
        c.check_paths(run_dir)  # an unwritable folder or missing data fails now, not after the last epoch

    # Keras turns XLA off under op determinism anyway; "auto" is measured once the model is built (xla_choice).
    jit_compile = c.jit_compile is True and not c.deterministic
    if c.deterministic:
        tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(c.seed)
    # Opened before the run directory is made (below, once the model is built), so bad data (an unreadable image,
    # a folder of mixed sizes, too few images for one batch) leaves no run directory behind.
    source = open_source(
        c.dataset, c.data_path, image_size=c.image_size, channels=c.channels, resize=c.resize, cache=c.cache
    )
    info = source.info
    check_batch_size(info.num_examples, c.batch_size)
    steps_per_epoch = info.num_examples // c.batch_size
    if c.verbose:  # what was read, before anything is trained on it (a folder of grey and RGB files reads as RGB)
        print(f"Data: {info.describe()}; {steps_per_epoch} batches of {c.batch_size} per epoch.")
    gpus = tf.config.list_physical_devices("GPU")
    mixed_precision = choose_mixed_precision(c.mixed_precision, gpus)  # "auto": where a GPU is present
    if mixed_precision and c.verbose:
        why = " because a GPU is present (--no-mixed-precision: float32)" if c.mixed_precision == "auto" else ""
        print(f"Mixed precision: {POLICIES[mixed_precision]}{why}.")
    # A forced count is checked now; "auto" trains one step per call until the step is timed (below).
    steps_per_execution = choose_steps_per_execution(c.steps_per_execution, None, steps_per_epoch)
    policy = keras.config.dtype_policy()
    try:
        if mixed_precision:
            keras.config.set_dtype_policy(POLICIES[mixed_precision])
        optimizer = c.optimizer_settings()  # the variant's paper's, where the settings leave it open
        betas = dict(beta_1=optimizer["beta_1"], beta_2=optimizer["beta_2"])
        with strategy.scope():
            gan = _build_gan(c, info)
            gan.compile(
                d_optimizer=build_optimizer(optimizer["optimizer"], optimizer["lr_d"], **betas),
                g_optimizer=build_optimizer(optimizer["optimizer"], optimizer["lr_g"], **betas),
                # The classic trainer compiles its own D and DG (below); the GAN's step is fit's.
                jit_compile=jit_compile and strategy.num_replicas_in_sync == 1 and c.trainer == "fit",
                steps_per_execution=steps_per_execution,
            )
    finally:
        keras.config.set_dtype_policy(policy)  # the models keep theirs; later layers get the caller's
    # The run directory is made only now, so a setting the model refuses leaves none behind either.
    if chief:
        export_base = pathlib.Path(c.export_dir or run_dir / "saved_models")
        state = runs.prepare_run_dir(run_dir, overwrite=c.overwrite, stale=[export_base / export_name])
    else:
        # Workers other than the chief read the chief's run (to resume with it) and write nowhere it can see.
        state = runs.inspect_run(run_dir)
        if state.kind == "finished":
            state = runs.RunState("new") if c.overwrite else runs.prepare_run_dir(run_dir)  # the chief's error
        run_dir = pathlib.Path(tempfile.mkdtemp(prefix="kgan-worker-"))
        atexit.register(shutil.rmtree, run_dir, True)  # also after an error
        export_base = run_dir / "saved_models"
    num_classes = gan.num_classes if gan.conditional else None
    # What the settings left to the architecture and the variant, as built (so config.json says what ran).
    resolved = dataclasses.replace(
        c,
        latent_dim=gan.latent_dim,
        loss=gan.gan_loss.name if gan.takes_loss else None,
        d_steps=gan.d_steps,
        mixed_precision=mixed_precision,  # resumes compare what ran, so "auto" resumes a run of an older kgan
        **optimizer,
    )
    record = resolved.record(
        latent_distribution=gan.latent_distribution,
        image_shape=list(info.image_shape),
        num_examples=info.num_examples,
        num_classes=num_classes,
        strategy={"name": distribute.strategy_name(strategy), "replicas": strategy.num_replicas_in_sync},
    )
    if state.kind == "resumable" or state.skipped:
        runs.check_resumable(state.config, record)  # before anything is moved
        with strategy.scope():
            loaded, initial_epoch = runs.load_newest([checkpoints], keras.saving.load_model, move=chief, state=state)
    else:
        loaded, initial_epoch = None, 0
    if loaded is not None:
        gan = loaded
        _apply_optimizer_settings(gan, c)
    xla = choose_for_run(dataclasses.replace(c, mixed_precision=mixed_precision), gan, source, strategy)
    jit_compile, record["xla"] = xla.jit_compile, xla.record()  # after resuming: a resumed run may decide anew
    if c.trainer == "fit":  # "auto" from the step time; a resumed GAN gets this run's count too
        steps_per_execution = choose_steps_per_execution(c.steps_per_execution, step_seconds(xla), steps_per_epoch)
        if steps_per_execution != gan.steps_per_execution:
            gan.steps_per_execution, gan.train_function = steps_per_execution, None  # fit makes it anew
    if steps_per_execution > 1:
        print(f"{steps_per_execution} train steps per call of the compiled step.", flush=True)
    devices = DeviceChoice(len(gpus), mixed_precision, steps_per_execution, step_seconds(xla))
    record["devices"] = devices.record()
    runs.write_config(run_dir, record)

    # The caller's callbacks come first, so what they add to the logs (GANMetrics' scores)
    # reaches history.csv, the plot and TensorBoard.
    callbacks = [
        *c.extra_callbacks,
        kcallbacks.SampleGrid(
            run_dir / "samples",
            num_images=c.grid_size**2,
            every=c.sample_every,
            seed=c.seed,
            num_classes=num_classes,
            tensorboard_dir=run_dir / "tensorboard" / "samples" if c.tensorboard else None,
        ),
        kcallbacks.HistoryLog(run_dir, title=f"{export_name}: training curves"),
        kcallbacks.DivergenceMonitor(c.on_divergence, checkpoint_dir=run_dir / "checkpoints"),
        kcallbacks.Checkpoint(run_dir / "checkpoints"),
    ]
    if c.tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(str(run_dir / "tensorboard")))
    history = {}
    if initial_epoch < c.epochs:
        # Epoch-indexed shuffling: a resumed run sees the batches an uninterrupted one would.
        data = source.dataset(batch_size=c.batch_size, seed=c.seed, epochs=c.epochs, initial_epoch=initial_epoch)
        data = distribute.shard_by_data(data)
        # shuffle=False: the tf.data pipeline already shuffles (and Keras would warn).
        with strategy.scope():
            trainee = _trainee(gan, c.trainer, jit_compile and strategy.num_replicas_in_sync == 1)
        try:
            history = trainee.fit(
                data,
                epochs=c.epochs,
                initial_epoch=initial_epoch,
                steps_per_epoch=steps_per_epoch,
                callbacks=callbacks,
                verbose=c.verbose,
                shuffle=False,
            ).history
        except tf.errors.InvalidArgumentError as error:  # a streamed file that no longer decodes: named, one line
            explained = source.explain(error)
            if explained is None:
                raise
            raise explained from error
    monitor = next(cb for cb in callbacks if isinstance(cb, kcallbacks.DivergenceMonitor))
    if monitor.reason and c.on_divergence == "stop":
        raise TrainingDiverged(monitor.reason)

    export_path = runs.publish(
        run_dir,
        export_base / export_name,
        lambda version: export_generator(
            gan.sampler,  # the EMA generator when there is one
            export_base,
            export_name,
            version=version,
            metadata={**record, "final_metrics": {k: v[-1] for k, v in history.items()}},
            spec=gan.spec,
        ),
    )
    if not chief:
        # Every worker saved (saving may need all of them); only the chief's files are kept:
        # this worker's temp folder goes at exit (the atexit hook above, also after an error).
        return TrainResult(None, None, history, gan)
    return TrainResult(run_dir, export_path, history, gan)


def _apply_optimizer_settings(gan, config):
    """Sets the `UPDATE` optimizer settings on a restored GAN: a resumed run trains with the new values."""
    settings = config.optimizer_settings()
    for optimizer, lr in ((gan.d_optimizer, settings["lr_d"]), (gan.g_optimizer, settings["lr_g"])):
        optimizer.learning_rate = lr
        for beta in ("beta_1", "beta_2"):
            if settings[beta] is not None:  # None: RMSprop's, which has no betas
                setattr(optimizer, beta, settings[beta])


def _build_gan(config, info):
    """The uncompiled GAN of `config` (under the caller's strategy scope)."""
    c = config
    if get_variant(c.variant).needs_labels and not info.num_classes:
        raise ValueError(f"The {c.variant} variant needs a labelled dataset. Received: dataset={c.dataset!r}")
    options = dict(c.variant_options or {})
    tricks = dict(
        loss=c.loss,
        label_smoothing=c.label_smoothing or None,
        d_steps=c.d_steps,
        ema=c.ema,
        augment=c.augment,
        ada_target=c.ada_target,
        augment_probability=c.augment_probability,
    )
    if c.instance_noise:
        tricks.update(instance_noise=c.instance_noise, instance_noise_steps=c.instance_noise_steps)
    # Given settings override the variant's own defaults (its `default_loss`, WGAN's five D steps, ...).
    options.update({k: v for k, v in tricks.items() if v is not None})
    penalties = []
    if c.d_weight_penalty:
        penalties.append(WeightPenalty(c.d_weight_penalty))
    if c.r1:
        penalties.append(R1Penalty(c.r1))
    if penalties:
        options["penalties"] = [*options.get("penalties", ()), *penalties]
    return build_variant(
        c.variant,
        c.arch,
        info.image_shape,
        c.latent_dim,
        num_classes=info.num_classes,
        init=c.init,
        seed=c.seed,
        spectral_norm=c.spectral_norm,
        **options,
    )
