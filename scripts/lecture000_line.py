"""Lecture 000, example 2: a GAN learns 2-D points on the line y = 2x + 1.

    python scripts/lecture000_line.py                      # the lecture's networks
    python scripts/lecture000_line.py --slope -1 --intercept 0.5 --epochs 20

The lecture's SELU generator and ELU/sigmoid discriminator with 2-D outputs
and inputs. The lecture does not print this example's settings; kgan uses a
standard normal latent (lectures 001, 004) and Adam(1e-3, beta_1=0.5) on
batches of 64, which learn the line in about 1,000 steps (the uniform [0, 1)
latent of example 1 is much slower here). Saves scatter.png (generated points
over the line) and prints the mean distance to the line.
"""

import argparse
import sys

import kgan
from kgan.cli import ArgumentParser, positive_int
from kgan.cli.errors import run_main
from kgan.cli.examples import add_example_arguments, prepare_output_dir


def parse_args(argv=None):
    parser = ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_example_arguments(parser, "lecture000_line", epochs=10)
    parser.add_argument("--slope", type=float, default=2.0, help="slope of the line (default: %(default)s)")
    parser.add_argument("--intercept", type=float, default=1.0, help="intercept of the line (default: %(default)s)")
    parser.add_argument(
        "--batches-per-epoch", type=positive_int, default=100, help="batches of 64 per epoch (default: %(default)s)"
    )
    return parser.parse_args(argv)


def run(args):
    """Trains the example; returns `(output_dir, mean distance to the line, samples)`."""
    output_dir = prepare_output_dir(args.output_dir, "lecture000_line")
    data = kgan.lectures.line_points(args.batches_per_epoch * 64, args.slope, args.intercept, seed=args.seed)
    gan = kgan.lectures.train_toy_gan(
        data,
        latent_distribution="normal",
        optimizer="adam",
        lr_g=1e-3,
        lr_d=1e-3,
        batch_size=64,
        epochs=args.epochs,
        seed=args.seed,
        verbose=2,
        callbacks=[kgan.callbacks.HistoryLog(output_dir, title="lecture 000, example 2")],
    )
    samples = kgan.lectures.generate_samples(gan, 1000, seed=args.seed)
    kgan.lectures.plot_line(samples, args.slope, args.intercept, output_dir / "scatter.png")
    return output_dir, kgan.metrics.mean_distance_to_line(samples, args.slope, args.intercept), samples


def main(argv=None):
    args = parse_args(argv)
    output_dir, distance, samples = run(args)
    spread = kgan.metrics.mean_distance_to_line(
        kgan.lectures.line_points(1000, args.slope, args.intercept, seed=1) + 0.5, args.slope, args.intercept
    )
    print(f"\nPictures and curves: {output_dir}")
    print(f"mean distance to the line: {distance:.4f} (points shifted by 0.5 would be at {spread:.4f})")
    print(f"x range covered: {samples[:, 0].min():.2f} .. {samples[:, 0].max():.2f} (data: -1 .. 1)")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
