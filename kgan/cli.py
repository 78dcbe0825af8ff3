"""The `kgan` command line, and the argument parser the training scripts share.

Bad usage exits with status 2 and a one-line message, never a traceback.
"""

import argparse
import sys

DESCRIPTION = "Train a GAN on images and export its generator for TF Serving."


def positive_int(text):
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, received {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, received {text!r}")
    return value


def _float_in(text, accept, expected):
    """`text` as a float if `accept(value)`, else an argparse error saying what was `expected`."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not accept(value):  # NaN is never accepted
        raise argparse.ArgumentTypeError(f"expected {expected}, received {text!r}")
    return value


def positive_float(text):
    """argparse type: a finite float > 0."""
    return _float_in(text, lambda v: 0 < v < float("inf"), "a positive number")


def non_negative_float(text):
    """argparse type: a finite float >= 0."""
    return _float_in(text, lambda v: 0 <= v < float("inf"), "a number >= 0")


def probability(text):
    """argparse type: a float in [0, 1]."""
    return _float_in(text, lambda v: 0 <= v <= 1, "a probability in [0, 1]")


def _off(text):
    return text.strip().lower() in ("off", "none", "")


def decay_or_off(text):
    """argparse type: an EMA decay in (0, 1), or 0 / "off" for none (returns None)."""
    if _off(text) or text.strip() == "0":
        return None
    return _float_in(text, lambda v: 0 < v < 1, "a decay in (0, 1) such as 0.999, or 0 for none")


def probability_or_off(text):
    """argparse type: a probability in [0, 1], or "off" (returns None)."""
    return None if _off(text) else probability(text)


def augment_policy(text):
    """argparse type: comma-separated augmentation operations, or "off" (returns None)."""
    from kgan.core.augment import parse_policy

    if _off(text):
        return None
    try:
        return ",".join(parse_policy(text))
    except ValueError:
        from kgan.core.augment import OPERATIONS

        raise argparse.ArgumentTypeError(
            f"expected operations from {', '.join(OPERATIONS)} (comma-separated) or off, received {text!r}"
        ) from None


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
                        help="network architecture: dcgan_fc (the main job's: dcgan with InfoGAN's fully connected layers), "
                             "dcgan (the lighter DCGAN), lecture004 (the Keras lecture's DCGAN, "
                             "exactly), upsample (lecture 001's Upsample+Conv3x3 generator), mlp_lecture002, mlp_lecture003 "
                             "(lecture 003's MLP cGAN: cgan only) (default: %(default)s)")
    if "variant" in defaults:  # the main job and `kgan train`; a variant script fixes its variant
        from kgan.variants import VARIANTS

        parser.add_argument("--variant", choices=sorted(VARIANTS), default=d["variant"],
                            help="the GAN variant, with its paper's defaults (docs/variants.md; the variant scripts "
                                 "expose each variant's own flags): infogan (the main job's: InfoGAN's categorical "
                                 "code, no labels needed), gan (the plain GAN of the lectures), ... "
                                 "(default: %(default)s)")
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
                             "(default: <dataset>_<arch>, e.g. mnist_dcgan_fc)")
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
    parser.add_argument("--loss", choices=sorted(LOSSES), default="non_saturating",
                        help="the GAN loss; generator costs of lectures 002 and 004: non_saturating (flipped "
                             "target), minimax (zero-sum), maximum_likelihood (default: %(default)s)")
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
    distributed = parser.add_argument_group("several devices or machines (tf.distribute; see README)")
    distributed.add_argument("--strategy", choices=("default", "mirrored", "multi_worker"), default="default",
                             help="mirrored: every GPU of this machine; multi_worker: one process per machine, "
                                  "set up by TF_CONFIG; --batch-size is the global batch (default: %(default)s)")
    distributed.add_argument("--cpu-devices", type=positive_int, default=None,
                             help="split the CPU into this many logical devices, to try --strategy mirrored "
                                  "without GPUs (not faster: they share the cores)")
    return parser


def run_train(args):
    """Runs `kgan.training.train` from parsed arguments; returns the exit status."""
    from kgan.training import train

    kwargs = {k: v for k, v in vars(args).items() if k not in ("command", "func", "cpu_devices")}
    from kgan.training import TrainingDiverged

    if kwargs.get("trainer") == "classic" and (kwargs.get("ema") is not None or kwargs.get("augment")):
        # The main job's recipe is fit's; lecture 004's train_on_batch loop has no EMA generator or augmentation.
        print("The classic trainer runs lecture 004's loop as it is: no EMA generator, no augmentation.", flush=True)
        kwargs.update(ema=None, augment=None, ada_target=None)
    if kwargs.get("trainer") == "classic" and kwargs.get("variant") == "infogan":
        print("The classic trainer trains the plain GAN: no InfoGAN code.", flush=True)
        kwargs["variant"] = "gan"

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


def build_parser():
    parser = argparse.ArgumentParser(prog="kgan", description=DESCRIPTION)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train_parser = commands.add_parser("train", help="train a GAN and export its generator",
                                       description=DESCRIPTION)
    from kgan.training import MAIN_JOB

    add_train_arguments(train_parser, **MAIN_JOB)
    train_parser.set_defaults(func=run_train)
    evaluate_parser = commands.add_parser(
        "evaluate", help="score an exported generator: classifier score, Frechet distance, KID",
        description="Score an exported generator against held-out real images, beside real-vs-real references "
                    "(see docs/metrics.md).")
    add_evaluate_arguments(evaluate_parser)
    evaluate_parser.set_defaults(func=run_evaluate)
    sample_parser = commands.add_parser(
        "sample", help="write images from an exported generator (PNG grid, GIF or .npz)",
        description="Write images from an exported generator: seeded samples, an interpolation between two seeds, "
                    "a grid over two latent directions, or one row per class.")
    add_sample_arguments(sample_parser)
    sample_parser.set_defaults(func=run_sample)
    export_parser = commands.add_parser(
        "export", help="export a run's checkpoint as a new TF Serving version",
        description="Export the generator of a training run's checkpoint as a SavedModel for TF Serving.")
    add_export_arguments(export_parser)
    export_parser.set_defaults(func=run_export)
    info_parser = commands.add_parser("info", help="list variants, architectures, losses and datasets")
    info_parser.set_defaults(func=run_info)
    return parser


def add_evaluate_arguments(parser):
    """Adds the flags of `kgan evaluate` (and scripts/evaluate.py) to `parser`."""
    parser.add_argument("export_dir", metavar="EXPORT_DIR",
                        help="a SavedModel version folder, or a model folder (its highest version is scored)")
    parser.add_argument("--classifier", default="mnist",
                        help="'mnist' (shipped) or a *_classifier.weights.h5 from scripts/train_classifier.py "
                             "(default: %(default)s)")
    return parser


def run_evaluate(args):
    """Runs `kgan.metrics.evaluate_export` from parsed arguments; returns the exit status."""
    from kgan.metrics import evaluate_export

    try:
        evaluate_export(args.export_dir, args.classifier)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def labels_list(text):
    """argparse type: one integer class id or a comma-separated list of them."""
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected class ids like 3 or 0,1,2, received {text!r}") from None


def non_negative_int(text):
    """argparse type: an integer >= 0 (seeds)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, received {text!r}")
    return value


def add_sample_arguments(parser):
    """Adds the flags of `kgan sample`."""
    parser.add_argument("export_dir", metavar="EXPORT",
                        help="an exported generator: a SavedModel version folder, or a model folder (highest version)")
    parser.add_argument("--output", "-o", required=True,
                        help="where to write: .png (a grid), .gif (an animation; with --interpolate or "
                             "--latent-grid), or .npz (images, latent vectors and labels as arrays)")
    parser.add_argument("--num", "-n", type=positive_int, default=64,
                        help="how many images (default: %(default)s; per class with --per-class)")
    parser.add_argument("--seed", type=non_negative_int, default=0,
                        help="seed of the latent vectors: the same seed gives the same images (default: %(default)s)")
    parser.add_argument("--labels", type=labels_list, default=None,
                        help="class id(s) for a conditional generator: one for all images, or one per image")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--interpolate", nargs=2, type=non_negative_int, metavar=("SEED_A", "SEED_B"),
                      help="images along the (spherical) path from SEED_A's latent vector to SEED_B's")
    mode.add_argument("--latent-grid", action="store_true",
                      help="a grid over two random latent directions around --seed's vector")
    mode.add_argument("--per-class", action="store_true",
                      help="--num images of every class, one row per class (conditional generators)")
    parser.add_argument("--steps", type=positive_int, default=10,
                        help="images along an interpolation, or per side of a latent grid (default: %(default)s)")
    parser.add_argument("--overwrite", action="store_true", help="replace --output if it exists")
    return parser


def run_sample(args):
    """Writes samples of an exported generator; returns the exit status."""
    import pathlib

    import numpy as np

    from kgan.serving import explore
    from kgan.core import plotting
    from kgan.serving import load_generator
    from kgan.core.utils import atomic_path

    output = pathlib.Path(args.output)
    suffix = output.suffix.lower()
    try:
        if suffix not in (".png", ".gif", ".npz"):
            raise ValueError(f"--output must end in .png, .gif or .npz. Received: {args.output}")
        if output.exists() and not args.overwrite:
            raise FileExistsError(f"{output} exists; pass --overwrite or choose another --output. Received: {output}")
        generator = load_generator(args.export_dir)
        labels = None if args.labels is None else np.asarray(args.labels)
        latent = None
        ncols = None
        if args.interpolate:
            images = explore.interpolate(generator, *args.interpolate, steps=args.steps, labels=labels)
            ncols = len(images)
        elif args.latent_grid:
            images = explore.latent_grid(generator, args.seed, steps=args.steps, labels=labels)
            ncols = args.steps
        elif args.per_class:
            images = explore.class_grid(generator, per_class=args.num, seed=args.seed)
            labels = np.repeat(np.arange(generator.num_classes), args.num)
            ncols = args.num
        else:
            if labels is not None and labels.size not in (1, args.num):
                raise ValueError(f"--labels needs 1 or --num={args.num} values. Received: {len(labels)} values")
            images, latent = explore.sample(generator, args.num, args.seed, labels=labels)
        output.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".png":
            plotting.save_image_grid(images, output, ncols=ncols)
        elif suffix == ".gif":
            explore.save_gif(images, output)
        else:
            arrays = {"images": images.astype("float32")}
            if latent is not None:
                arrays["latent"] = latent
            if labels is not None:
                arrays["labels"] = np.broadcast_to(labels, (len(images),)).astype("int32")
            with atomic_path(output) as tmp:
                np.savez_compressed(tmp, **arrays)
    except (ValueError, FileNotFoundError, FileExistsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Wrote {len(images)} images to {output}")
    return 0


def add_export_arguments(parser):
    """Adds the flags of `kgan export`."""
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a run directory written by `kgan train`")
    parser.add_argument("--checkpoint", default=None,
                        help="the .keras checkpoint to export (default: the newest in RUN_DIR/checkpoints)")
    parser.add_argument("--export-dir", default=None,
                        help="base folder of the export (default: RUN_DIR/saved_models)")
    parser.add_argument("--export-name", default=None,
                        help="model name of the export (default: the run's, from its config.json)")
    parser.add_argument("--trust-checkpoint", action="store_true",
                        help="load a checkpoint that holds Python code (Lambda layers); only for files you trust "
                             "(Keras safe_mode=False)")
    return parser


def run_export(args):
    """Exports the generator of a run's checkpoint as a new SavedModel version; returns the exit status."""
    import json
    import pathlib

    import keras

    import kgan  # noqa: F401 (registers kgan's classes for load_model)
    from kgan.callbacks import Checkpoint
    from kgan.serving import export_generator

    run_dir = pathlib.Path(args.run_dir)
    try:
        if not run_dir.is_dir():
            raise FileNotFoundError(f"No run directory at {run_dir}. Received: RUN_DIR={args.run_dir}")
        checkpoint = pathlib.Path(args.checkpoint) if args.checkpoint else Checkpoint.latest(run_dir / "checkpoints")
        if checkpoint is None or not checkpoint.is_file():
            raise FileNotFoundError(f"No checkpoint to export in {run_dir / 'checkpoints'}. Received: {checkpoint}")
        config_path = run_dir / "config.json"
        config = json.loads(config_path.read_text()) if config_path.is_file() else {}
        try:
            gan = keras.saving.load_model(checkpoint, safe_mode=not args.trust_checkpoint)
        except Exception as error:  # a corrupt or foreign file: say which, without a traceback
            raise ValueError(f"Cannot read the checkpoint {checkpoint}: {error}".splitlines()[0]) from None
        name = args.export_name or f"{config.get('dataset', 'model').replace('_embedded', '')}_" \
                                   f"{config.get('arch', 'gan') if config.get('variant', 'gan') == 'gan' else config['variant']}"
        metadata = {**config, "checkpoint": str(checkpoint)}
        path = export_generator(gan.sampler, args.export_dir or run_dir / "saved_models", name, metadata=metadata)
    except (ValueError, FileNotFoundError, FileExistsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Exported {checkpoint} to {path}")
    return 0


def run_info(args):
    """Lists what kgan can train: variants, architectures, losses, datasets."""
    from kgan.core import losses
    from kgan.data import DATASETS
    from kgan.models import ARCHITECTURES

    try:
        from kgan.variants import VARIANTS
    except ImportError:  # pragma: no cover - the variants package is optional while it is built
        VARIANTS = {"gan": None}
    sections = {
        "variants": sorted(VARIANTS),
        "architectures": sorted(ARCHITECTURES),
        "losses": sorted(losses.LOSSES),
        "datasets": list(DATASETS),
        "latent distributions": ["normal", "uniform", "uniform01"],
    }
    for title, names in sections.items():
        print(f"{title}: {', '.join(names)}")
    return 0


def main(argv=None):
    """Entry point of the `kgan` console script."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
