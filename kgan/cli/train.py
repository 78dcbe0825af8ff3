"""`kgan train` and the scripts that train: the main job's flags (`add_train_arguments`) and `run_train`."""

import argparse
import sys

from kgan.cli.types import (
    augment_policy,
    decay_or_off,
    non_negative_float,
    positive_float,
    positive_int,
    probability,
    probability_or_off,
)


def add_train_arguments(parser, **defaults):
    """Adds the main job's flags to `parser`; `defaults` override the library's defaults."""
    from kgan.data import DATASETS
    from kgan.models import ARCHITECTURES, CONDITIONAL_ARCHITECTURES

    d = dict(epochs=50, batch_size=64, lr_d=2e-4, lr_g=2e-4, arch="dcgan", dataset="mnist_embedded", seed=0)
    d.update(defaults)
    parser.add_argument("--epochs", type=positive_int, default=d["epochs"],
                        help="passes over the dataset (default: %(default)s)")
    parser.add_argument("--batch-size", type=positive_int, default=d["batch_size"],
                        help="images per training step (default: %(default)s)")
    parser.add_argument("--latent-dim", type=positive_int, default=None,
                        help="size of the latent vector (default: the architecture's: 64 for dcgan and upsample, "
                             "100 for lecture004)")
    parser.add_argument("--lr-d", type=positive_float, default=d["lr_d"],
                        help="discriminator learning rate, Adam with beta_1=0.5 (default: %(default)s)")
    parser.add_argument("--lr-g", type=positive_float, default=d["lr_g"],
                        help="generator learning rate (default: %(default)s)")
    parser.add_argument("--arch", choices=sorted({**ARCHITECTURES, **CONDITIONAL_ARCHITECTURES}), default=d["arch"],
                        help="network architecture: dcgan_fc (the main job's: dcgan with InfoGAN's fully connected "
                             "layers), dcgan (the lighter DCGAN), lecture004 (the Keras lecture's DCGAN, exactly), "
                             "upsample (lecture 001's Upsample+Conv3x3 generator), mlp_lecture002, mlp_lecture003 "
                             "(lecture 003's MLP cGAN: cgan only) (default: %(default)s)")
    if "variant" in defaults:  # the main job and `kgan train`; a variant script fixes its variant
        from kgan.variants import VARIANTS

        parser.add_argument("--variant", choices=sorted(VARIANTS), default=d["variant"],
                            help="the GAN variant, with its paper's defaults (docs/variants.md; the variant scripts "
                                 "expose each variant's own flags): infogan (the main job's: InfoGAN's categorical "
                                 "code, no labels needed), gan (the plain GAN of the lectures), ... "
                                 "(default: %(default)s)")
        parser.add_argument("--categories", type=positive_int,
                            default=(d.get("variant_options") or {}).get("categories", 10),
                            help="categories of InfoGAN's code; the main job uses more than the ten digit classes "
                                 "(benchmarks/RESULTS.md); for the variants that have a code (default: %(default)s)")
    parser.add_argument("--dataset", choices=DATASETS, default=d["dataset"],
                        help="mnist_embedded: 5,000 real MNIST digits shipped with kgan (offline); mnist, "
                             "fashion_mnist: tensorflow-datasets (prepared locally or downloadable); npz: a Keras "
                             "mnist.npz at --data-path; folder: your images at --data-path (default: %(default)s)")
    parser.add_argument("--data-path", default=None,
                        help="file (npz) or folder (folder) to read with --dataset npz|folder")
    parser.add_argument("--output-dir", default=None,
                        help="run directory for samples, plots, checkpoints and the export; must be new or empty "
                             "(default: runs/<export-name>-<timestamp>)")
    parser.add_argument("--export-name", default=None,
                        help="model name of the SavedModel export, saved_models/<name>/<version> "
                             "(default: <dataset>_<variant>, e.g. mnist_infogan; <dataset>_<arch> for the plain "
                             "gan)")
    parser.add_argument("--export-dir", default=None,
                        help="base folder of the export (default: <output-dir>/saved_models)")
    parser.add_argument("--seed", type=int, default=d["seed"],
                        help="seed of data order, weights and latent noise (default: %(default)s)")
    parser.add_argument("--no-jit", dest="jit_compile", action="store_false",
                        help="do not compile the train step with XLA (slower; for debugging)")
    parser.add_argument("--tensorboard", action="store_true",
                        help="also write TensorBoard logs to <output-dir>/tensorboard")
    from kgan.core.losses import LOSSES

    parser.add_argument("--trainer", choices=("fit", "classic"), default="fit",
                        help="fit: GAN.fit, one compiled train step (fast); classic: lecture 004's loop, D and the "
                             "combined DG model with D frozen trained by train_on_batch, printing [D loss] [DG loss] "
                             "(default: %(default)s)")
    parser.add_argument("--loss", choices=sorted(LOSSES), default=None,
                        help="the GAN loss; generator costs of lectures 002 and 004: non_saturating (flipped "
                             "target), minimax (zero-sum), maximum_likelihood (default: the variant's own: "
                             "non_saturating, wasserstein for wgan and wgan_gp, least_squares for lsgan)")
    parser.add_argument("--overwrite", action="store_true",
                        help="if --output-dir holds a finished run, delete it and train again (an interrupted run "
                             "is always resumed by running the same command again)")
    parser.add_argument("--deterministic", action="store_true",
                        help="bit-for-bit repeatable training, also across a kill and resume (slower: no XLA)")
    parser.add_argument("--on-divergence", choices=("stop", "warn"), default="stop",
                        help="when losses turn NaN, D wins outright or samples collapse: stop without exporting, "
                             "or warn and go on (default: %(default)s)")
    parser.add_argument("--mixed-precision", action="store_true",
                        help="float16 compute with loss scaling (mixed_float16): for GPUs; correct but slower on CPUs")
    parser.add_argument("--steps-per-execution", type=positive_int, default=1,
                        help="train steps per call of the compiled step (default: %(default)s)")
    small_data = parser.add_argument_group("small-data training (docs/small_data.md)")
    small_data.add_argument("--ema", type=decay_or_off, default=d.get("ema"),
                            help="decay of the moving average of G's weights used for samples, metrics and the "
                                 "export, e.g. 0.999; 0 for none (default: %(default)s)")
    small_data.add_argument("--augment", type=augment_policy, default=d.get("augment"),
                            help="differentiable augmentation of every image D sees (DiffAugment): operations from "
                                 "color, translation, cutout, comma-separated; off for none (default: %(default)s)")
    small_data.add_argument("--augment-probability", type=probability, default=d.get("augment_probability", 1.0),
                            help="probability of each augmentation per image; the start value with --ada-target "
                                 "(default: %(default)s)")
    small_data.add_argument("--ada-target", type=probability_or_off, default=d.get("ada_target"),
                            help="adapt the augmentation probability to keep E[sign(D(real))] at this target "
                                 "(ADA; 0.6); off for a fixed probability (default: %(default)s)")
    small_data.add_argument("--spectral-norm", action=argparse.BooleanOptionalAction,
                            default=d.get("spectral_norm", False),
                            help="spectral normalisation of D's layers (default: %(default)s)")
    small_data.add_argument("--r1", type=non_negative_float, default=d.get("r1", 0.0),
                            help="weight gamma of the R1 penalty on D's gradient at real images; 0 for none "
                                 "(default: %(default)s)")
    distributed = parser.add_argument_group("several devices or machines (tf.distribute; docs/distributed.md)")
    distributed.add_argument("--strategy", choices=("default", "mirrored", "multi_worker"), default="default",
                             help="mirrored: every GPU of this machine; multi_worker: one process per machine, "
                                  "set up by TF_CONFIG; --batch-size is the global batch (default: %(default)s)")
    distributed.add_argument("--cpu-devices", type=positive_int, default=None,
                             help="split the CPU into this many logical devices, to try --strategy mirrored "
                                  "without GPUs (not faster: they share the cores)")
    return parser


def run_train(args):
    """Runs `kgan.training.train` from parsed arguments; returns the exit status."""
    from kgan.core import GAN
    from kgan.training import MAIN_JOB, train
    from kgan.variants import get_variant

    kwargs = {k: v for k, v in vars(args).items() if k not in ("command", "func", "cpu_devices")}
    from kgan.training import TrainingDiverged

    if kwargs.get("trainer") == "classic" and (kwargs.get("ema") is not None or kwargs.get("augment")):
        # The main job's recipe is fit's; lecture 004's train_on_batch loop has no EMA generator or augmentation.
        print("The classic trainer runs lecture 004's loop as it is: no EMA generator, no augmentation.", flush=True)
        kwargs.update(ema=None, augment=None, ada_target=None)
    variant = get_variant(kwargs.get("variant", "gan"))
    if kwargs.get("trainer") == "classic" and variant is not GAN and kwargs.get("variant") == MAIN_JOB["variant"]:
        # The main job's variant is the default of `kgan train`; the classic loop trains the plain GAN only.
        print(f"The classic trainer trains the plain GAN, not the main job's {MAIN_JOB['variant']}.", flush=True)
        kwargs["variant"] = "gan"
    categories = kwargs.pop("categories", None)
    if categories is not None and "categories" in get_variant(kwargs.get("variant", "gan")).options:
        kwargs["variant_options"] = {**(kwargs.get("variant_options") or {}), "categories": categories}

    if args.cpu_devices:
        from kgan.core.distribute import split_cpu

        try:
            split_cpu(args.cpu_devices)
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    try:
        result = train(**kwargs)
    except (ValueError, FileNotFoundError, FileExistsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except TrainingDiverged as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if result.run_dir is None:
        print("\nThis worker is done; the chief wrote the run directory and the export.")
        return 0
    print(f"\nRun directory: {result.run_dir}")
    print(f"  samples:     {result.run_dir / 'samples'} (montage.png shows every epoch)")
    print(f"  curves:      {result.run_dir / 'history.png'}, {result.run_dir / 'history.csv'}")
    print(f"  checkpoints: {result.run_dir / 'checkpoints'}")
    print(f"  export:      {result.export_path}")
    return 0
