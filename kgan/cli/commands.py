"""The `kgan` command line, and the argument parser the training scripts share.

Bad usage exits with status 2 and a one-line message, never a traceback. Building the
parser imports no TensorFlow (the choices come from `kgan.core.catalog`), so `--help`
and a bad flag answer at once; a command imports what it needs when it runs.
"""

import sys

from kgan.cli.errors import run_main
from kgan.cli.train import add_train_arguments, run_train
from kgan.cli.types import ArgumentParser, labels_list, non_negative_int, positive_int_up_to
from kgan.core.catalog import EVALUATE_SAMPLES as NUM_SAMPLES
from kgan.core.catalog import MAX_SAMPLES
from kgan.training.recipes import MAIN_JOB

# `kgan evaluate -n`: the most images per side (50,000: the count papers compute FID on).
MAX_EVALUATE_SAMPLES = 50_000

DESCRIPTION = "Train a GAN on images and export its generator for TF Serving."


def build_parser():
    parser = ArgumentParser(prog="kgan", description=DESCRIPTION)
    # Read by `run_main` (anywhere on the line); declared here for --help.
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error, not just its line")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train_parser = commands.add_parser("train", help="train a GAN and export its generator", description=DESCRIPTION)
    add_train_arguments(train_parser, **MAIN_JOB)
    train_parser.set_defaults(func=run_train)
    evaluate_parser = commands.add_parser(
        "evaluate",
        help="score an exported generator: Frechet distance, KID, precision/recall, density/coverage",
        description="Score an exported generator against held-out real images, beside real-vs-real references, "
        "or against any --reference images in a chosen feature space (see docs/metrics.md).",
    )
    add_evaluate_arguments(evaluate_parser)
    evaluate_parser.set_defaults(func=run_evaluate)
    sample_parser = commands.add_parser(
        "sample",
        help="write images from an exported generator (PNG grid, GIF or .npz)",
        description="Write images from an exported generator: seeded samples, an interpolation between two seeds, "
        "a grid over two latent directions, or one row per class.",
    )
    add_sample_arguments(sample_parser)
    sample_parser.set_defaults(func=run_sample)
    export_parser = commands.add_parser(
        "export",
        help="export a run's checkpoint as a new TF Serving version",
        description="Export the generator of a training run's checkpoint as a SavedModel for TF Serving.",
    )
    add_export_arguments(export_parser)
    export_parser.set_defaults(func=run_export)
    info_parser = commands.add_parser("info", help="list variants, architectures, losses and datasets")
    info_parser.set_defaults(func=run_info)
    return parser


def add_evaluate_arguments(parser):
    """Adds the flags of `kgan evaluate` (and scripts/evaluate.py) to `parser`."""
    parser.add_argument(
        "export_dir",
        metavar="EXPORT_DIR",
        help="a SavedModel version folder, or a model folder (its highest version is scored)",
    )
    parser.add_argument(
        "--classifier",
        default=None,
        help="without --reference: 'mnist' (shipped, the default) or a *_classifier.weights.h5 from "
        "scripts/train_classifier.py, scored on its card's held-out images beside its real-vs-real references",
    )
    parser.add_argument(
        "--reference",
        metavar="DATASET_OR_FOLDER",
        default=None,
        help="compare with these real images instead: a dataset name (e.g. mnist_embedded), a folder of images "
        "or an .npz, read at the export's image size and channels; prints Frechet distance (FID on Inception "
        "features), KID, precision, recall, density, coverage and, with a classifier, classes covered",
    )
    parser.add_argument(
        "--features",
        default=None,
        metavar="inception|mnist|classifier:FILE.keras",
        help="the feature model of --reference: InceptionV3's pool features (images resized to 299x299), the "
        "shipped MNIST classifier, or the penultimate layer of any Keras classifier (default: mnist for 28x28x1 "
        "exports)",
    )
    parser.add_argument(
        "-n",
        "--num-samples",
        type=positive_int_up_to(MAX_EVALUATE_SAMPLES),
        default=None,
        help=f"with --reference: generated images, and most reference images (default: {NUM_SAMPLES})",
    )
    add_trust_export_argument(parser)
    return parser


def add_trust_export_argument(parser):
    """Adds `--trust-export` (`kgan.serving.load_generator`'s `trust`) to a command that runs an export."""
    parser.add_argument(
        "--trust-export",
        action="store_true",
        help="run an export whose graph holds ops a kgan generator does not need (file, process or network "
        "access, Python functions) or that changed since kgan wrote it; only for exports you trust",
    )


def run_evaluate(args):
    """Runs `kgan.metrics.evaluate_export`, or `compare_export` with `--reference`; returns the exit status."""
    try:
        if args.reference is None:
            if args.features is not None or args.num_samples is not None:
                raise ValueError(
                    "--features and -n choose how to compare with --reference DATASET_OR_FOLDER, which is missing. "
                    f"Received: --features={args.features}, -n={args.num_samples}"
                )
            from kgan.metrics import evaluate_export

            evaluate_export(args.export_dir, args.classifier or "mnist", trust=args.trust_export)
        else:
            if args.classifier is not None:
                raise ValueError(
                    "--classifier scores against its card's held-out images; with --reference use --features "
                    f"classifier:FILE.keras. Received: --classifier={args.classifier}"
                )
            from kgan.metrics import compare_export

            compare_export(
                args.export_dir,
                args.reference,
                args.features,
                num_samples=args.num_samples or NUM_SAMPLES,
                trust=args.trust_export,
            )
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def add_sample_arguments(parser):
    """Adds the flags of `kgan sample`."""
    parser.add_argument(
        "export_dir",
        metavar="EXPORT",
        help="an exported generator: a SavedModel version folder, or a model folder (highest version)",
    )
    parser.add_argument(
        "--output",
        "-o",
        required=True,
        help="where to write: .png (a grid), .gif (an animation; with --interpolate or "
        "--latent-grid), or .npz (images, latent vectors and labels as arrays)",
    )
    parser.add_argument(
        "--num",
        "-n",
        type=positive_int_up_to(MAX_SAMPLES),
        default=64,
        help="how many images (default: %(default)s; per class with --per-class)",
    )
    parser.add_argument(
        "--seed",
        type=non_negative_int,
        default=0,
        help="seed of the latent vectors: the same seed gives the same images (default: %(default)s)",
    )
    parser.add_argument(
        "--labels",
        type=labels_list,
        default=None,
        help="class id(s) for a conditional generator: one for all images (7), or one per image, comma-separated "
        "(0,1,2)",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--interpolate",
        nargs=2,
        type=non_negative_int,
        metavar=("SEED_A", "SEED_B"),
        help="images along the (spherical) path from SEED_A's latent vector to SEED_B's",
    )
    mode.add_argument(
        "--latent-grid", action="store_true", help="a grid over two random latent directions around --seed's vector"
    )
    mode.add_argument(
        "--per-class",
        action="store_true",
        help="--num images of every class, one row per class (conditional generators)",
    )
    parser.add_argument(
        "--steps",
        type=positive_int_up_to(MAX_SAMPLES),
        default=10,
        help="images along an interpolation (at least 2), or per side of a latent grid (at most 100) "
        "(default: %(default)s)",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace --output if it exists")
    parser.add_argument(
        "--translate",
        metavar="DIRECTION",
        help="for an image-translation (CycleGAN) export: a_to_b or b_to_a, applied to the first --num --input images",
    )
    parser.add_argument("--input", help="with --translate: an image folder or .npz (x, y) of the source domain")
    parser.add_argument(
        "--text",
        help='for a text-to-image (StackGAN) export: the caption of all --num images, e.g. "a handwritten three"',
    )
    add_trust_export_argument(parser)
    return parser


def _translate_images(args):
    """`kgan sample --translate`: the first `--num` `--input` images above their translations, row by row."""
    import numpy as np

    from kgan.data import load_arrays
    from kgan.serving.translation import DIRECTIONS, load_translator

    if args.translate not in DIRECTIONS:
        raise ValueError(f"--translate must be one of {', '.join(DIRECTIONS)}. Received: --translate={args.translate}")
    if args.input is None:
        raise ValueError(f"--translate needs --input (a folder or .npz of images). Received: --input={args.input}")
    translator = load_translator(args.export_dir, trust=args.trust_export)
    images, _, _ = load_arrays("npz" if args.input.lower().endswith(".npz") else "folder", args.input)
    if images.shape[-1] != translator.image_shape[-1]:
        raise ValueError(
            f"--input images have {images.shape[-1]} channel(s); the export takes {translator.image_shape[-1]}. "
            f"Received: shape={images.shape}"
        )
    source = translator.prepare(images[: args.num], domain=args.translate[0])  # "b_to_a": domain B's preparation
    translated = translator(source, args.translate)
    rows = [part for i in range(0, len(source), 8) for part in (source[i : i + 8], translated[i : i + 8])]
    return np.concatenate(rows), min(8, len(source))


def _text_images(args):
    """`kgan sample --text`: `--num` images of the caption, latent vectors from `--seed`."""
    from kgan.serving.text_to_image import load_text_to_image

    if not args.text.strip():
        raise ValueError(f"--text must be a caption, e.g. 'a handwritten three'. Received: --text={args.text!r}")
    if args.translate is not None:
        raise ValueError(f"--text and --translate are for different exports. Received: --translate={args.translate}")
    model = load_text_to_image(args.export_dir, trust=args.trust_export)
    return model([args.text] * args.num, seed=args.seed)


def _check_labels(num_classes, args):
    """`--labels` (or `--per-class`) for a conditional generator, each a class id it has; none for another."""
    given = None if args.labels is None else ",".join(map(str, args.labels))
    if num_classes is None and (given is not None or args.per_class):
        flag = "--per-class" if args.per_class else "--labels"
        received = f"EXPORT={args.export_dir}" if args.per_class else f"--labels={given}"
        raise ValueError(
            f"{flag} is for a conditional generator (cgan, acgan); this export takes a latent vector only. "
            f"Received: {received}"
        )
    if num_classes and not args.per_class and (given is None or not all(0 <= x < num_classes for x in args.labels)):
        raise ValueError(
            f"This generator is conditional: pass --labels, class ids that must lie in [0, {num_classes}) (e.g. "
            f"--labels {num_classes - 1}, or 0,1 one per image), or --per-class. Received: --labels={given}"
        )


def run_sample(args):
    """Writes samples of an exported generator; returns the exit status."""
    import errno
    import pathlib

    from kgan.core.utils import atomic_path, check_writable_dir

    output = pathlib.Path(args.output)
    suffix = output.suffix.lower()
    try:
        if suffix not in (".png", ".gif", ".npz"):
            raise ValueError(f"--output must end in .png, .gif or .npz. Received: {args.output}")
        if output.exists() and not args.overwrite:
            raise FileExistsError(f"{output} exists; pass --overwrite or choose another --output. Received: {output}")
        if output.is_dir():
            raise IsADirectoryError(errno.EISDIR, f"--output is a folder, not a file. Received: {output}")
        check_writable_dir(output.parent, "--output", received=output)  # before the generator runs
        if args.input is not None and args.translate is None:
            raise ValueError(f"--input is for --translate. Received: --input={args.input}")
        import numpy as np  # and TensorFlow, below: only once the flags are known to be good

        from kgan.core import plotting
        from kgan.serving import explore, load_generator

        if args.interpolate and args.steps < 2 or args.latent_grid and args.steps > explore.MAX_GRID_STEPS:
            need = (
                "at least 2 for --interpolate" if args.interpolate else f"at most {explore.MAX_GRID_STEPS} for a grid"
            )
            raise ValueError(f"--steps must be {need}. Received: --steps={args.steps}")
        if args.translate is None and args.text is None:
            generator = load_generator(args.export_dir, trust=args.trust_export)
            _check_labels(generator.num_classes, args)
        labels = None if args.labels is None else np.asarray(args.labels)
        latent = None
        ncols = None
        if args.text is not None:
            images, ncols = _text_images(args), min(8, args.num)
        elif args.translate is not None:
            images, ncols = _translate_images(args)
        elif args.interpolate:
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
    parser.add_argument(
        "--checkpoint",
        default=None,
        help="the .keras checkpoint to export (default: the newest in RUN_DIR/checkpoints)",
    )
    parser.add_argument("--export-dir", default=None, help="base folder of the export (default: RUN_DIR/saved_models)")
    parser.add_argument(
        "--export-name", default=None, help="model name of the export (default: the run's, from its config.json)"
    )
    parser.add_argument(
        "--trust-checkpoint",
        action="store_true",
        help="load a checkpoint that holds Python code (Lambda layers); only for files you trust "
        "(Keras safe_mode=False)",
    )
    return parser


def run_export(args):
    """Exports the generator of a run's checkpoint as a new SavedModel version; returns the exit status."""
    import pathlib

    import keras

    import kgan.variants  # noqa: F401 (registers kgan's classes for load_model)
    from kgan.callbacks import Checkpoint
    from kgan.core.utils import check_writable_dir, read_json_object
    from kgan.serving import export_generator
    from kgan.training.config import default_export_name

    run_dir = pathlib.Path(args.run_dir)
    try:
        if not run_dir.is_dir():
            raise FileNotFoundError(f"No run directory at {run_dir}. Received: RUN_DIR={args.run_dir}")
        if args.checkpoint:
            checkpoint = pathlib.Path(args.checkpoint)
            if not checkpoint.is_file():
                raise FileNotFoundError(
                    f"No checkpoint file at {checkpoint}; --checkpoint takes the path of a .keras file (e.g. "
                    f"{run_dir / 'checkpoints' / 'epoch_0001.keras'}). Received: --checkpoint={args.checkpoint}"
                )
        else:
            checkpoint = Checkpoint.latest(run_dir / "checkpoints")
            if checkpoint is None or not checkpoint.is_file():
                raise FileNotFoundError(
                    f"No checkpoint to export in {run_dir / 'checkpoints'}; RUN_DIR must be a run directory "
                    f"written by kgan train. Received: RUN_DIR={args.run_dir}"
                )
        config_path = run_dir / "config.json"
        config = read_json_object(config_path, "run config") if config_path.is_file() else {}
        check_writable_dir(args.export_dir or run_dir / "saved_models", "--export-dir")  # before loading
        reason = Checkpoint.verify(checkpoint)  # a damaged file is named, not loaded
        if reason:
            raise ValueError(
                f"The checkpoint {checkpoint} cannot be exported: {reason}; choose another with --checkpoint. "
                f"Received: {checkpoint}"
            )
        try:
            gan = keras.saving.load_model(checkpoint, safe_mode=not args.trust_checkpoint)
        except Exception as error:  # a corrupt or foreign file: say which, without a traceback
            raise ValueError(f"Cannot read the checkpoint {checkpoint}: {error}".splitlines()[0]) from None
        name = args.export_name or default_export_name(
            config.get("dataset", "model"), config.get("arch", "gan"), config.get("variant", "gan")
        )
        metadata = {**config, "checkpoint": str(checkpoint)}
        path = export_generator(
            gan.sampler, args.export_dir or run_dir / "saved_models", name, metadata=metadata, spec=gan.spec
        )
    except (ValueError, FileNotFoundError, FileExistsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Exported {checkpoint} to {path}")
    return 0


def run_info(args):
    """Lists what kgan can train: variants, architectures, losses, datasets (the flags' choices)."""
    from kgan.core import catalog
    from kgan.training import settings

    # The choices of `kgan train`'s flags, from the readers its flags use (conditional architectures included).
    sections = {
        "variants": settings.variants(),
        "architectures": settings.architectures(),
        "losses": settings.losses(),
        "datasets": settings.datasets(),
        "optimizers": settings.optimizers(),
        "latent distributions": catalog.LATENT_DISTRIBUTIONS,
    }
    for title, names in sections.items():
        print(f"{title}: {', '.join(names)}")
    return 0


def main(argv=None):
    """Entry point of the `kgan` console script: every fault is one line and exit status 2 (`kgan.cli.errors`)."""
    return run_main(_run, argv)


def _run(argv):
    args = build_parser().parse_args(argv)
    return args.func(args)
