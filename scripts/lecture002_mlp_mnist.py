"""Lecture 002: the MLP GAN on MNIST (Raschka's STAT 479 `gan-mlp-mnist`, the lecture's full code example 1).

    python scripts/lecture002_mlp_mnist.py                       # 100 epochs of 5,000 digits: digits
    python scripts/lecture002_mlp_mnist.py --epochs 30           # a third of the time: noisy strokes, few digits yet
    python scripts/lecture002_mlp_mnist.py --trainer classic     # the same networks through lecture 004's DG loop
    python scripts/lecture002_mlp_mnist.py --label-smoothing 0.1 # one-sided label smoothing (real target 0.9)

G: Linear(100, 128), LeakyReLU, Dropout(0.5), Linear(784), tanh; D: Linear(784,
128), LeakyReLU, Dropout(0.5), Linear(1), sigmoid (`--arch mlp_lecture002`);
latent uniform in [-1, 1]; Adam(1e-3) for both, as the lecture's notebook;
the non-saturating generator loss. Writes the main job's run directory (sample
grids and montage, curves, checkpoints, SavedModel export) and prints the
kgan.metrics scores of the exported generator.

The notebook trains 100 epochs of full MNIST in batches of 128 (~47,000
steps). On the 5,000 embedded digits, batches of 128 give only 39 steps per
epoch and round blobs after 30 epochs; batches of 32 give 4 times the steps
for the same data, and the default 100 epochs (15,600 steps) draw
recognisable digits. What the default run scored and cost:
benchmarks/RESULTS.md, "The lecture examples".
"""

import argparse
import sys

from kgan.cli import ArgumentParser, positive_int
from kgan.cli.errors import run_main
from kgan.cli.examples import add_example_arguments


def parse_args(argv=None):
    parser = ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_example_arguments(parser, "lecture002_mlp_mnist", epochs=100)
    parser.add_argument(
        "--trainer",
        choices=("fit", "classic"),
        default="fit",
        help="GAN.fit or lecture 004's train_on_batch loop (default: %(default)s)",
    )
    parser.add_argument(
        "--label-smoothing",
        type=float,
        default=0.0,
        help="one-sided label smoothing of D's real target (default: %(default)s)",
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=32,
        help="images per step; the notebook's 128 gives 4x fewer steps (default: %(default)s)",
    )
    parser.add_argument(
        "--no-score", dest="score", action="store_false", help="skip scoring the export with kgan.metrics"
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from kgan.training import default_run_dir, train

    result = train(
        arch="mlp_lecture002",
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr_d=1e-3,
        lr_g=1e-3,
        beta_1=0.9,
        seed=args.seed,
        output_dir=args.output_dir or default_run_dir("lecture002_mlp_mnist"),
        export_name="mnist_mlp_lecture002",
        trainer=args.trainer,
        label_smoothing=args.label_smoothing,
        variant_options={"latent_distribution": "uniform"},
    )
    print(f"\nRun directory: {result.run_dir} (samples/montage.png shows every epoch)")
    if args.score:
        from kgan.metrics import evaluate_export

        evaluate_export(result.export_path)
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
