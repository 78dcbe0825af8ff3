"""Lecture 000, example 1: a GAN learns vectors whose values follow N(4.0, 0.2^2).

    python scripts/lecture000_gaussian.py                  # the lecture's networks and settings
    python scripts/lecture000_gaussian.py --mean 1 --std 0.5 --epochs 15

The lecture's SELU generator (latent 50 from uniform [0, 1), hidden 150) and
ELU/sigmoid discriminator (hidden 75), SGD with momentum 0.9 (G lr 0.0008,
D lr 0.001), batches of 30. Saves histogram.png (generated values over the
target density) and the training curves, and prints the generated mean and
std against the target.
"""

import argparse
import sys

import kgan
from kgan.cli import ArgumentParser, positive_float, positive_int
from kgan.cli.errors import run_main
from kgan.cli.examples import add_example_arguments, prepare_output_dir


def parse_args(argv=None):
    parser = ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_example_arguments(parser, "lecture000_gaussian", epochs=8)
    parser.add_argument("--mean", type=float, default=4.0, help="target mean (default: %(default)s)")
    parser.add_argument("--std", type=positive_float, default=0.2, help="target std (default: %(default)s)")
    parser.add_argument(
        "--vector-length", type=positive_int, default=10, help="values per vector (default: %(default)s)"
    )
    parser.add_argument(
        "--batches-per-epoch",
        type=positive_int,
        default=600,
        help="batches of 30 per epoch, the lecture's number_of_batches (default: %(default)s)",
    )
    parser.add_argument(
        "--d-steps",
        type=positive_int,
        default=1,
        help="D steps per G step; k > 1 freezes G for k-1 of every k batches (default: %(default)s)",
    )
    return parser.parse_args(argv)


def run(args):
    """Trains the example; returns `(output_dir, kgan.metrics.Moments)`."""
    output_dir = prepare_output_dir(args.output_dir, "lecture000_gaussian")
    data = kgan.lectures.normal_vectors(
        args.batches_per_epoch * 30, args.vector_length, args.mean, args.std, seed=args.seed
    )
    gan = kgan.lectures.train_toy_gan(
        data,
        epochs=args.epochs,
        d_steps=args.d_steps,
        seed=args.seed,
        verbose=2,
        callbacks=[kgan.callbacks.HistoryLog(output_dir, title="lecture 000, example 1")],
    )
    samples = kgan.lectures.generate_samples(gan, 1000, seed=args.seed)
    kgan.lectures.plot_histogram(samples, args.mean, args.std, output_dir / "histogram.png")
    return output_dir, kgan.metrics.moment_errors(samples, args.mean, args.std)


def main(argv=None):
    args = parse_args(argv)
    output_dir, moments = run(args)
    print(f"\nPictures and curves: {output_dir}")
    print(f"generated mean {moments.mean:.3f} (target {args.mean:g}, error {moments.mean_error:.3f})")
    print(f"generated std  {moments.std:.3f} (target {args.std:g}, error {moments.std_error:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
