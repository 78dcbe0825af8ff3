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


def positive_float(text):
    """argparse type: a float > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, received {text!r}") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, received {text!r}")
    return value


def add_train_arguments(parser, **defaults):
    """Adds the main job's flags to `parser`; `defaults` override the library's defaults."""
    from kgan.datasets import DATASETS
    from kgan.models import ARCHITECTURES

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
    parser.add_argument("--arch", choices=sorted(ARCHITECTURES), default=d["arch"],
                        help="network architecture: dcgan (fast default), lecture004 (the Keras lecture's DCGAN, "
                             "exactly), upsample (lecture 001's Upsample+Conv3x3 generator) (default: %(default)s)")
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
                             "(default: <dataset>_<arch>, e.g. mnist_dcgan)")
    parser.add_argument("--export-dir", default=None,
                        help="base folder of the export (default: <output-dir>/saved_models)")
    parser.add_argument("--seed", type=int, default=d["seed"],
                        help="seed of data order, weights and latent noise (default: %(default)s)")
    parser.add_argument("--no-jit", dest="jit_compile", action="store_false",
                        help="do not compile the train step with XLA (slower; for debugging)")
    parser.add_argument("--tensorboard", action="store_true",
                        help="also write TensorBoard logs to <output-dir>/tensorboard")
    return parser


def run_train(args):
    """Runs `kgan.training.train` from parsed arguments; returns the exit status."""
    from kgan.training import train

    kwargs = {k: v for k, v in vars(args).items() if k not in ("command", "func")}
    try:
        result = train(**kwargs)
    except (ValueError, FileNotFoundError, FileExistsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
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
    add_train_arguments(train_parser)
    train_parser.set_defaults(func=run_train)
    evaluate_parser = commands.add_parser(
        "evaluate", help="score an exported generator: classifier score, Frechet distance, KID",
        description="Score an exported generator against held-out real images, beside real-vs-real references "
                    "(see docs/metrics.md).")
    add_evaluate_arguments(evaluate_parser)
    evaluate_parser.set_defaults(func=run_evaluate)
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


def main(argv=None):
    """Entry point of the `kgan` console script."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
