"""Lecture 004: the Keras DCGAN trained the lecture's way, with the combined DG model and train_on_batch.

    python scripts/lecture004_classic_dcgan.py                   # 80 epochs (6,240 steps): digits, in hours on a CPU
    python scripts/lecture004_classic_dcgan.py --epochs 1        # a first look (78 steps): one blob
    python scripts/lecture004_classic_dcgan.py --loss minimax    # the zero-sum generator cost
    python scripts/lecture004_classic_dcgan.py --d-steps 2       # k discriminator steps per generator step

D: four 5x5 convs (32, 64, 128, 256 maps; strides 1, 2, 2, 1), LeakyReLU,
Dropout(0.3), Dense(2, softmax), named "D"; G: Dense(256*7*7) and
Conv2DTranspose 256, 128, 64, 32 to a tanh image, named "G" (`--arch
lecture004`). DG = D(G(z)) is compiled with D frozen; each step trains D on
fakes and reals (categorical cross-entropy), then DG on normal noise with
"real" targets, printing the lecture's "[D loss: ...] [DG loss: ...]" line per
epoch. Adam(1e-4) for both, as the lecture. Writes the main job's run
directory and prints the kgan.metrics scores of the exported generator.
The run directory is fixed by the arguments that define the run
(runs/lecture004_classic_dcgan-<loss>-d<d-steps>-b<batch-size>-seed<seed>,
or --output-dir), so an interrupted run resumes from its last epoch's
checkpoint when the same command is run again (a larger --epochs extends
it); a finished one is refused: choose another --output-dir.

What to expect: an epoch of the 5,000 embedded digits is 78 steps, and the 5x5
transposed convolutions with 256 maps make each of them slow on a CPU. The
lecture warns that it "took many attempts" and 3 hours on a GPU; here G draws
one blob for every z after the first epoch, dotted grids while D wins, single
strokes, digit-like shapes and digits from about epoch 60. The run behind the
default of 80 epochs, its time per epoch and its scores by epoch:
benchmarks/RESULTS.md, "Lecture 004 DCGAN through the classic DG loop".
"""

import argparse
import sys

from kgan.cli import ArgumentParser, positive_int
from kgan.cli.errors import run_main
from kgan.cli.examples import add_example_arguments
from kgan.cli.source import value_of


def parse_args(argv=None):
    parser = ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_example_arguments(
        parser,
        "lecture004_classic_dcgan",
        epochs=80,
        output_help="the run directory; the same command resumes the interrupted run in it (default: "
        "runs/lecture004_classic_dcgan-<loss>-d<d-steps>-b<batch-size>-seed<seed>)",
    )
    parser.add_argument(
        "--loss",
        choices=value_of("kgan.training.combined", "GENERATOR_COSTS"),  # read from source: no TensorFlow
        default="non_saturating",
        help="generator cost: the lecture's flipped target (non_saturating), zero-sum (minimax) or "
        "maximum_likelihood (default: %(default)s)",
    )
    parser.add_argument("--d-steps", type=positive_int, default=1, help="D steps per G step (default: %(default)s)")
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=64,
        help="real images per step; D trains on them and as many fakes, DG on as many latent vectors "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--no-score", dest="score", action="store_false", help="skip scoring the export with kgan.metrics"
    )
    return parser.parse_args(argv)


def run_dir(args):
    """The run directory: `--output-dir`, or one named by the settings that define the run (so re-running resumes)."""
    name = f"lecture004_classic_dcgan-{args.loss}-d{args.d_steps}-b{args.batch_size}-seed{args.seed}"
    return args.output_dir or f"runs/{name}"


def main(argv=None):
    args = parse_args(argv)
    from kgan.training import train

    result = train(
        arch="lecture004",
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr_d=1e-4,
        lr_g=1e-4,
        beta_1=0.9,
        loss=args.loss,
        seed=args.seed,
        output_dir=run_dir(args),
        export_name="mnist_lecture004_classic",
        trainer="classic",
        d_steps=args.d_steps,
    )
    print(f"\nRun directory: {result.run_dir} (samples/montage.png shows every epoch)")
    if args.score:
        from kgan.metrics import evaluate_export

        evaluate_export(result.export_path)
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
