"""Lecture 000's experiment: "freeze the generator and increase the number of epochs".

    python scripts/lecture000_freeze_generator.py          # three runs
    python scripts/lecture000_freeze_generator.py --freeze-steps 3 --epochs 4

Example 1 (vectors following N(4.0, 0.2^2)) trained three ways, with the
lecture's `freeze_generator_steps` = k (G is trained on one batch out of k,
D on every batch: k discriminator steps per generator step, Algorithm 1 of
lecture 002):

    1. k = 1 for E epochs (the baseline);
    2. k = K for E epochs: G gets K times fewer updates;
    3. k = K for K x E epochs: as many G updates as the baseline, K times more D updates.

Saves histograms.png (one panel per run) and prints each run's mean and std errors.
"""

import argparse
import sys

import kgan
from kgan.cli import ArgumentParser, positive_int
from kgan.cli.errors import run_main
from kgan.cli.examples import add_example_arguments, prepare_output_dir

MEAN, STD = 4.0, 0.2


def parse_args(argv=None):
    parser = ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_example_arguments(parser, "lecture000_freeze_generator", epochs=8)
    parser.add_argument(
        "--freeze-steps", type=positive_int, default=3, help="K: G trained on one batch out of K (default: %(default)s)"
    )
    parser.add_argument(
        "--batches-per-epoch", type=positive_int, default=600, help="batches of 30 per epoch (default: %(default)s)"
    )
    return parser.parse_args(argv)


def run(args):
    """Runs the three trainings; returns `(output_dir, [(label, Moments), ...])`."""
    output_dir = prepare_output_dir(args.output_dir, "lecture000_freeze_generator")
    data = kgan.lectures.normal_vectors(args.batches_per_epoch * 30, seed=args.seed)
    k, epochs = args.freeze_steps, args.epochs
    runs = [
        (f"k=1, {epochs} epochs", 1, epochs),
        (f"k={k}, {epochs} epochs", k, epochs),
        (f"k={k}, {k * epochs} epochs", k, k * epochs),
    ]
    results, panels = [], []
    for label, d_steps, n_epochs in runs:
        print(f"\n== {label}")
        gan = kgan.lectures.train_toy_gan(data, d_steps=d_steps, epochs=n_epochs, seed=args.seed, verbose=2)
        samples = kgan.lectures.generate_samples(gan, 1000, seed=args.seed)
        results.append((label, kgan.metrics.moment_errors(samples, MEAN, STD)))
        panels.append(samples)
    kgan.lectures.plot_histograms(panels, MEAN, STD, output_dir / "histograms.png", titles=[r[0] for r in results])
    return output_dir, results


def main(argv=None):
    args = parse_args(argv)
    output_dir, results = run(args)
    print(f"\nPictures: {output_dir}")
    print(f"{'run':<22} {'mean':>7} {'std':>7} {'|mean err|':>11} {'|std err|':>10}   (target mean {MEAN}, std {STD})")
    for label, m in results:
        print(f"{label:<22} {m.mean:7.3f} {m.std:7.3f} {m.mean_error:11.3f} {m.std_error:10.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
