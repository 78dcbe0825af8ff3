"""`TrainConfig`: the one home of every training setting.

Each setting is one dataclass field holding its default, its help text, its
choices (read from the registries: `kgan.models.ARCHITECTURES`,
`kgan.variants.VARIANTS`, `kgan.data.DATASETS`, `kgan.core.losses.LOSSES`,
`TRAINERS`, `kgan.core.distribute.STRATEGIES`; their names are read from `kgan.core.catalog`, so the flags need
no TensorFlow), its check, how it is spelled
on the command line, and what resuming an interrupted run does with it:

- `MATCH`: the setting defines the run (architecture, data, seed, ...); a
  resumed run must have the same value, or it is refused;
- `UPDATE`: it may change on resume and the resumed run uses the new value
  (`epochs` extends a run; new learning rates and betas are set on the
  restored optimizers; where to write, how to log).

A setting left at None takes the variant's or the architecture's value (the
loss, `d_steps`, the optimizer and its learning rates, the latent size), so an
explicit value is always honoured, also one equal to that default. Settings
the others leave no use for are refused (`kgan.training.config_checks`), and
`TrainConfig.from_recipe` applies a recipe such as `MAIN_JOB` under the
settings the caller gave, dropping its defaults that no longer apply.

`kgan.cli` generates the flags of `kgan train` and of the scripts from these
fields, `kgan.train` checks them all (`TrainConfig(...)` raises before any
folder is made), and `config.json` holds `TrainConfig.record()`. A new setting
is one field here (and its use in `kgan.training.main_job.train`).
"""

import dataclasses
import json
import typing

from kgan.core import catalog  # the registries' names: the flags are built without importing TensorFlow
from kgan.core.utils import check_readable, check_writable_dir
from kgan.training.settings import (  # noqa: F401 (MATCH, UPDATE and the groups are public here too)
    DISTRIBUTED,
    MATCH,
    SMALL_DATA,
    TRAINERS,
    TRICKS,
    UPDATE,
    architectures,
    cache_modes,
    datasets,
    latent_dims,
    losses,
    optimizers,
    resize_policies,
    setting,
    variants,
    variants_default,
)


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Every setting of `kgan.train` (see each field's help; `kgan train --help` shows them all).

    Raises:
        ValueError: on construction, naming the first bad setting.
    """

    arch: str = setting(
        "dcgan",
        "network architecture (docs/main_job.md, 'The architectures'): dcgan_fc is the main job's (dcgan with "
        "InfoGAN's fully connected layers), lecture* reproduce a lecture's networks exactly",
        resume=MATCH,
        choices=architectures,
    )
    variant: str = setting(
        "gan",
        "the GAN variant, with its paper's defaults (docs/variants.md): infogan (the main job's: InfoGAN's "
        "categorical code, no labels needed), gan (the plain GAN of the lectures), wgan_gp, cgan, ...",
        resume=MATCH,
        choices=variants,
    )
    dataset: str = setting(
        "mnist_embedded",
        "mnist_embedded: 5,000 real MNIST digits shipped with kgan (offline); mnist, "
        "fashion_mnist: tensorflow-datasets (prepared locally or downloadable); npz: a Keras mnist.npz at "
        "--data-path; folder: your images at --data-path; usps: the 16x16 USPS digits at --data-path (usps.h5 or the "
        "LIBSVM usps[.bz2], docs/lectures.md); tfds:NAME: any tensorflow-datasets set prepared locally (e.g. "
        "tfds:cifar10; never downloaded)",
        resume=MATCH,
        choices=datasets,
    )
    data_path: str | None = setting(
        None, "file (npz, usps) or folder (folder) to read with --dataset npz|usps|folder", resume=MATCH, kind="path"
    )
    image_size: tuple | None = setting(
        None,
        "resize every image to H or HxW pixels (bilinear, antialiased), e.g. 32 or 32x48 (default: the dataset's; "
        "for a folder, its first image's)",
        resume=MATCH,
        kind="image_size",
    )
    resize: str = setting(
        "stretch",
        "how --image-size reaches an image of another aspect ratio: stretch (resize it), crop (centre-crop it to the "
        "aspect ratio, then resize) or pad (resize it to fit, then pad with black)",
        resume=MATCH,
        choices=resize_policies,
    )
    channels: int | None = setting(
        None,
        "convert every image to 1 (greyscale) or 3 (RGB) channels (default: the dataset's; for a folder, 1 if "
        "every image is grey)",
        resume=MATCH,
        kind="int",
        choices=(1, 3),
    )
    cache: str = setting(
        "auto",
        "for --dataset folder, where decoded images stay between epochs: none (streamed from disk every epoch, "
        "memory stays flat), memory (decoded once: the fastest epochs), auto (memory up to 1 GiB, else none)",
        resume=UPDATE,
        choices=cache_modes,
    )
    epochs: int = setting(
        50, "passes over the dataset; a resumed run may extend it", resume=UPDATE, kind="positive_int"
    )
    batch_size: int = setting(
        64, "images per training step (the global batch under a strategy)", resume=MATCH, kind="positive_int"
    )
    latent_dim: int | None = setting(
        None,
        f"size of the latent vector (default: the architecture's: {latent_dims()})",
        resume=MATCH,
        kind="positive_int",
    )
    lr_d: float | None = setting(
        None,
        f"discriminator learning rate (default: the variant's: {variants_default('learning_rate')})",
        resume=UPDATE,
        kind="positive_float",
    )
    lr_g: float | None = setting(
        None, "generator learning rate (default: the variant's, as --lr-d)", resume=UPDATE, kind="positive_float"
    )
    optimizer: str | None = setting(
        None,
        f"the optimizer of both networks (default: the variant's paper's: {variants_default('optimizer')})",
        resume=MATCH,
        choices=optimizers,
        group=TRICKS,
    )
    beta_1: float | None = setting(
        None,
        f"Adam's beta_1 for both optimizers (default: the variant's: {variants_default('beta_1')})",
        resume=UPDATE,
        group=TRICKS,
        kind="fraction",
    )
    beta_2: float | None = setting(
        None,
        f"Adam's beta_2 for both optimizers (default: the variant's: {variants_default('beta_2')})",
        resume=UPDATE,
        group=TRICKS,
        kind="fraction",
    )
    loss: str | None = setting(
        None,
        "the GAN loss; generator costs of lectures 002 and 004: non_saturating (flipped target), minimax "
        "(zero-sum), maximum_likelihood (default: the variant's own: non_saturating, wasserstein for wgan and "
        "wgan_gp, least_squares for lsgan)",
        resume=MATCH,
        choices=losses,
    )
    init: str | None = setting(
        None,
        "weight initialisation: dcgan = N(0, 0.02) conv kernels (default: the architecture's)",
        resume=MATCH,
        choices=("default", "dcgan"),
        group=TRICKS,
    )
    seed: int = setting(0, "seed of data order, weights and latent noise", resume=MATCH, kind="non_negative_int")
    output_dir: str | None = setting(
        None,
        "run directory for samples, plots, checkpoints and the export; must be new or empty, or hold the "
        "interrupted run to resume (default: runs/<export-name>-<timestamp>)",
        resume=UPDATE,
        kind="path",
    )
    export_name: str | None = setting(
        None,
        "model name of the SavedModel export, saved_models/<name>/<version> (default: <dataset>_<variant>, "
        "e.g. mnist_infogan; <dataset>_<arch> for the plain gan)",
        resume=UPDATE,
        kind="str",
    )
    export_dir: str | None = setting(
        None, "base folder of the export (default: <output-dir>/saved_models)", resume=UPDATE, kind="path"
    )
    jit_compile: bool | str = setting(
        "auto",
        "compile the train step with XLA: auto times a few steps of this run both ways and keeps the faster "
        "(cached per machine, KGAN_XLA_CACHE=off measures again; docs/speed.md); --jit / --no-jit force it",
        resume=UPDATE,
        flag="--jit",
        kind="switch",
    )
    tensorboard: bool = setting(False, "also write TensorBoard logs to <output-dir>/tensorboard", resume=UPDATE)
    sample_every: int = setting(1, "save a sample grid every this many epochs", resume=UPDATE, kind="positive_int")
    grid_size: int = setting(
        10,
        "images per side of the sample grids (a conditional model's rows are its classes)",
        resume=MATCH,
        kind="positive_int",
    )
    verbose: int = setting(1, "fit's verbosity (1: progress bar)", resume=UPDATE, cli=False)
    extra_callbacks: tuple = setting(
        (),
        "more Keras callbacks (they run before kgan's, so what they log reaches history.csv)",
        resume=UPDATE,
        cli=False,
    )
    trainer: str = setting(
        "fit",
        "fit: GAN.fit, one compiled train step (fast); classic: lecture 004's loop, D and the combined DG "
        "model with D frozen trained by train_on_batch, printing [D loss] [DG loss]",
        resume=MATCH,
        choices=TRAINERS,
    )
    overwrite: bool = setting(
        False,
        "if --output-dir holds a finished run, delete it and train again (an "
        "interrupted run is always resumed by running the same command again)",
        resume=UPDATE,
    )
    deterministic: bool = setting(
        False, "bit-for-bit repeatable training, also across a kill and resume (slower: no XLA)", resume=UPDATE
    )
    on_divergence: str = setting(
        "stop",
        "when losses turn NaN, D wins outright or samples collapse: stop without exporting, or warn and go on",
        resume=UPDATE,
        choices=("stop", "warn"),
    )
    d_steps: int | None = setting(
        None,
        "discriminator steps per generator step, k of Algorithm 1 (default: the variant's: 1, 5 for wgan and wgan_gp)",
        resume=MATCH,
        kind="positive_int",
        group=TRICKS,
    )
    instance_noise: float = setting(
        0.0,
        "std of Gaussian noise added to every image D sees (0: off)",
        resume=MATCH,
        kind="non_negative_float",
        group=TRICKS,
    )
    instance_noise_steps: int | None = setting(
        None,
        "anneal the instance noise linearly to 0 over this many D steps (default: constant)",
        resume=MATCH,
        kind="positive_int",
        group=TRICKS,
    )
    d_weight_penalty: float = setting(
        0.0, "L2 penalty on D's weights, e.g. 1e-4 (0: off)", resume=MATCH, kind="non_negative_float", group=TRICKS
    )
    label_smoothing: float = setting(
        0.0,
        "one-sided label smoothing: D's real target is 1 - this, e.g. 0.1 (lecture 002; 0: off)",
        resume=MATCH,
        kind="fraction",
        group=TRICKS,
    )
    ema: float | None = setting(
        None,
        "decay of the moving average of G's weights used for samples, metrics and the export, e.g. 0.999; 0 for none",
        resume=MATCH,
        kind="decay_or_off",
        group=SMALL_DATA,
    )
    augment: str | None = setting(
        None,
        "differentiable augmentation of every image D sees (DiffAugment): "
        "operations from color, translation, cutout, comma-separated; off for none",
        resume=MATCH,
        kind="augment_policy",
        group=SMALL_DATA,
    )
    augment_probability: float = setting(
        1.0,
        "probability of each augmentation per image; the start value with --ada-target",
        resume=MATCH,
        kind="probability",
        group=SMALL_DATA,
    )
    ada_target: float | None = setting(
        None,
        "adapt the augmentation probability to keep E[sign(D(real))] at this "
        "target (ADA; 0.6); off for a fixed probability",
        resume=MATCH,
        kind="probability_or_off",
        group=SMALL_DATA,
    )
    spectral_norm: bool = setting(False, "spectral normalisation of D's layers", resume=MATCH, group=SMALL_DATA)
    r1: float = setting(
        0.0,
        "weight gamma of the R1 penalty on D's gradient at real images; 0 for none",
        resume=MATCH,
        kind="non_negative_float",
        group=SMALL_DATA,
    )
    variant_options: dict | None = setting(
        None,
        "the variant's own constructor arguments, e.g. {'gp_weight': 10.0} or {'categories': 20} (any "
        "kgan.GAN option too: latent_distribution, ...); the command line's variant flags",
        resume=MATCH,
        cli=False,
    )
    mixed_precision: bool | str = setting(
        "auto",
        "float16 compute with loss scaling (mixed_float16), on by auto where a GPU is present; or bfloat16 "
        "(--mixed-precision bfloat16: faster on CPUs with AMX, never chosen by auto; docs/speed.md)",
        resume=MATCH,
        kind="precision",
    )
    steps_per_execution: int | str = setting(
        "auto",
        "train steps per call of the compiled step; auto: several when a step is short (docs/speed.md)",
        resume=UPDATE,
        kind="positive_int_or_auto",
    )
    strategy: typing.Any = setting(
        "default",
        "mirrored: every GPU of this machine; multi_worker: one process per machine, set up by "
        "TF_CONFIG; --batch-size is the global batch (or a tf.distribute.Strategy, from Python)",
        resume=UPDATE,
        choices=catalog.STRATEGIES,
        group=DISTRIBUTED,
    )

    def __post_init__(self):
        from kgan.data.validation import standardize_image_size
        from kgan.training import config_checks
        from kgan.variants import check_variant_arch

        object.__setattr__(self, "image_size", standardize_image_size(self.image_size))  # (height, width)
        if self.channels is not None and self.channels not in (1, 3):
            raise ValueError(f"`channels` must be 1 (greyscale) or 3 (RGB). Received: channels={self.channels!r}")
        config_checks.check_values(self)
        check_variant_arch(self.variant, self.arch)  # names the registries' choices for a bad variant or arch
        for name, reason in config_checks.conflicts(TrainConfig, self):
            raise ValueError(
                f"{flag_of(name).rstrip('=')} cannot be used here: {reason}. Received: {name}={getattr(self, name)!r}"
            )
        config_checks.check_variant_options(self)
        from kgan.serving.export import check_export_name

        check_export_name(self.resolved_export_name)  # before any folder is made or epoch trained

    @classmethod
    def from_recipe(cls, recipe, **given):
        """The config of the settings `given`, with a recipe's settings (`MAIN_JOB`) where they still apply.

        A recipe's setting that `given` leaves no use for is dropped (back to
        the field's default), as are the recipe's `variant_options` that the
        chosen variant does not take; a setting in `given` is never dropped,
        so one that cannot be honoured is refused.

        Args:
            recipe: a dict of settings (the defaults of a command).
            **given: the settings the caller chose; `variant_options` too.

        Returns:
            A `TrainConfig`.

        Raises:
            ValueError: for a bad setting in `given`, or one the others leave no use for.

        Example:
            >>> TrainConfig.from_recipe(MAIN_JOB, trainer="classic").variant  # InfoGAN needs the fit trainer
            'gan'
        """
        from kgan.training import config_checks

        return cls(**config_checks.apply_recipe(cls, recipe, given))

    def optimizer_settings(self):
        """`dict(optimizer, lr_d, lr_g, beta_1, beta_2)`: the settings, the variant's `optimizer_defaults` for None."""
        from kgan.training import config_checks

        return config_checks.resolve_optimizer(self)

    def check_paths(self, run_dir):
        """Checks before training what would fail after it: the run and export folders writable, the data readable.

        Raises:
            OSError: naming the folder or file (`NotADirectoryError` for a path under a file,
                `PermissionError` for a folder kgan cannot write into, `FileNotFoundError` for missing data).
        """
        check_writable_dir(run_dir, "output_dir")
        if self.export_dir is not None:
            check_writable_dir(self.export_dir, "export_dir")
        if self.data_path is not None:
            check_readable(self.data_path, "data_path")

    @property
    def resolved_export_name(self):
        """`export_name`, or `default_export_name(dataset, arch, variant)`."""
        return self.export_name or default_export_name(self.dataset, self.arch, self.variant)

    def record(self, **facts):
        """The `config.json` form: every setting (JSON values) plus `facts` about the data and model."""
        record = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "variant_options":
                value = {k: [repr(p) for p in v] if k == "penalties" else v for k, v in (value or {}).items()}
            elif f.name == "extra_callbacks":
                value = [type(c).__name__ for c in value]
            elif f.name == "strategy" and not isinstance(value, str):
                from kgan.core import distribute

                value = distribute.strategy_name(value)
            elif f.name in ("data_path", "output_dir", "export_dir") and value is not None:
                value = str(value)
            record[f.name] = value
        record.update(facts)
        return json.loads(json.dumps(record))  # what reading config.json back gives (lists, not tuples)


def default_export_name(dataset, arch, variant):
    """`<dataset>_<variant>` (`mnist_infogan`); the plain GAN's export is named by its architecture (`mnist_dcgan`)."""
    from kgan.core import GAN
    from kgan.variants import get_variant

    dataset = dataset.replace("_embedded", "").removeprefix("tfds:").replace("/", "_").replace(":", "_")
    return f"{dataset}_{arch if get_variant(variant) is GAN else variant}"


def resume_keys():
    """The settings a resumed run must share with the interrupted one (`MATCH`)."""
    return tuple(f.name for f in dataclasses.fields(TrainConfig) if f.metadata["resume"] == MATCH)


def flag_of(name):
    """The command-line flag of the setting `name` (`--batch-size`), or `name=` for library-only settings."""
    for f in dataclasses.fields(TrainConfig):
        if f.name == name:
            if not f.metadata["cli"]:
                return f"{name}="
            return f.metadata["flag"] or "--" + name.replace("_", "-")
    return "--" + name.replace("_", "-")
